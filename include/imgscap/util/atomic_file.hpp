// SPDX-License-Identifier: Apache-2.0
// Atomic output files: content goes to a hidden temporary beside the destination and is renamed
// into place on commit, so an interrupted scan never leaves a complete-looking report.
#pragma once

#include <filesystem>
#include <string_view>

namespace imgscap::util {

class AtomicFile {
 public:
  // Creates ".<name>.tmp-XXXXXX" in the destination's directory (mode 0644 minus umask).
  explicit AtomicFile(std::filesystem::path destination);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  ~AtomicFile();  // removes the temporary unless committed

  void write(std::string_view data);
  // Copies the content of `source` into the temporary.
  void write_file(const std::filesystem::path& source);
  // fsyncs and renames the temporary onto the destination.
  void commit();
  [[nodiscard]] const std::filesystem::path& destination() const noexcept { return m_destination; }

 private:
  std::filesystem::path m_destination;
  std::filesystem::path m_temporary;
  int m_fd = -1;
  bool m_committed = false;
};

}  // namespace imgscap::util
