// SPDX-License-Identifier: Apache-2.0
// Parsing os-release text.
#include <imgscap/util/os_release.hpp>
#include <imgscap/util/text.hpp>

#include <cctype>

namespace imgscap::util {
namespace {

std::string unquote(std::string_view value) {
  value = trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) {
      ++i;
    }
    out.push_back(value[i]);
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_os_release_fields(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    const auto end = text.find('\n');
    auto line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) {
      fields[std::string(trim(line.substr(0, eq)))] = unquote(line.substr(eq + 1));
    }
  }
  return fields;
}

}  // namespace imgscap::util
