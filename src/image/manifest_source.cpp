// SPDX-License-Identifier: Apache-2.0
#include "manifest_source.hpp"

#include "manifest.hpp"
#include "store.hpp"
#include "streams.hpp"

#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <fmt/format.h>

namespace imgscap::image {
namespace {

namespace fs = std::filesystem;

struct Document {
  nlohmann::json json;
  std::string media_type;
  util::Digest digest;
};

Document document_of(const std::string& body, std::string media_type, util::Digest digest,
                     const std::string& what) {
  auto json = parse_json(body, what);
  if (media_type.empty() || media_type == "application/json" || media_type == "text/plain") {
    media_type = string_of(json, "mediaType");
  }
  return {std::move(json), std::move(media_type), std::move(digest)};
}

class ManifestSource : public Source {
 public:
  explicit ManifestSource(std::string platform) : m_platform(std::move(platform)) {}

  std::vector<std::string> choices() override {
    const auto top = top_document();
    if (!is_index(top.json, top.media_type)) {
      return {describe() + " " + top.digest.str()};
    }
    std::vector<std::string> out;
    for (const auto& entry : entries(top.json)) {
      out.push_back(platform_of(entry) + " " + string_of(entry, "digest"));
    }
    return out;
  }

  Image resolve() override {
    const auto top = top_document();
    refuse_schema1(top.json, top.media_type, describe());
    auto manifest = top;
    std::string platform;
    if (is_index(top.json, top.media_type)) {
      const auto& entry = choose(top.json);
      platform = platform_of(entry);
      manifest = by_digest(digest_of(entry, "index entry"), size_of(entry));
      refuse_schema1(manifest.json, manifest.media_type, describe());
      if (is_index(manifest.json, manifest.media_type)) {
        fail("{}: the index entry for {} is another index", describe(), platform);
      }
    }
    const auto what = fmt::format("manifest {}", manifest.digest.short_str());
    auto img = image_from_manifest(manifest.json, what, [&](const util::Digest& d, long long s) {
      return read_verified_json(blob(d), d, s, "config");
    });
    for (const auto& layer : img.layers) {
      if (layer.size < 0) {
        fail("{}: layer {} has no size (registries' descriptors must state one)", what,
             layer.digest.short_str());
      }
    }
    img.manifest_digest = manifest.digest;
    img.manifest_media_type = manifest.media_type;
    img.platform = platform;
    img.names.push_back(image_name());
    return img;
  }

  std::string identify() override {
    const auto top = top_document();
    refuse_schema1(top.json, top.media_type, describe());
    if (is_index(top.json, top.media_type)) {
      return digest_of(choose(top.json), "index entry").str();
    }
    return top.digest.str();
  }

  std::unique_ptr<util::ByteStream> open_layer(const Image& img, std::size_t index) override {
    const auto& layer = img.layers.at(index);
    return verified_layer(blob(layer.digest), layer);
  }

 protected:
  // The document the reference names.
  virtual Document top_document() = 0;
  // A manifest named by an index entry, verified against its digest and size.
  virtual Document by_digest(const util::Digest& digest, long long size) = 0;
  virtual std::unique_ptr<util::ByteStream> blob(const util::Digest& digest) = 0;
  // How messages name the source ("docker://host/repo:tag", "docker-dir DIR").
  [[nodiscard]] virtual std::string describe() const = 0;
  [[nodiscard]] virtual std::string image_name() const = 0;

 private:
  static std::vector<nlohmann::json> entries(const nlohmann::json& index) {
    if (!index.contains("manifests") || !index["manifests"].is_array()) {
      fail("an image index without a manifests list");
    }
    std::vector<nlohmann::json> out;
    for (const auto& entry : index["manifests"]) {
      // Attestation manifests (BuildKit) carry the platform unknown/unknown.
      if (platform_of(entry) != "unknown/unknown") {
        out.push_back(entry);
      }
    }
    return out;
  }

  nlohmann::json choose(const nlohmann::json& index) const {
    const auto wanted = m_platform.empty() ? host_platform() : m_platform;
    const auto all = entries(index);
    // An exact match first (linux/amd64 before linux/amd64/v3), then any variant.
    for (const bool exact : {true, false}) {
      for (const auto& entry : all) {
        const auto have = platform_of(entry);
        if (exact ? have == wanted : platform_matches(wanted, have)) {
          return entry;
        }
      }
    }
    // An index of one image that states no platform: that image.
    if (all.size() == 1 && platform_of(all.front()).empty()) {
      return all.front();
    }
    std::vector<std::string> listed;
    for (const auto& entry : all) {
      const auto have = platform_of(entry);
      listed.push_back("  " +
                       (have.empty() ? "(no platform) " + string_of(entry, "digest") : have));
    }
    fail(
        "{} is a multi-platform index without a {} image{}; it has:\n{}\npick one with "
        "--platform OS/ARCH[/VARIANT]",
        describe(), wanted, m_platform.empty() ? " (this machine's platform)" : "",
        fmt::join(listed, "\n"));
  }

  std::string m_platform;
};

// ---- registry ---------------------------------------------------------------------------------

class RegistrySource final : public ManifestSource {
 public:
  RegistrySource(const registry::ImageName& name, const SourceOptions& options)
      : ManifestSource(options.platform), m_client(name, options.registry) {}

 protected:
  Document top_document() override {
    if (!m_top) {
      const auto& name = m_client.name();
      auto m = m_client.manifest(name.manifest_reference());
      m_top = document_of(m.body, m.media_type, m.digest, describe());
    }
    return *m_top;
  }

  Document by_digest(const util::Digest& digest, long long size) override {
    auto m = m_client.manifest(digest.str());
    if (size >= 0 && static_cast<long long>(m.body.size()) != size) {
      fail("{}: manifest {} is {} bytes, its index entry says {}", describe(), digest.str(),
           m.body.size(), size);
    }
    return document_of(m.body, m.media_type, m.digest, "manifest " + digest.short_str());
  }

  std::unique_ptr<util::ByteStream> blob(const util::Digest& digest) override {
    return m_client.blob(digest);
  }

  [[nodiscard]] std::string describe() const override {
    return "docker://" + m_client.name().str();
  }
  [[nodiscard]] std::string image_name() const override { return m_client.name().str(); }

 private:
  registry::Client m_client;
  std::optional<Document> m_top;
};

// ---- docker-dir: `skopeo copy ... dir:DIR`, `podman save --format docker-dir` ----------------
// manifest.json (the manifest, or with --all the index, its instances in <hex>.manifest.json),
// a version file, and each blob in a file named by its hex digest.

class DockerDirSource final : public ManifestSource {
 public:
  DockerDirSource(fs::path dir, const SourceOptions& options)
      : ManifestSource(options.platform), m_dir(std::move(dir)), m_store(make_dir_store(m_dir)) {
    auto version = m_store->open("version");
    if (!version) {
      fail("no version file");
    }
    const auto text = read_json_text(*version, "version");
    if (!text.starts_with("Directory Transport Version: 1.")) {
      fail("version file says \"{}\", not Directory Transport Version 1.x",
           text.substr(0, text.find('\n')));
    }
  }

 protected:
  Document top_document() override {
    auto stream = m_store->open("manifest.json");
    if (!stream) {
      fail("manifest.json is missing");
    }
    const auto body = read_json_text(*stream, "manifest.json");
    return document_of(body, "", util::sha256_of(body), "manifest.json");
  }

  Document by_digest(const util::Digest& digest, long long size) override {
    const auto file = digest.hex() + ".manifest.json";
    auto stream = m_store->open(file);
    if (!stream) {
      fail("{} is missing (an index entry's manifest)", file);
    }
    util::VerifyingStream verified(std::move(stream), digest, size);
    const auto body = read_json_text(verified, file);
    return document_of(body, "", digest, file);
  }

  std::unique_ptr<util::ByteStream> blob(const util::Digest& digest) override {
    auto stream = m_store->open(digest.hex());
    if (!stream) {
      fail("missing blob {}", digest.str());
    }
    return stream;
  }

  [[nodiscard]] std::string describe() const override { return "docker-dir " + m_dir.string(); }
  [[nodiscard]] std::string image_name() const override {
    return fs::absolute(m_dir).lexically_normal().string();
  }

 private:
  fs::path m_dir;
  std::unique_ptr<BlobStore> m_store;
};

}  // namespace

std::unique_ptr<Source> open_registry(const registry::ImageName& name,
                                      const SourceOptions& options) {
  return std::make_unique<RegistrySource>(name, options);
}

std::unique_ptr<Source> open_docker_dir(const fs::path& dir, const SourceOptions& options) {
  return std::make_unique<DockerDirSource>(dir, options);
}

}  // namespace imgscap::image
