// SPDX-License-Identifier: Apache-2.0
// Which content a scan evaluates: explicit files, or with "auto" the built-in container-image
// baseline plus the SCAP Security Guide datastream and profile the catalogue
// (content/ssg-catalogue.json) names for the image's OS, when installed.
#pragma once

#include <imgscap/scan/facts.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::scan {

struct PlannedContent {
  std::string name;            // "baseline", "ssg-debian11", or the file's stem
  std::filesystem::path path;  // absolute
  std::string profile;         // full id or suffix; "" = the content's default
  std::optional<std::filesystem::path> tailoring_file;
  std::string reason;  // why it is evaluated
};

struct ContentPlan {
  std::vector<PlannedContent> contents;
  std::vector<std::string> notes;  // what auto looked for and did not find
};

// Where imgscap's own content is: <dir of the executable>/../share/imgscap when installed, else
// the source tree's content/ (running from a build tree). Throws imgscap::Error when neither has
// the baseline.
std::filesystem::path data_dir();

// The standard places SSG datastreams are installed.
std::vector<std::filesystem::path> default_ssg_dirs();

// The XCCDF profile ids a content file declares (streamed; stops at nothing but the end).
std::vector<std::string> content_profiles(const std::filesystem::path& content);

struct AutoRequest {
  std::optional<OsRelease> os;
  std::vector<std::filesystem::path> ssg_dirs;          // searched in order (--content-dir first)
  std::string profile;                                  // overrides the catalogue's SSG profile
  std::optional<std::filesystem::path> tailoring_file;  // applies to the SSG content
};

// The baseline, always; the SSG datastream for the OS where one is installed. Notes say what
// was chosen and why, and what is missing (no os-release, an OS without SSG content, a datastream
// not installed, a profile the datastream lacks).
ContentPlan plan_auto_content(const AutoRequest& request);

}  // namespace imgscap::scan
