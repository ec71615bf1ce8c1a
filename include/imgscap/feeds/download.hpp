// SPDX-License-Identifier: Apache-2.0
// Fetching a feed over HTTP(S) with libcurl: conditional requests (If-None-Match /
// If-Modified-Since) so an unchanged feed is not transferred again, bounded size, redirects
// followed, stopped by termination signals and the scan deadline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace imgscap::feeds {

// Validators of the copy already held (empty: none, an unconditional request).
struct Validators {
  std::string etag;
  std::string last_modified;
};

struct Fetched {
  bool not_modified = false;  // 304: the held copy is current, nothing was written
  long http_status = 0;       // 0 for file://
  std::string etag;           // the response's validators (for the next request)
  std::string last_modified;
  std::uint64_t bytes = 0;  // body bytes received
};

// GETs `url` into `destination` (created or truncated). Throws imgscap::Error with the reason
// (curl's message, the HTTP status, a short body) naming the URL; the file then holds nothing
// usable and the caller discards it.
Fetched fetch(const std::string& url, const Validators& validators,
              const std::filesystem::path& destination, std::uint64_t max_bytes);

// libcurl's version line, for --verbose.
std::string curl_version_text();

}  // namespace imgscap::feeds
