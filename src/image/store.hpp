// SPDX-License-Identifier: Apache-2.0
// BlobStore: files of an image layout or archive by relative path (a directory, confined with
// openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS; or a tar), plus helpers shared by the formats.
#pragma once

#include "tar_archive.hpp"

#include <imgscap/image/image.hpp>
#include <imgscap/util/byte_stream.hpp>
#include <imgscap/util/fd.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace imgscap::image {

class BlobStore {
 public:
  BlobStore() = default;
  BlobStore(const BlobStore&) = delete;
  BlobStore& operator=(const BlobStore&) = delete;
  virtual ~BlobStore() = default;
  // A regular file's stream, or nullptr when absent. Throws imgscap::Error for anything that is
  // there but not a regular file.
  [[nodiscard]] virtual std::unique_ptr<util::ByteStream> open(const std::string& path) const = 0;
  // Size of a regular file, or -1 when absent.
  [[nodiscard]] virtual std::int64_t size(const std::string& path) const = 0;
};

std::unique_ptr<BlobStore> make_dir_store(const std::filesystem::path& dir);
std::unique_ptr<BlobStore> make_tar_store(const std::filesystem::path& tar);

// "blobs/<algorithm>/<hex>": built only from a validated digest.
std::string blob_path(const util::Digest& digest);

// Reads a small JSON document (manifest, index, config) verified against digest and size.
nlohmann::json read_verified_json(const BlobStore& store, const util::Digest& digest,
                                  long long size, const std::string& what);

// The same, from a stream of the blob (a registry's, a docker-dir file).
nlohmann::json read_verified_json(std::unique_ptr<util::ByteStream> blob,
                                  const util::Digest& digest, long long size,
                                  const std::string& what);

// Reads a small unverified JSON file (index.json, manifest.json).
nlohmann::json read_json_file(const BlobStore& store, const std::string& path);

// Parses an OCI/docker image config.
Config parse_config(const nlohmann::json& json, const std::string& what);

}  // namespace imgscap::image
