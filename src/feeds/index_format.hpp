// SPDX-License-Identifier: Apache-2.0
// The index file format, private to the feeds module: "<sha256>.index" holds the tables (a
// header, then length-prefixed records, little-endian as the machine writes them: an index never
// leaves the machine that built it) and "<sha256>.index.pieces" every element's XML.
#pragma once

#include <imgscap/feeds/index.hpp>

#include <filesystem>

namespace imgscap::feeds {

// Writes the tables of `index` to `file` (atomically), recording the pieces file's size.
void write_index(const FeedIndex& index, std::uint64_t pieces_size,
                 const std::filesystem::path& file);

}  // namespace imgscap::feeds
