// SPDX-License-Identifier: Apache-2.0
// One waiver as the findings it covers carry it (the rest of waivers in report/waivers.hpp).
#pragma once

#include <string>
#include <vector>

namespace imgscap::report {

struct Waiver {
  std::string id;
  std::vector<std::string> images;  // globs; empty: every image
  std::string reason;
  std::string expires;  // YYYY-MM-DD: applies through that day (UTC)
  std::string owner;    // "" when not given
  int line = 0;         // where the entry starts in its file (1-based)
  bool operator==(const Waiver&) const = default;
};

}  // namespace imgscap::report
