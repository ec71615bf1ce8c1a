// SPDX-License-Identifier: Apache-2.0
// Small text helpers shared by the parsers of image facts and by messages.
#pragma once

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::util {

// `text` without leading and trailing whitespace.
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

// "512", "64K", "2G" (K, M, G, T: powers of 1024) as bytes; nullopt when it is not one.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

// The pieces of `text` between `separator`s ("a,b," -> "a", "b", ""); "" gives one empty piece.
std::vector<std::string> split(std::string_view text, char separator);

// "3 h 5 min", "2 d 4 h", "45 s": a rough age for people (negative counts as 0).
std::string format_age(long long seconds);

// The current time in UTC as RFC 3339 ("2026-11-30T20:00:00Z").
std::string utc_now();

}  // namespace imgscap::util
