// SPDX-License-Identifier: Apache-2.0
// Bounds on what imgscap accepts from an image (it is untrusted input): how many layers and
// entries, how long paths, how many bytes, how much compression, how big JSON, how long a scan.
// Each has a documented default (man page, LIMITS) and can be raised with --limit NAME=VALUE;
// exceeding one fails with a message naming the limit and how to raise it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::util {

enum class Limit {
  layers,             // layers in one image
  entries_per_layer,  // tar entries in one layer
  path_bytes,         // length of one entry path
  path_depth,         // directories in one entry path
  layer_bytes,        // uncompressed tar bytes of one layer
  image_bytes,        // uncompressed tar bytes of all layers
  compression_ratio,  // uncompressed / compressed bytes of a layer (beyond the first 256 MiB)
  trailing_bytes,     // data after the end of a layer's tar or compressed stream
  json_bytes,         // one manifest, index or config document
  json_depth,         // nesting of such a document
  archive_entries,    // entries in an image archive (docker-archive, oci-archive)
  scan_seconds,       // wall time of a whole scan
  stall_seconds,      // an evaluation child without a result line or CPU time (a deadlock)
  feed_bytes,         // a CVE feed, downloaded and unpacked
};

struct LimitInfo {
  Limit limit;
  const char* name;  // as written in --limit NAME=VALUE, e.g. "entries-per-layer"
  std::uint64_t default_value;
  bool bytes;  // VALUE may carry K, M, G or T (powers of 1024)
  const char* meaning;
};

// Every limit, in the order of the enum.
const std::vector<LimitInfo>& limit_catalogue();

class Limits {
 public:
  Limits();  // every limit at its default

  [[nodiscard]] std::uint64_t get(Limit limit) const;
  // Parses "NAME=VALUE". Throws imgscap::Error for an unknown name or a bad value.
  void set(std::string_view assignment);

 private:
  std::vector<std::uint64_t> m_values;
};

// The limits of this process (the defaults until set_limits is called, once, by the CLI).
const Limits& limits();
void set_limits(const Limits& limits);

// The value of `limit` in this process.
inline std::uint64_t limit(Limit which) { return limits().get(which); }

// Throws imgscap::Error: "<what> (limit NAME=VALUE; raise it with --limit NAME=...)".
[[noreturn]] void limit_exceeded(Limit which, std::string_view what);

}  // namespace imgscap::util
