// SPDX-License-Identifier: Apache-2.0
// Applies an uncompressed layer tar onto a root directory: OCI whiteouts and opaque directories,
// all path resolution confined to the root (openat2 RESOLVE_IN_ROOT), no device nodes or FIFOs,
// within the limits of util/limits.hpp (entries, path length and depth, bytes, trailing data).
#pragma once

#include <imgscap/rootfs/file_facts.hpp>
#include <imgscap/util/byte_stream.hpp>
#include <imgscap/util/fd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace imgscap::rootfs {

struct ApplyOptions {
  bool preserve_ownership = false;  // lchown entries to their uid/gid (needs root)
  // Owners at or above this id cannot be represented (a user namespace maps fewer ids): such
  // entries keep the unpacking user as owner and are counted in ApplyStats::unmapped_owners.
  std::uint64_t owner_id_limit = 0xFFFFFFFFULL;
  // What is left of the image-bytes limit for this layer's uncompressed tar.
  std::uint64_t image_bytes_left = UINT64_MAX;
  // Called with bytes of tar consumed so far, for progress. May be empty.
  std::function<void(std::uint64_t)> on_progress;
  // Where the file facts are recorded (may be null).
  FileFacts* facts = nullptr;
  // Checked between entries; when it returns true, apply() throws imgscap::Error "interrupted".
  std::function<bool()> interrupted;
};

// A special file the image declared but imgscap did not create (device node, FIFO).
struct SkippedEntry {
  std::string path;   // relative to the root, no leading "/"
  std::string kind;   // "character device", "block device", "fifo", "socket"
  unsigned mode = 0;  // permission bits as declared
  std::uint64_t uid = 0, gid = 0;
};

struct ApplyStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes_written = 0;
  std::vector<SkippedEntry> skipped;
  std::uint64_t unmapped_owners = 0;  // entries whose owner was not representable
  std::uint64_t tar_bytes = 0;        // uncompressed bytes of the layer read
};

// Reads `layer` (a tar stream) to its end and applies it on `root` (a directory fd).
// Errors name the entry: "entry usr/bin/x: ...". Reads the stream to EOF so the caller's
// verifying stream checks the digest.
ApplyStats apply_layer(const util::Fd& root, util::ByteStream& layer, const ApplyOptions& options);

}  // namespace imgscap::rootfs
