// SPDX-License-Identifier: Apache-2.0
// Text helpers that need formatting or parsing: ages for people, byte sizes, timestamps.
#include <imgscap/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

namespace imgscap::util {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> out;
  while (true) {
    const auto at = text.find(separator);
    out.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) {
      return out;
    }
    text.remove_prefix(at + 1);
  }
}

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

namespace imgscap::util {

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::uint64_t multiplier = 1;
  constexpr std::string_view k_suffixes = "KMGT";
  if (!text.empty()) {
    if (const auto pos = k_suffixes.find(static_cast<char>(std::toupper(text.back())));
        pos != std::string_view::npos) {
      multiplier = 1ULL << (10 * (pos + 1));
      text.remove_suffix(1);
    }
  }
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      value > UINT64_MAX / multiplier) {
    return std::nullopt;
  }
  return value * multiplier;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text.data();
}

}  // namespace imgscap::util
