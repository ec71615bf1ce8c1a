// SPDX-License-Identifier: Apache-2.0
// The one way imgscap reads YAML (yaml-cpp): every error names the file and the line, and a
// mapping's keys are texts given once. Waivers files and configuration files read through it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <string_view>

namespace imgscap::util::yaml {

// Parses a document. Throws imgscap::Error "FILE: line N: <yaml-cpp's message>".
YAML::Node load(std::string_view text, const std::string& file);

// Throws imgscap::Error "FILE: line N: what" for the node at `mark`.
[[noreturn]] void fail_at(const std::string& file, const YAML::Mark& mark, const std::string& what);

// A mapping's key: a text, not in `seen` (which it joins). Throws imgscap::Error naming the line.
std::string key(const std::string& file, const YAML::Node& node, std::set<std::string>& seen);

}  // namespace imgscap::util::yaml
