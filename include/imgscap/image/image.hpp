// SPDX-License-Identifier: Apache-2.0
// What imgscap knows about one image: its manifest, config and layers, independent of format.
#pragma once

#include <imgscap/util/digest.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::image {

enum class Compression { none, gzip, zstd };
std::string_view compression_name(Compression compression);  // "none", "gzip", "zstd"

struct Layer {
  util::Digest digest;     // blob digest as stored (compressed)
  long long size = -1;     // blob size in bytes; -1 when the format does not state it
  std::string media_type;  // may be empty (docker-archive)
  Compression compression = Compression::none;  // from the media type, else sniffed
  util::Digest diff_id;      // digest of the uncompressed tar, from config rootfs.diff_ids
  std::string location;      // where the blob is inside the archive or layout
  bool digest_known = true;  // false for docker-archive "<id>/layer.tar" blobs (diff_id only)
};

struct Healthcheck {
  std::vector<std::string> test;  // e.g. {"CMD-SHELL", "curl -f http://localhost/"}; {"NONE"}
};

// The parts of the image config (OCI image-spec config / docker v1 config) imgscap uses.
struct Config {
  std::string architecture;
  std::string os;
  std::string variant;
  std::string user;
  std::vector<std::string> env;  // "NAME=VALUE"
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::string working_dir;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  std::vector<std::string> volumes;        // "/data"
  std::map<std::string, std::string> labels;
  std::optional<Healthcheck> healthcheck;
  std::vector<util::Digest> diff_ids;
  std::string created;
};

struct Image {
  std::vector<std::string> names;               // tags / ref names naming this image in the archive
  std::optional<util::Digest> manifest_digest;  // absent for docker-archive (no stored manifest)
  std::string manifest_media_type;
  std::string platform;  // "os/arch[/variant]" of the index entry chosen, "" when there was none
  util::Digest config_digest;
  Config config;
  std::vector<Layer> layers;
};

}  // namespace imgscap::image
