// SPDX-License-Identifier: Apache-2.0
// Getting a usable feed under the cache policy: revalidate with the origin (unless offline),
// fall back to the cached copy with a warning when the origin cannot be reached, refuse a copy
// older than the maximum age; importing feed files for air-gapped sites.
#pragma once

#include <imgscap/feeds/cache.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::feeds {

struct Policy {
  bool offline = false;                   // never contact the origin: the cache only
  long long max_age_seconds = 7 * 86400;  // 0: any age is accepted
  std::uint64_t max_bytes = 0;            // download and unpacked size bound (feed-bytes)
};

struct Obtained {
  FeedRecord record;
  std::filesystem::path file;  // the OVAL file to evaluate
  // How the feed was obtained: "downloaded", "not modified (revalidated)", "cache (--offline)",
  // "cache (download failed)", "updated by another imgscap moments ago".
  std::string how;
  std::vector<std::string> warnings;  // said on stderr and in the summary
  long long age_seconds = 0;          // now - verified_at
};

// The feed `name` from `url` under the policy. Throws imgscap::Error saying what to do when no
// usable copy can be had (nothing cached and the download failed, or only a copy older than the
// maximum age).
Obtained obtain(const FeedCache& cache, const std::string& name, const std::string& url,
                const Policy& policy);

// Unpacks and checks `file`, then stores it as feed `name` (origin recorded). When
// `expected_sha256` is given, the file as given must have that digest. When `platform` is
// given, the feed must name it among its platforms. Returns the stored record.
FeedRecord import_file(const FeedCache& cache, const std::string& name, const std::string& url,
                       const std::filesystem::path& file,
                       const std::optional<std::string>& expected_sha256,
                       const std::string& platform, std::uint64_t max_bytes);

// "36h", "7d", "2w", "90m", "3600" (seconds) or "none"/"0" (no maximum). Throws imgscap::Error.
long long parse_duration(const std::string& text, const std::string& option);

long long now_seconds();

}  // namespace imgscap::feeds
