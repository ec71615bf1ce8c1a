// SPDX-License-Identifier: Apache-2.0
#include <imgscap/util/error.hpp>
#include <imgscap/util/gzip.hpp>

#include <zlib.h>

#include <array>
#include <limits>

namespace imgscap::util {

std::string gzip(std::string_view data) {
  if (data.size() > std::numeric_limits<uInt>::max()) {
    fail("gzip: {} bytes are more than one call compresses", data.size());
  }
  z_stream z{};
  constexpr int k_gzip_window = 15 + 16;  // 15-bit window, gzip header and trailer
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, k_gzip_window, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    fail("cannot start zlib");
  }
  std::string out;
  std::array<unsigned char, 1 << 16> chunk{};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int status = Z_OK;
  while (status == Z_OK) {
    z.next_out = chunk.data();
    z.avail_out = static_cast<uInt>(chunk.size());
    status = deflate(&z, Z_FINISH);
    out.append(reinterpret_cast<const char*>(chunk.data()), chunk.size() - z.avail_out);
  }
  deflateEnd(&z);
  if (status != Z_STREAM_END) {
    fail("gzip compression failed ({})", status);
  }
  return out;
}

}  // namespace imgscap::util
