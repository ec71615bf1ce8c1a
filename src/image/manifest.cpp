// SPDX-License-Identifier: Apache-2.0
#include "manifest.hpp"
#include "store.hpp"
#include "streams.hpp"

#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <fmt/format.h>
#include <sys/utsname.h>

namespace imgscap::image {

std::string string_of(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

long long size_of(const nlohmann::json& descriptor) {
  if (!descriptor.contains("size")) {
    return -1;
  }
  if (!descriptor["size"].is_number_integer() || descriptor["size"].get<long long>() < 0) {
    fail("descriptor with an invalid size");
  }
  return descriptor["size"].get<long long>();
}

util::Digest digest_of(const nlohmann::json& descriptor, const std::string& what) {
  return with_context(what, [&] { return util::Digest::parse(string_of(descriptor, "digest")); });
}

std::string platform_of(const nlohmann::json& descriptor) {
  if (!descriptor.contains("platform") || !descriptor["platform"].is_object()) {
    return {};
  }
  const auto& p = descriptor["platform"];
  std::string text = string_of(p, "os") + "/" + string_of(p, "architecture");
  if (const auto variant = string_of(p, "variant"); !variant.empty()) {
    text += "/" + variant;
  }
  return text;
}

std::string host_platform() {
  utsname host{};
  ::uname(&host);
  const std::string machine = host.machine;
  if (machine == "x86_64") {
    return "linux/amd64";
  }
  if (machine == "aarch64") {
    return "linux/arm64";
  }
  if (machine.starts_with("armv7") || machine == "armv8l") {  // armv8l: 32-bit on arm64
    return "linux/arm/v7";
  }
  if (machine.starts_with("armv6")) {
    return "linux/arm/v6";
  }
  if (machine == "i686" || machine == "i386") {
    return "linux/386";
  }
  return "linux/" + machine;  // ppc64le, s390x, riscv64 are their own names
}

bool platform_matches(const std::string& wanted, const std::string& have) {
  const auto normal = [](std::string p) {
    return p.ends_with("/arm64/v8") ? p.substr(0, p.size() - 3) : p;
  };
  const auto w = normal(wanted);
  const auto h = normal(have);
  if (w == h) {
    return true;
  }
  // "linux/arm" (no variant wanted) takes any variant.
  const auto slashes = [](const std::string& p) { return std::count(p.begin(), p.end(), '/'); };
  return slashes(w) == 1 && h.starts_with(w + "/");
}

bool is_index(const nlohmann::json& document, const std::string& media_type) {
  return media_type == k_oci_index || media_type == k_docker_list ||
         string_of(document, "mediaType") == k_oci_index ||
         string_of(document, "mediaType") == k_docker_list ||
         (document.is_object() && document.contains("manifests") && !document.contains("layers"));
}

void refuse_schema1(const nlohmann::json& document, const std::string& media_type,
                    const std::string& what) {
  const bool schema1 = media_type.starts_with("application/vnd.docker.distribution.manifest.v1") ||
                       (document.is_object() && document.contains("schemaVersion") &&
                        document["schemaVersion"] == 1);
  if (schema1) {
    fail(
        "{} is a Docker schema 1 manifest (deprecated since 2017; it cannot be verified like "
        "current images and is not supported): push the image again with a current client "
        "(e.g. skopeo copy, which converts it)",
        what);
  }
}

void check_layer_count(const Image& img, const std::string& what) {
  if (img.layers.size() > util::limit(util::Limit::layers)) {
    util::limit_exceeded(util::Limit::layers,
                         fmt::format("{} has {} layers", what, img.layers.size()));
  }
  if (img.config.diff_ids.size() != img.layers.size()) {
    fail("{}: the config lists {} diff_ids for {} layers", what, img.config.diff_ids.size(),
         img.layers.size());
  }
}

Image image_from_manifest(const nlohmann::json& manifest, const std::string& what,
                          const ConfigReader& read_config) {
  if (manifest.contains("manifests") || !manifest.contains("config") ||
      !manifest.contains("layers") || !manifest["layers"].is_array()) {
    fail("{} is not an image manifest (it needs config and layers, and no manifests)", what);
  }
  Image img;
  img.config_digest = digest_of(manifest["config"], what + ": config");
  img.config = parse_config(read_config(img.config_digest, size_of(manifest["config"])),
                            "config " + img.config_digest.short_str());
  for (const auto& descriptor : manifest["layers"]) {
    if (img.layers.size() >= util::limit(util::Limit::layers)) {
      util::limit_exceeded(util::Limit::layers, fmt::format("{} has more layers", what));
    }
    Layer layer{digest_of(descriptor, what + ": layer"),
                size_of(descriptor),
                string_of(descriptor, "mediaType"),
                Compression::none,
                util::Digest(),
                "",
                true};
    layer.compression = layer.media_type.find("zstd") != std::string::npos   ? Compression::zstd
                        : layer.media_type.find("gzip") != std::string::npos ? Compression::gzip
                                                                             : Compression::none;
    layer.location = blob_path(layer.digest);
    img.layers.push_back(std::move(layer));
  }
  check_layer_count(img, what);
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    img.layers[i].diff_id = img.config.diff_ids[i];
  }
  return img;
}

std::unique_ptr<util::ByteStream> verified_layer(std::unique_ptr<util::ByteStream> blob,
                                                 const Layer& layer) {
  if (layer.digest_known) {
    blob = std::make_unique<util::VerifyingStream>(std::move(blob), layer.digest, layer.size,
                                                   "blob digest");
  }
  blob = decompress(std::move(blob));
  return std::make_unique<util::VerifyingStream>(std::move(blob), layer.diff_id, -1,
                                                 "diff_id (uncompressed digest)");
}

}  // namespace imgscap::image
