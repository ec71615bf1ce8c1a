// SPDX-License-Identifier: Apache-2.0
// TarArchive: entries of a tar file (docker-archive, oci-archive) read as streams. A blob is read
// by reopening the archive and skipping to its entry (libarchive seeks over other entries), so
// nothing is ever copied to disk.
#pragma once

#include <imgscap/util/byte_stream.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace imgscap::image {

class TarArchive {
 public:
  // Indexes the archive's regular files (names normalised: no "./", no leading "/"; entries with
  // ".." components are never matched). Throws imgscap::Error.
  explicit TarArchive(std::filesystem::path path);

  [[nodiscard]] std::vector<std::string> top_level_names() const;
  [[nodiscard]] bool contains(const std::string& name) const;
  [[nodiscard]] std::int64_t size_of(const std::string& name) const;
  // A stream of the entry's bytes; throws imgscap::Error naming the entry when it is absent.
  [[nodiscard]] std::unique_ptr<util::ByteStream> open(const std::string& name) const;

 private:
  std::filesystem::path m_path;
  std::map<std::string, std::int64_t> m_files;  // normalised name -> size
  std::vector<std::string> m_all_names;
};

// The entry name as it is matched: "./a//b" -> "a/b"; "" for names with ".." components.
std::string normalise_entry_name(std::string_view name);

}  // namespace imgscap::image
