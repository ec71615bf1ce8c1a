// SPDX-License-Identifier: Apache-2.0
// StreamArchive: a libarchive reader fed from a ByteStream. Errors thrown by the stream inside
// libarchive's C callback are captured and rethrown by check(), so they never cross C frames
// and are never lost (libarchive may ignore a failed read it no longer needed).
#pragma once

#include <imgscap/util/byte_stream.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>

struct archive;

namespace imgscap::util {

struct ArchiveReadFree {
  void operator()(::archive* a) const noexcept;
};
using ArchiveReadPtr = std::unique_ptr<::archive, ArchiveReadFree>;

class StreamArchive {
 public:
  // gzip is not here: image::decompress reads it with zlib, which checks its trailers.
  enum class Kind { tar, raw_zstd };

  // Opens a reader over `stream`: tar (no decompression) or raw zstd data.
  StreamArchive(ByteStream& stream, Kind kind);
  StreamArchive(const StreamArchive&) = delete;
  StreamArchive& operator=(const StreamArchive&) = delete;
  ~StreamArchive();

  [[nodiscard]] ::archive* get() const noexcept { return m_archive.get(); }
  // Bytes pulled from the stream so far.
  [[nodiscard]] std::uint64_t consumed() const noexcept { return m_consumed; }
  // Rethrows a captured stream error; else throws imgscap::Error "<what>: <libarchive's reason>"
  // when `failed`.
  void check(bool failed, std::string_view what);

 private:
  static std::ptrdiff_t read_callback(::archive*, void* self, const void** out);

  ByteStream& m_stream;
  ArchiveReadPtr m_archive;
  std::array<std::byte, 64 * 1024> m_buffer{};
  std::exception_ptr m_error;
  std::uint64_t m_consumed = 0;
};

// libarchive's error text for `a`, or "corrupt data" when it set none (it may return NULL,
// which fmt refuses to format).
const char* archive_reason(::archive* a);

}  // namespace imgscap::util
