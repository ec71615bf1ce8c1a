// SPDX-License-Identifier: Apache-2.0
// What the formats that store OCI / Docker schema 2 manifests share (OCI layouts and archives,
// docker-dir directories, registries): manifest -> Image, index entries and their platforms,
// and the verified, decompressed stream of a layer blob.
#pragma once

#include <imgscap/image/image.hpp>
#include <imgscap/util/byte_stream.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace imgscap::image {

inline constexpr std::string_view k_oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view k_docker_list =
    "application/vnd.docker.distribution.manifest.list.v2+json";

std::string string_of(const nlohmann::json& j, const char* key);
// A descriptor's size; -1 when absent. Throws imgscap::Error when it is not a size.
long long size_of(const nlohmann::json& descriptor);
util::Digest digest_of(const nlohmann::json& descriptor, const std::string& what);

// "os/architecture[/variant]" of an index entry, "" when it states none.
std::string platform_of(const nlohmann::json& descriptor);
// The platform images are picked for when none is asked: linux and the host's architecture.
std::string host_platform();
// Whether an index entry's platform serves the wanted one (a wanted variant must match; arm64's
// "v8" is its default).
bool platform_matches(const std::string& wanted, const std::string& have);

// An index (OCI image index or Docker manifest list), told by media type or content.
bool is_index(const nlohmann::json& document, const std::string& media_type);
// Throws imgscap::Error for a Docker schema 1 manifest, saying what to do instead.
void refuse_schema1(const nlohmann::json& document, const std::string& media_type,
                    const std::string& what);

// A config document read by its digest and size (verified by the reader).
using ConfigReader = std::function<nlohmann::json(const util::Digest&, long long)>;
// An image manifest -> the Image's config and layers (locations: blob_path). Names, manifest
// digest and media type are the caller's. Throws imgscap::Error.
Image image_from_manifest(const nlohmann::json& manifest, const std::string& what,
                          const ConfigReader& read_config);

// The layer count within the limit and equal to the config's diff_ids.
void check_layer_count(const Image& img, const std::string& what);

// A layer blob's stream -> the verified (digest, size), decompressed, diff_id-verified tar.
std::unique_ptr<util::ByteStream> verified_layer(std::unique_ptr<util::ByteStream> blob,
                                                 const Layer& layer);

}  // namespace imgscap::image
