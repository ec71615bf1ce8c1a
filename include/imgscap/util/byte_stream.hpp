// SPDX-License-Identifier: Apache-2.0
// ByteStream: the pull interface every blob, layer and decompressor is read through.
#pragma once

#include <cstddef>
#include <span>

namespace imgscap::util {

class ByteStream {
 public:
  ByteStream() = default;
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;
  virtual ~ByteStream() = default;

  // Reads up to buffer.size() bytes; returns 0 only at the end of the stream.
  // Throws imgscap::Error on failure (including a digest or size mismatch detected at the end).
  virtual std::size_t read(std::span<std::byte> buffer) = 0;
};

}  // namespace imgscap::util
