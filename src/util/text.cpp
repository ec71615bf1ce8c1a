// SPDX-License-Identifier: Apache-2.0
// Text helpers that need formatting: ages for people.
#include <imgscap/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace imgscap::util {

std::string format_age(long long seconds) {
  seconds = std::max(seconds, 0LL);
  const long long days = seconds / 86400;
  const long long hours = (seconds % 86400) / 3600;
  const long long minutes = (seconds % 3600) / 60;
  if (days > 0) {
    return hours > 0 ? fmt::format("{} d {} h", days, hours) : fmt::format("{} d", days);
  }
  if (hours > 0) {
    return minutes > 0 ? fmt::format("{} h {} min", hours, minutes) : fmt::format("{} h", hours);
  }
  if (minutes > 0) {
    return fmt::format("{} min", minutes);
  }
  return fmt::format("{} s", seconds);
}

}  // namespace imgscap::util
