// SPDX-License-Identifier: Apache-2.0
// Which content a scan evaluates: explicit --content files (checked before unpacking) and
// "auto", the built-in baseline plus the SSG datastream for the image's OS.
#include "steps.hpp"

#include <imgscap/util/error.hpp>

#include <set>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_auto = "auto";

// "ssg-debian11-ds.xml" -> "ssg-debian11"; "my-rules.xml" -> "my-rules".
std::string content_name(const fs::path& path) {
  auto name = path.filename().string();
  for (const std::string_view suffix : {"-ds.xml", ".xml"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  return name;
}

bool wants_auto(const ScanOptions& options) {
  return std::find(options.contents.begin(), options.contents.end(), k_auto) !=
         options.contents.end();
}

}  // namespace

bool plain_file_names(const ScanOptions& options) {
  return options.contents.size() == 1 && options.contents.front() != k_auto;
}

std::vector<scan::PlannedContent> explicit_contents(const ScanOptions& options) {
  std::vector<scan::PlannedContent> planned;
  for (const auto& text : options.contents) {
    if (text == k_auto) {
      continue;
    }
    const auto content = scan::detect_content(text);
    planned.push_back({content_name(content.path), content.path, options.profile,
                       options.tailoring_file, "given with --content"});
  }
  if (wants_auto(options) && planned.empty() && options.tailoring_file && options.profile.empty()) {
    fail("--tailoring-file with --content auto needs --profile naming the tailored profile");
  }
  return planned;
}

scan::ContentPlan plan_contents(const ScanOptions& options,
                                const std::vector<scan::PlannedContent>& explicit_files,
                                const std::optional<scan::OsRelease>& os) {
  scan::ContentPlan plan;
  if (wants_auto(options)) {
    scan::AutoRequest request;
    request.os = os;
    request.ssg_dirs = options.content_dirs;
    for (const auto& dir : scan::default_ssg_dirs()) {
      request.ssg_dirs.push_back(dir);
    }
    // --profile and --tailoring-file go to the SSG content unless explicit files take them.
    if (explicit_files.empty()) {
      request.profile = options.profile;
      request.tailoring_file = options.tailoring_file;
    }
    plan = scan::plan_auto_content(request);
    if (plan.contents.size() == 1 && (!request.profile.empty() || request.tailoring_file)) {
      plan.notes.push_back(
          "--profile/--tailoring-file were not used: no SCAP Security Guide "
          "content was evaluated");
    }
  }
  plan.contents.insert(plan.contents.end(), explicit_files.begin(), explicit_files.end());
  std::set<std::string> names;
  for (auto& content : plan.contents) {
    const auto base = content.name;
    for (int n = 2; !names.insert(content.name).second; ++n) {
      content.name = fmt::format("{}-{}", base, n);
    }
  }
  return plan;
}

}  // namespace imgscap::pipeline
