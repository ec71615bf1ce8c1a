// SPDX-License-Identifier: Apache-2.0
// Waivers read with yaml-cpp (every message names the file and line), matched against an
// image's findings by id and image globs (fnmatch), in force through their expiry date.
#include <imgscap/report/summary.hpp>
#include <imgscap/report/waivers.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/text.hpp>
#include <imgscap/util/yaml.hpp>

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <set>

namespace imgscap::report {
namespace {

constexpr std::string_view k_keys = "id, images, reason, expires, owner";

using util::yaml::fail_at;

std::string scalar(const std::string& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    fail_at(file, node.Mark(), fmt::format("\"{}\" must be a non-empty text", key));
  }
  return node.Scalar();
}

// YYYY-MM-DD naming a real day.
bool is_date(const std::string& text) {
  static const std::regex k_date(R"((\d{4})-(\d{2})-(\d{2}))");
  std::smatch m;
  if (!std::regex_match(text, m, k_date)) {
    return false;
  }
  const std::chrono::year_month_day day{std::chrono::year{std::stoi(m[1])},
                                        std::chrono::month{static_cast<unsigned>(std::stoi(m[2]))},
                                        std::chrono::day{static_cast<unsigned>(std::stoi(m[3]))}};
  return day.ok();
}

std::vector<std::string> images_of(const std::string& file, const YAML::Node& node) {
  if (node.IsScalar()) {
    return {scalar(file, node, "images")};
  }
  if (!node.IsSequence()) {
    fail_at(file, node.Mark(), "\"images\" must be a list of globs");
  }
  std::vector<std::string> globs;
  for (const auto& item : node) {
    globs.push_back(scalar(file, item, "images"));
  }
  if (globs.empty()) {
    fail_at(file, node.Mark(), "\"images\" is empty: leave it out to waive for every image");
  }
  return globs;
}

Waiver waiver_of(const std::string& file, const YAML::Node& entry) {
  if (!entry.IsMap()) {
    fail_at(file, entry.Mark(), fmt::format("a waiver must be a mapping of {}", k_keys));
  }
  Waiver w;
  w.line = entry.Mark().line + 1;
  std::set<std::string> seen;
  for (const auto& kv : entry) {
    const auto key = util::yaml::key(file, kv.first, seen);
    if (key == "id") {
      w.id = scalar(file, kv.second, key);
    } else if (key == "reason") {
      w.reason = scalar(file, kv.second, key);
    } else if (key == "expires") {
      w.expires = scalar(file, kv.second, key);
      if (!is_date(w.expires)) {
        fail_at(file, kv.second.Mark(),
                fmt::format("\"expires\" must be a date YYYY-MM-DD (got \"{}\")", w.expires));
      }
    } else if (key == "owner") {
      w.owner = scalar(file, kv.second, key);
    } else if (key == "images") {
      w.images = images_of(file, kv.second);
    } else {
      fail_at(file, kv.first.Mark(),
              fmt::format("unknown key \"{}\" (a waiver has {})", key, k_keys));
    }
  }
  for (const auto& [value, key] :
       {std::pair{&w.id, "id"}, std::pair{&w.reason, "reason"}, std::pair{&w.expires, "expires"}}) {
    if (value->empty()) {
      fail_at(file, entry.Mark(), fmt::format("the waiver has no \"{}\"", key));
    }
  }
  return w;
}

bool glob_matches(const std::string& glob, const std::string& text) {
  return !text.empty() && fnmatch(glob.c_str(), text.c_str(), 0) == 0;
}

bool concerns(const Waiver& w, const ImageFacts& image) {
  if (w.images.empty()) {
    return true;
  }
  // A registry image also by its normalised name: "docker.io/library/debian:12",
  // "registry.example/app@sha256:...".
  std::vector<std::string> names = {image.reference, image.manifest_digest, image.config_digest};
  if (!image.registry.empty()) {
    const auto name = image.registry + "/" + image.repository;
    names.push_back(image.tag.empty() ? name : name + ":" + image.tag);
    if (!image.manifest_digest.empty()) {
      names.push_back(name + "@" + image.manifest_digest);
    }
  }
  return std::any_of(w.images.begin(), w.images.end(), [&names](const std::string& glob) {
    return std::any_of(names.begin(), names.end(),
                       [&glob](const std::string& name) { return glob_matches(glob, name); });
  });
}

std::string finding_name(const Vulnerability& v) {
  return v.cves.empty() ? v.definition_id : v.cves.front();
}

}  // namespace

Waivers parse_waivers(std::string_view text, const std::string& file) {
  Waivers out;
  out.file = file;
  out.sha256 = util::sha256_of(text).hex();
  const auto root = util::yaml::load(text, file);
  if (root.IsNull()) {
    return out;  // an empty file waives nothing
  }
  if (!root.IsMap()) {
    fail_at(file, root.Mark(), "expected a mapping with a \"waivers\" list");
  }
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const auto key = util::yaml::key(file, kv.first, seen);
    if (key != "waivers") {
      fail_at(file, kv.first.Mark(), fmt::format("unknown key \"{}\" (expected \"waivers\")", key));
    }
    if (kv.second.IsNull()) {
      continue;
    }
    if (!kv.second.IsSequence()) {
      fail_at(file, kv.second.Mark(), "\"waivers\" must be a list");
    }
    for (const auto& entry : kv.second) {
      out.entries.push_back(waiver_of(file, entry));
    }
  }
  return out;
}

Waivers read_waivers(const std::filesystem::path& file) {
  return parse_waivers(util::read_file(file), file.string());
}

bool names_rule(const Waiver& waiver, const std::string& rule_id) {
  return rule_id == waiver.id || rule_id.ends_with("_rule_" + waiver.id);
}

bool names_vulnerability(const Waiver& waiver, const Vulnerability& v) {
  return v.definition_id == waiver.id || (!v.advisory.empty() && v.advisory == waiver.id) ||
         std::find(v.cves.begin(), v.cves.end(), waiver.id) != v.cves.end();
}

ImageWaivers::ImageWaivers(const Waivers& waivers, const ImageFacts& image, std::string today)
    : m_today(std::move(today)) {
  std::copy_if(waivers.entries.begin(), waivers.entries.end(), std::back_inserter(m_waivers),
               [&image](const Waiver& w) { return concerns(w, image); });
}

const Waiver* ImageWaivers::for_rule(const std::string& rule_id) const {
  for (const auto& w : m_waivers) {
    if (in_force(w) && names_rule(w, rule_id)) {
      return &w;
    }
  }
  return nullptr;
}

const Waiver* ImageWaivers::for_definition(const Vulnerability& v) const {
  for (const auto& w : m_waivers) {
    if (in_force(w) && (w.id == v.definition_id || (!v.advisory.empty() && w.id == v.advisory))) {
      return &w;
    }
  }
  return nullptr;
}

const Waiver* ImageWaivers::for_cve(const std::string& cve) const {
  for (const auto& w : m_waivers) {
    if (in_force(w) && w.id == cve) {
      return &w;
    }
  }
  return nullptr;
}

std::vector<WaiverUse> ImageWaivers::uses(const std::vector<RuleResult>& rules,
                                          const std::vector<Vulnerability>& found,
                                          const std::vector<Vulnerability>& not_evaluated) const {
  std::vector<WaiverUse> out;
  for (const auto& w : m_waivers) {
    WaiverUse use{w, in_force(w) ? "applied" : "expired", {}};
    for (const auto& rule : rules) {
      if (rule.result == "fail" && names_rule(w, rule.id)) {
        use.findings.push_back(rule.id);
      }
    }
    for (const auto* list : {&found, &not_evaluated}) {
      for (const auto& v : *list) {
        if (std::find(v.cves.begin(), v.cves.end(), w.id) != v.cves.end()) {
          use.findings.push_back(w.id);
        } else if (names_vulnerability(w, v)) {
          use.findings.push_back(finding_name(v));
        }
      }
    }
    if (use.findings.empty() && in_force(w)) {
      use.status = "unused";
    }
    out.push_back(std::move(use));
  }
  return out;
}

std::vector<RuleResult> waive_rules(std::vector<RuleResult>& rules, const ImageWaivers& waivers) {
  std::vector<RuleResult> waived;
  for (auto& rule : rules) {
    // Only a failure: a rule that could not be evaluated still leaves the verdict incomplete.
    if (rule.result != "fail") {
      continue;
    }
    if (const auto* w = waivers.for_rule(rule.id)) {
      rule.waiver = *w;
      waived.push_back(rule);
    }
  }
  return waived;
}

void waive_vulnerabilities(VulnerabilityResults& results, const ImageWaivers& waivers) {
  for (auto* list : {&results.found, &results.not_evaluated}) {
    for (auto& v : *list) {
      v.cve_waivers.clear();
      for (const auto& cve : v.cves) {
        if (const auto* w = waivers.for_cve(cve)) {
          v.cve_waivers.emplace(cve, *w);
        }
      }
      if (const auto* w = waivers.for_definition(v)) {
        v.waiver = *w;
      } else if (!v.cves.empty() && v.cve_waivers.size() == v.cves.size()) {
        v.waiver = v.cve_waivers.at(v.cves.front());
      } else {
        v.waiver.reset();
      }
    }
  }
}

std::string waivers_state(const Waivers& waivers, const std::string& today) {
  std::string state = waivers.sha256;
  for (const auto& w : waivers.entries) {
    if (w.expires < today) {
      state += fmt::format(" {}", w.line);
    }
  }
  return state;
}

std::string utc_today() { return util::utc_now().substr(0, 10); }

}  // namespace imgscap::report
