// SPDX-License-Identifier: Apache-2.0
#include <imgscap/util/error.hpp>
#include <imgscap/util/yaml.hpp>

#include <fmt/format.h>

namespace imgscap::util::yaml {

YAML::Node load(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    fail_at(file, e.mark, e.msg);
  }
}

void fail_at(const std::string& file, const YAML::Mark& mark, const std::string& what) {
  fail("{}: line {}: {}", file, mark.line + 1, what);
}

std::string key(const std::string& file, const YAML::Node& node, std::set<std::string>& seen) {
  if (!node.IsScalar()) {
    fail_at(file, node.Mark(), "a key must be a text");
  }
  if (!seen.insert(node.Scalar()).second) {
    fail_at(file, node.Mark(), fmt::format("\"{}\" is given twice", node.Scalar()));
  }
  return node.Scalar();
}

}  // namespace imgscap::util::yaml
