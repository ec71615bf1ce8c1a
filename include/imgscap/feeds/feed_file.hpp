// SPDX-License-Identifier: Apache-2.0
// A feed file as downloaded or imported: decompressed (gzip, bzip2, xz, zstd or none, told from
// its first bytes) and checked to be OVAL definitions, with the facts imgscap records about it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace imgscap::feeds {

struct FeedFacts {
  std::string compression;        // of the source: "gzip", "bzip2", "xz", "zstd", "none"
  std::uint64_t source_size = 0;  // bytes of the source as given
  std::uint64_t size = 0;         // bytes of the OVAL document
  std::string sha256;             // hex, of the OVAL document
  std::uint64_t definitions = 0;
  std::map<std::string, std::uint64_t> classes;  // definition class -> count
  std::map<std::string, std::uint64_t> tests;    // test element ("dpkginfo_test") -> count
  std::string generated;                         // the generator's timestamp, as written
  std::string product;                           // the generator's product name
  std::vector<std::string> platforms;            // distinct affected platforms, the first few
};

// Decompresses `source` into `destination` (created; replaced if present) and inspects it.
// Throws imgscap::Error naming the source when it is not a feed: not XML, not OVAL definitions
// (the message names the root found), truncated compression, or over `max_bytes` unpacked.
FeedFacts unpack_feed(const std::filesystem::path& source, const std::filesystem::path& destination,
                      std::uint64_t max_bytes);

// Inspects an uncompressed OVAL definitions file in place (compression "none").
FeedFacts inspect_feed(const std::filesystem::path& xml);

// Seconds since the epoch of an OVAL/xsd:dateTime timestamp ("2024-05-01T03:04:05", with or
// without fraction and zone), or -1 when it cannot be read.
long long parse_timestamp(const std::string& text);

}  // namespace imgscap::feeds
