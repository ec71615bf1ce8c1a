// SPDX-License-Identifier: Apache-2.0
// Stream adaptors for layer blobs: peeking at magic bytes, single-filter decompression through
// libarchive (gzip or zstd, never nested), and adding "layer N (digest)" context to errors.
#pragma once

#include <imgscap/image/image.hpp>
#include <imgscap/util/byte_stream.hpp>

#include <memory>
#include <string>
#include <vector>

namespace imgscap::image {

// Reads a whole JSON document, at most the json-bytes limit (else imgscap::Error naming `what`).
std::string read_json_text(util::ByteStream& stream, const std::string& what);

// Parses JSON with the size already bounded and nesting depth at most the json-depth limit.
nlohmann::json parse_json(const std::string& text, const std::string& what);

// Detects the compression from the first bytes and returns a stream of the decompressed data.
std::unique_ptr<util::ByteStream> decompress(std::unique_ptr<util::ByteStream> inner,
                                             Compression* detected = nullptr);

}  // namespace imgscap::image
