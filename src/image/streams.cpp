// SPDX-License-Identifier: Apache-2.0
// Layer stream adaptors: bounded reads, JSON depth limits, decompression, error context.
#include "streams.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/stream_archive.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace imgscap::image {
namespace {

constexpr std::size_t k_chunk = 64 * 1024;
// Below this much output, no ratio is too high (small files of zeros compress very well).
constexpr std::uint64_t k_ratio_floor = 256ULL * 1024 * 1024;

// Counts the bytes read through it.
class CountingStream final : public util::ByteStream {
 public:
  explicit CountingStream(std::unique_ptr<util::ByteStream> inner) : m_inner(std::move(inner)) {}
  std::size_t read(std::span<std::byte> buffer) override {
    const auto n = m_inner->read(buffer);
    m_count += n;
    return n;
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return m_count; }

 private:
  std::unique_ptr<util::ByteStream> m_inner;
  std::uint64_t m_count = 0;
};

// Returns peeked bytes first, then the rest of the inner stream.
class PeekStream final : public util::ByteStream {
 public:
  explicit PeekStream(std::unique_ptr<util::ByteStream> inner) : m_inner(std::move(inner)) {
    m_head.resize(8);
    std::size_t got = 0;
    while (got < m_head.size()) {
      const auto n = m_inner->read(std::span(m_head).subspan(got));
      if (n == 0) {
        break;
      }
      got += n;
    }
    m_head.resize(got);
  }
  [[nodiscard]] const std::vector<std::byte>& head() const { return m_head; }
  std::size_t read(std::span<std::byte> buffer) override {
    if (m_pos < m_head.size()) {
      const auto n = std::min(buffer.size(), m_head.size() - m_pos);
      std::memcpy(buffer.data(), m_head.data() + m_pos, n);
      m_pos += n;
      return n;
    }
    return m_inner->read(buffer);
  }

 private:
  std::unique_ptr<util::ByteStream> m_inner;
  std::vector<std::byte> m_head;
  std::size_t m_pos = 0;
};

void check_ratio(std::uint64_t out, std::uint64_t in) {
  const auto ratio = util::limit(util::Limit::compression_ratio);
  if (out > k_ratio_floor && out / std::max<std::uint64_t>(in, 1) > ratio) {
    util::limit_exceeded(
        util::Limit::compression_ratio,
        fmt::format("the layer decompresses to more than {} times its size ({} bytes from {}): "
                    "a decompression bomb?",
                    ratio, out, in));
  }
}

// The compressed data ended; the blob must still be read to its end so its digest and size are
// checked. Bounded, like trailing data after a tar.
void drain_trailing(util::ByteStream& inner, std::uint64_t already) {
  std::uint64_t trailing = already;
  std::array<std::byte, k_chunk> buffer{};
  const auto limit = util::limit(util::Limit::trailing_bytes);
  for (;;) {
    if (trailing > limit) {
      util::limit_exceeded(
          util::Limit::trailing_bytes,
          fmt::format("more than {} bytes of data after the end of the compressed layer", limit));
    }
    const auto n = inner.read(buffer);
    if (n == 0) {
      return;
    }
    trailing += n;
  }
}

// gzip with zlib, which checks every member's trailer (CRC-32 and length of the data) as Go's
// gzip reader in docker and containerd does; libarchive's gzip filter skips it. Members follow
// each other (multistream); bytes after the last member that do not start one are trailing data.
class GzipStream final : public util::ByteStream {
 public:
  explicit GzipStream(std::unique_ptr<util::ByteStream> inner)
      : m_inner(std::make_unique<CountingStream>(std::move(inner))), m_in(k_chunk) {
    if (inflateInit2(&m_z, 16 + MAX_WBITS) != Z_OK) {
      fail("cannot decompress: zlib cannot start");
    }
  }
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;
  ~GzipStream() override { inflateEnd(&m_z); }

  std::size_t read(std::span<std::byte> buffer) override {
    m_z.next_out = reinterpret_cast<Bytef*>(buffer.data());
    m_z.avail_out = static_cast<uInt>(std::min<std::size_t>(buffer.size(), UINT32_MAX));
    const auto room = m_z.avail_out;
    while (!m_done && m_z.avail_out == room) {
      if (m_z.avail_in == 0 && !refill()) {
        break;
      }
      if (!m_in_member && !start_member()) {
        break;
      }
      inflate_some();
    }
    const auto n = static_cast<std::size_t>(room - m_z.avail_out);
    m_out += n;
    check_ratio(m_out, m_inner->count());
    return n;
  }

 private:
  bool refill() {
    const auto n = m_inner->read(m_in);
    if (n == 0) {
      if (m_in_member) {
        fail("cannot decompress: the gzip data ends before its last member does (truncated)");
      }
      m_done = true;
      return false;
    }
    m_z.next_in = reinterpret_cast<Bytef*>(m_in.data());
    m_z.avail_in = static_cast<uInt>(n);
    return true;
  }

  // Between members: another member (0x1f), else trailing data, which ends the stream.
  bool start_member() {
    if (m_members > 0 && *m_z.next_in != 0x1f) {
      m_done = true;
      drain_trailing(*m_inner, m_z.avail_in);
      m_z.avail_in = 0;
      return false;
    }
    if (m_members > 0 && inflateReset(&m_z) != Z_OK) {
      fail("cannot decompress: zlib cannot restart");
    }
    m_in_member = true;
    ++m_members;
    return true;
  }

  void inflate_some() {
    const int status = inflate(&m_z, Z_NO_FLUSH);
    if (status == Z_STREAM_END) {  // header, data and trailer (CRC-32, ISIZE) all checked
      m_in_member = false;
      return;
    }
    if (status == Z_OK || (status == Z_BUF_ERROR && m_z.avail_in == 0)) {
      return;
    }
    fail(
        "cannot decompress: corrupt gzip data (zlib: {}): the compressed data, or the CRC-32 or "
        "length in a member's trailer, does not match",
        m_z.msg != nullptr ? m_z.msg : "error");
  }

  std::unique_ptr<CountingStream> m_inner;
  std::vector<std::byte> m_in;
  z_stream m_z{};
  bool m_in_member = false;
  bool m_done = false;
  std::uint64_t m_members = 0;
  std::uint64_t m_out = 0;
};

// zstd through libarchive's filter over the raw format.
class ZstdStream final : public util::ByteStream {
 public:
  explicit ZstdStream(std::unique_ptr<util::ByteStream> inner)
      : m_inner(std::make_unique<CountingStream>(std::move(inner))),
        m_archive(*m_inner, util::StreamArchive::Kind::raw_zstd) {
    archive_entry* entry = nullptr;
    m_archive.check(archive_read_next_header(m_archive.get(), &entry) != ARCHIVE_OK,
                    "cannot decompress");
  }

  std::size_t read(std::span<std::byte> buffer) override {
    const auto n = archive_read_data(m_archive.get(), buffer.data(), buffer.size());
    m_archive.check(n < 0, "cannot decompress");
    if (n == 0 && !m_drained) {
      drain_inner();
    }
    m_out += static_cast<std::uint64_t>(n);
    check_ratio(m_out, m_inner->count());
    return static_cast<std::size_t>(n);
  }

 private:
  // The decompressor stops at the end of the compressed data.
  void drain_inner() {
    m_drained = true;
    drain_trailing(*m_inner, 0);
  }

  std::unique_ptr<CountingStream> m_inner;
  util::StreamArchive m_archive;
  bool m_drained = false;
  std::uint64_t m_out = 0;
};

bool starts_with(const std::vector<std::byte>& head, std::initializer_list<unsigned> magic) {
  if (head.size() < magic.size()) {
    return false;
  }
  std::size_t i = 0;
  for (const auto byte : magic) {
    if (std::to_integer<unsigned>(head[i++]) != byte) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string read_json_text(util::ByteStream& stream, const std::string& what) {
  const auto max_bytes = util::limit(util::Limit::json_bytes);
  std::string out;
  std::array<std::byte, k_chunk> buffer{};
  while (const auto n = stream.read(buffer)) {
    if (out.size() + n > max_bytes) {
      util::limit_exceeded(util::Limit::json_bytes,
                           fmt::format("{} is larger than {} bytes", what, max_bytes));
    }
    out.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return out;
}

nlohmann::json parse_json(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(
        text, [&what](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
          if (static_cast<std::uint64_t>(depth) > util::limit(util::Limit::json_depth)) {
            util::limit_exceeded(util::Limit::json_depth,
                                 fmt::format("{} nests JSON deeper than {} levels", what,
                                             util::limit(util::Limit::json_depth)));
          }
          return true;
        });
  } catch (const nlohmann::json::exception& e) {
    fail("{} is not valid JSON: {}", what, e.what());
  }
}

std::unique_ptr<util::ByteStream> decompress(std::unique_ptr<util::ByteStream> inner,
                                             Compression* detected) {
  auto peek = std::make_unique<PeekStream>(std::move(inner));
  Compression compression = Compression::none;
  if (starts_with(peek->head(), {0x1f, 0x8b})) {
    compression = Compression::gzip;
  } else if (starts_with(peek->head(), {0x28, 0xb5, 0x2f, 0xfd})) {
    compression = Compression::zstd;
  }
  if (detected != nullptr) {
    *detected = compression;
  }
  switch (compression) {
    case Compression::gzip:
      return std::make_unique<GzipStream>(std::move(peek));
    case Compression::zstd:
      return std::make_unique<ZstdStream>(std::move(peek));
    case Compression::none:
      break;
  }
  return peek;
}

}  // namespace imgscap::image
