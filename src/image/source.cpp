// SPDX-License-Identifier: Apache-2.0
// The three image formats behind image::Source: OCI layouts (directory or tar) and docker-save
// archives. Resolves the image to scan and opens verified, decompressed layer streams.
#include "manifest.hpp"
#include "manifest_source.hpp"
#include "store.hpp"
#include "streams.hpp"

#include <imgscap/image/source.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace imgscap::image {
namespace {

constexpr int k_max_index_depth = 4;
constexpr const char* k_ref_name = "org.opencontainers.image.ref.name";

std::unique_ptr<util::ByteStream> layer_stream(const BlobStore& store, const Image& img,
                                               std::size_t index) {
  const auto& layer = img.layers.at(index);
  auto blob = store.open(layer.location);
  if (!blob) {
    fail("missing blob {} (foreign layer URLs are never fetched)", layer.location);
  }
  return verified_layer(std::move(blob), layer);
}

}  // namespace

std::string Source::identify() {
  const auto img = resolve();
  return img.manifest_digest ? img.manifest_digest->str() : img.config_digest.str();
}

std::string layer_context(const Image& img, std::size_t index) {
  return fmt::format("layer {} ({})", index + 1, img.layers.at(index).digest.short_str());
}

namespace {

// ---- OCI image layout (directory or tar) ---------------------------------------------------

struct Candidate {
  util::Digest digest;
  long long size;
  std::string media_type;
  std::string ref_name;
  std::string platform;
  [[nodiscard]] std::string describe() const {
    std::string text = ref_name.empty() ? std::string("(no ref name)") : ref_name;
    if (!platform.empty()) {
      text += " [" + platform + "]";
    }
    return text + " " + digest.str();
  }
};

class OciSource final : public Source {
 public:
  OciSource(std::unique_ptr<BlobStore> store, std::optional<std::string> ref, std::string platform)
      : m_store(std::move(store)), m_ref(std::move(ref)), m_platform(std::move(platform)) {
    const auto layout = read_json_file(*m_store, "oci-layout");
    if (string_of(layout, "imageLayoutVersion").empty()) {
      fail("oci-layout has no imageLayoutVersion");
    }
    collect(read_json_file(*m_store, "index.json"), "", 0);
  }

  std::vector<std::string> choices() override {
    std::vector<std::string> out;
    for (const auto& c : m_candidates) {
      out.push_back(c.describe());
    }
    return out;
  }

  Image resolve() override {
    const auto& chosen = choose();
    const auto what = fmt::format("manifest {}", chosen.digest.short_str());
    const auto manifest = read_verified_json(*m_store, chosen.digest, chosen.size, "manifest");
    refuse_schema1(manifest, chosen.media_type, what);
    auto img = image_from_manifest(manifest, what, [&](const util::Digest& d, long long size) {
      return read_verified_json(*m_store, d, size, "config");
    });
    if (!chosen.ref_name.empty()) {
      img.names.push_back(chosen.ref_name);
    }
    img.manifest_digest = chosen.digest;
    img.manifest_media_type = chosen.media_type;
    img.platform = chosen.platform;
    return img;
  }

  std::unique_ptr<util::ByteStream> open_layer(const Image& img, std::size_t index) override {
    return layer_stream(*m_store, img, index);
  }

 private:
  void collect(const nlohmann::json& index, const std::string& inherited_name, int depth) {
    if (depth > k_max_index_depth) {
      fail("image indexes nest deeper than {} levels", k_max_index_depth);
    }
    if (!index.is_object() || !index.contains("manifests") || !index["manifests"].is_array() ||
        index.contains("layers")) {
      fail("not an image index (it needs a manifests list, and no layers)");
    }
    for (const auto& descriptor : index["manifests"]) {
      const auto digest = digest_of(descriptor, "index entry");
      const auto media_type = string_of(descriptor, "mediaType");
      std::string name = inherited_name;
      if (descriptor.contains("annotations") && descriptor["annotations"].is_object()) {
        name = string_of(descriptor["annotations"], k_ref_name).empty()
                   ? name
                   : string_of(descriptor["annotations"], k_ref_name);
      }
      if (media_type == k_oci_index || media_type == k_docker_list) {
        collect(read_verified_json(*m_store, digest, size_of(descriptor), "image index"), name,
                depth + 1);
        continue;
      }
      m_candidates.push_back(
          {digest, size_of(descriptor), media_type, name, platform_of(descriptor)});
    }
  }

  const Candidate& choose() const {
    if (m_candidates.empty()) {
      fail("the image layout holds no image manifest");
    }
    std::vector<const Candidate*> matches;
    for (const auto& c : m_candidates) {
      const bool platform_ok =
          m_platform.empty() || c.platform.empty() || platform_matches(m_platform, c.platform);
      if (platform_ok &&
          (!m_ref || c.ref_name == *m_ref || c.digest.str() == *m_ref || c.platform == *m_ref)) {
        matches.push_back(&c);
      }
    }
    if (matches.size() == 1) {
      return *matches.front();
    }
    std::vector<std::string> listed;
    for (const auto& c : m_candidates) {
      listed.push_back("  " + c.describe());
    }
    if (!m_ref) {
      fail(
          "the image layout holds {} images; pick one with :REF (a ref name, manifest digest or "
          "platform such as linux/amd64):\n{}",
          m_candidates.size(), fmt::join(listed, "\n"));
    }
    fail("{} images match \"{}\"; the layout holds:\n{}", matches.size(), *m_ref,
         fmt::join(listed, "\n"));
  }

  std::unique_ptr<BlobStore> m_store;
  std::optional<std::string> m_ref;
  std::string m_platform;
  std::vector<Candidate> m_candidates;
};

// ---- docker-archive ------------------------------------------------------------------------

// A digest encoded in a docker-archive file name ("<hex>.json", "<hex>.tar",
// "blobs/sha256/<hex>"), if any.
std::optional<util::Digest> digest_in_name(std::string_view path) {
  if (path.starts_with("blobs/sha256/")) {
    path.remove_prefix(std::string_view("blobs/sha256/").size());
  } else if (path.ends_with(".json") || path.ends_with(".tar")) {
    path.remove_suffix(path.ends_with(".json") ? 5 : 4);
  }
  const auto text = "sha256:" + std::string(path);
  if (!util::Digest::is_valid(text)) {
    return std::nullopt;
  }
  return util::Digest::parse(text);
}

std::string checked_entry_path(const nlohmann::json& value, const std::string& what) {
  if (!value.is_string()) {
    fail("manifest.json: {} is not a string", what);
  }
  const auto raw = value.get<std::string>();
  const auto path = normalise_entry_name(raw);
  if (path.empty() || raw.starts_with("/")) {
    fail("manifest.json: {} \"{}\" is not a path inside the archive", what, raw);
  }
  return path;
}

class DockerSource final : public Source {
 public:
  DockerSource(std::unique_ptr<BlobStore> store, std::optional<std::string> ref)
      : m_store(std::move(store)), m_ref(std::move(ref)) {
    m_manifest = read_json_file(*m_store, "manifest.json");
    if (!m_manifest.is_array() || m_manifest.empty()) {
      fail("manifest.json is not a non-empty list of images");
    }
  }

  std::vector<std::string> choices() override {
    std::vector<std::string> out;
    for (const auto& entry : m_manifest) {
      out.push_back(describe(entry));
    }
    return out;
  }

  Image resolve() override {
    const auto& entry = choose();
    if (!entry.is_object() || !entry.contains("Layers") || !entry["Layers"].is_array()) {
      fail("manifest.json: an entry without Layers");
    }
    Image img;
    img.names = tags(entry);
    const auto config_path = checked_entry_path(entry.value("Config", nlohmann::json()), "Config");
    auto config_stream = m_store->open(config_path);
    if (!config_stream) {
      fail("missing config {} named by manifest.json", config_path);
    }
    const auto text = read_json_text(*config_stream, config_path);
    img.config_digest = util::sha256_of(text);
    if (const auto named = digest_in_name(config_path); named && *named != img.config_digest) {
      fail("config {}: digest mismatch: expected {}, got {}", config_path, named->str(),
           img.config_digest.str());
    }
    img.config = parse_config(parse_json(text, config_path), "config " + config_path);
    for (const auto& value : entry["Layers"]) {
      if (img.layers.size() >= util::limit(util::Limit::layers)) {
        util::limit_exceeded(util::Limit::layers, "manifest.json lists more layers");
      }
      const auto path = checked_entry_path(value, "layer");
      const auto named = digest_in_name(path);
      const auto index = img.layers.size();
      const auto diff_id =
          index < img.config.diff_ids.size() ? img.config.diff_ids[index] : util::Digest();
      img.layers.push_back({named.value_or(diff_id), m_store->size(path), "", Compression::none,
                            diff_id, path, named.has_value()});
    }
    check_layer_count(img, "manifest.json");
    return img;
  }

  std::unique_ptr<util::ByteStream> open_layer(const Image& img, std::size_t index) override {
    return layer_stream(*m_store, img, index);
  }

 private:
  static std::vector<std::string> tags(const nlohmann::json& entry) {
    std::vector<std::string> out;
    if (entry.contains("RepoTags") && entry["RepoTags"].is_array()) {
      for (const auto& tag : entry["RepoTags"]) {
        if (tag.is_string()) {
          out.push_back(tag.get<std::string>());
        }
      }
    }
    return out;
  }

  static std::string describe(const nlohmann::json& entry) {
    const auto names = tags(entry);
    return names.empty() ? "(untagged) " + string_of(entry, "Config")
                         : fmt::format("{}", fmt::join(names, ", "));
  }

  bool matches(const nlohmann::json& entry) const {
    for (const auto& tag : tags(entry)) {
      const auto colon = tag.rfind(':');
      if (tag == *m_ref || (colon != std::string::npos && tag.substr(colon + 1) == *m_ref)) {
        return true;
      }
    }
    const auto config = string_of(entry, "Config");
    const auto named = digest_in_name(normalise_entry_name(config));
    return named && named->str() == *m_ref;
  }

  const nlohmann::json& choose() const {
    std::vector<const nlohmann::json*> found;
    for (const auto& entry : m_manifest) {
      if (!m_ref || matches(entry)) {
        found.push_back(&entry);
      }
    }
    if (found.size() == 1) {
      return *found.front();
    }
    std::vector<std::string> listed;
    for (const auto& entry : m_manifest) {
      listed.push_back("  " + describe(entry));
    }
    if (!m_ref) {
      fail("the archive holds {} images; pick one with :REF (repo:tag):\n{}", m_manifest.size(),
           fmt::join(listed, "\n"));
    }
    fail("{} images match \"{}\"; the archive holds:\n{}", found.size(), *m_ref,
         fmt::join(listed, "\n"));
  }

  std::unique_ptr<BlobStore> m_store;
  std::optional<std::string> m_ref;
  nlohmann::json m_manifest;
};

// ---- dir: an unpacked root filesystem -------------------------------------------------------

class DirSource final : public Source {
 public:
  explicit DirSource(std::filesystem::path path) : m_path(std::move(path)) {}
  std::vector<std::string> choices() override { return {m_path.string()}; }
  Image resolve() override {
    Image img;
    img.names.push_back(std::filesystem::absolute(m_path).lexically_normal().string());
    return img;
  }
  std::unique_ptr<util::ByteStream> open_layer(const Image&, std::size_t) override {
    fail("{} is a directory: it has no layers", m_path.string());
  }

 private:
  std::filesystem::path m_path;
};

}  // namespace

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::none:
      return "none";
    case Compression::gzip:
      return "gzip";
    case Compression::zstd:
      return "zstd";
  }
  return "none";
}

std::unique_ptr<Source> Source::open(const Reference& reference, const SourceOptions& options) {
  if (reference.transport == Transport::registry) {
    return open_registry(*reference.name, options);
  }
  const auto what =
      fmt::format("{} {}", transport_name(reference.transport), reference.path.string());
  return with_context(what, [&]() -> std::unique_ptr<Source> {
    switch (reference.transport) {
      case Transport::oci_layout:
        return std::make_unique<OciSource>(make_dir_store(reference.path), reference.ref,
                                           options.platform);
      case Transport::oci_archive:
        return std::make_unique<OciSource>(make_tar_store(reference.path), reference.ref,
                                           options.platform);
      case Transport::docker_dir:
        if (reference.ref) {
          fail(
              "a docker-dir holds one image (or an index): no :REF; pick from an index with "
              "--platform");
        }
        return open_docker_dir(reference.path, options);
      case Transport::registry:
        break;
      case Transport::docker_archive:
        return std::make_unique<DockerSource>(make_tar_store(reference.path), reference.ref);
      case Transport::dir:
        return std::make_unique<DirSource>(reference.path);
    }
    fail("unknown image transport");
  });
}

}  // namespace imgscap::image
