// SPDX-License-Identifier: Apache-2.0
// os-release(5) syntax: KEY=value lines, values quoted or not, comments.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace imgscap::util {

std::map<std::string, std::string> parse_os_release_fields(std::string_view text);

}  // namespace imgscap::util
