// SPDX-License-Identifier: Apache-2.0
// Image sources on layouts and archives built in the test: resolution, verified layer streams,
// and hostile metadata (traversal digests and paths, deep JSON, mismatched diff_ids, nested
// compression, several images without a ref).
#include "support/errors.hpp"
#include "support/tar_builder.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/image/inspect.hpp>
#include <imgscap/image/reference.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace imgscap::image {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::error_of;

la_ssize_t append(archive*, void* data, const void* buffer, size_t length) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

std::string gzip(const std::string& data) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  archive_write_open(a, &out, nullptr, append, nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_write_header(a, e);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

std::string read_stream(util::ByteStream& s) {
  std::string out;
  std::byte buf[4096];
  while (const auto n = s.read(buf)) {
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  return out;
}

class LayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-image");
    fs::create_directories(m_dir / "blobs/sha256");
    std::ofstream(m_dir / "oci-layout") << R"({"imageLayoutVersion":"1.0.0"})";
    test::TarBuilder tar;
    tar.file("etc/os-release", "ID=testos\nPRETTY_NAME=\"Test OS 1\"\n");
    m_layer_tar = tar.finish();
  }
  void TearDown() override { fs::remove_all(m_dir); }

  json blob(const std::string& data, const std::string& media_type) {
    const auto digest = util::sha256_of(data);
    std::ofstream(m_dir / "blobs/sha256" / digest.hex(), std::ios::binary) << data;
    return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", data.size()}};
  }

  // Writes config + manifest for one gzip layer; returns the manifest descriptor.
  json image(const std::string& layer_blob, const std::string& diff_id, const std::string& name) {
    json config = {{"architecture", "amd64"},
                   {"os", "linux"},
                   {"config", {{"User", "app"}, {"Env", {"A=1"}}}},
                   {"rootfs", {{"type", "layers"}, {"diff_ids", {diff_id}}}}};
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config", blob(config.dump(), "application/vnd.oci.image.config.v1+json")},
                     {"layers", {blob(layer_blob, "application/vnd.oci.image.layer.v1.tar+gzip")}}};
    auto descriptor = blob(manifest.dump(), "application/vnd.oci.image.manifest.v1+json");
    descriptor["annotations"] = {{"org.opencontainers.image.ref.name", name}};
    return descriptor;
  }

  void write_index(const json& manifests) {
    std::ofstream(m_dir / "index.json")
        << json{{"schemaVersion", 2}, {"manifests", manifests}}.dump();
  }

  Image resolve(const std::string& text) {
    auto source = Source::open(parse_reference(text));
    return source->resolve();
  }

  fs::path m_dir;
  std::string m_layer_tar;
};

TEST_F(LayoutTest, ResolvesAndStreamsAVerifiedLayer) {
  write_index(json::array({image(gzip(m_layer_tar), util::sha256_of(m_layer_tar).str(), "v1")}));
  const auto reference = parse_reference(m_dir.string());
  EXPECT_EQ(reference.transport, Transport::oci_layout);
  auto source = Source::open(reference);
  const auto img = source->resolve();
  EXPECT_EQ(img.config.user, "app");
  EXPECT_EQ(img.names, std::vector<std::string>{"v1"});
  ASSERT_EQ(img.layers.size(), 1U);
  EXPECT_EQ(img.layers[0].compression, Compression::gzip);
  auto stream = source->open_layer(img, 0);
  EXPECT_EQ(read_stream(*stream), m_layer_tar);
  EXPECT_EQ(read_file_from_layers(*source, img, "etc/os-release").value_or(""),
            "ID=testos\nPRETTY_NAME=\"Test OS 1\"\n");
}

TEST_F(LayoutTest, DiffIdMismatchIsReportedAndLayersAreNamedByNumberAndDigest) {
  write_index(json::array({image(gzip(m_layer_tar), util::sha256_of("other").str(), "v1")}));
  auto source = Source::open(parse_reference("oci:" + m_dir.string()));
  const auto img = source->resolve();
  const auto message = error_of([&] { read_stream(*source->open_layer(img, 0)); });
  EXPECT_NE(message.find("diff_id"), std::string::npos) << message;
  EXPECT_EQ(layer_context(img, 0), "layer 1 (" + img.layers[0].digest.short_str() + ")");
  EXPECT_TRUE(layer_context(img, 0).starts_with("layer 1 (sha256:"));
}

TEST_F(LayoutTest, NestedCompressionIsNotUnwrappedTwice) {
  write_index(
      json::array({image(gzip(gzip(m_layer_tar)), util::sha256_of(m_layer_tar).str(), "v1")}));
  auto source = Source::open(parse_reference("oci:" + m_dir.string()));
  const auto img = source->resolve();
  const auto message = error_of([&] { read_stream(*source->open_layer(img, 0)); });
  EXPECT_NE(message.find("diff_id"), std::string::npos) << message;
}

TEST_F(LayoutTest, TraversalDigestIsRejectedBeforeAnyPathIsBuilt) {
  write_index(json::array({{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                            {"digest", "sha256:../../../etc/shadow"},
                            {"size", 10}}}));
  const auto message = error_of([&] { resolve("oci:" + m_dir.string()); });
  EXPECT_NE(message.find("invalid digest"), std::string::npos) << message;
}

TEST_F(LayoutTest, DeeplyNestedJsonIsRejected) {
  std::string deep = R"({"schemaVersion":2,"manifests":[],"x":)";
  deep += std::string(200, '[') + std::string(200, ']') + "}";
  std::ofstream(m_dir / "index.json") << deep;
  const auto message = error_of([&] { resolve("oci:" + m_dir.string()); });
  EXPECT_NE(message.find("deeper than"), std::string::npos) << message;
}

TEST_F(LayoutTest, SeveralImagesWithoutRefListTheChoices) {
  const auto layer = gzip(m_layer_tar);
  const auto diff_id = util::sha256_of(m_layer_tar).str();
  write_index(json::array({image(layer, diff_id, "first"), image(layer + "", diff_id, "second")}));
  const auto message = error_of([&] { resolve("oci:" + m_dir.string()); });
  EXPECT_NE(message.find("holds 2 images"), std::string::npos) << message;
  EXPECT_NE(message.find("first"), std::string::npos) << message;
  EXPECT_NE(message.find("second"), std::string::npos) << message;
  EXPECT_EQ(resolve("oci:" + m_dir.string() + ":second").names, std::vector<std::string>{"second"});
}

TEST_F(LayoutTest, SeveralPlatformsWithoutRefListThePlatforms) {
  // A multi-platform image: one named index entry pointing to a nested index per platform.
  const auto diff_id = util::sha256_of(m_layer_tar).str();
  auto amd64 = image(gzip(m_layer_tar), diff_id, "");
  auto arm64 = image(gzip(m_layer_tar + std::string(512, '\0')),
                     util::sha256_of(m_layer_tar + std::string(512, '\0')).str(), "");
  amd64.erase("annotations");
  arm64.erase("annotations");
  amd64["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  arm64["platform"] = {{"os", "linux"}, {"architecture", "arm64"}, {"variant", "v8"}};
  const json nested = {{"schemaVersion", 2},
                       {"mediaType", "application/vnd.oci.image.index.v1+json"},
                       {"manifests", {amd64, arm64}}};
  auto descriptor = blob(nested.dump(), "application/vnd.oci.image.index.v1+json");
  descriptor["annotations"] = {{"org.opencontainers.image.ref.name", "latest"}};
  write_index(json::array({descriptor}));
  const auto message = error_of([&] { resolve("oci:" + m_dir.string()); });
  EXPECT_NE(message.find("holds 2 images"), std::string::npos) << message;
  EXPECT_NE(message.find("latest [linux/amd64]"), std::string::npos) << message;
  EXPECT_NE(message.find("latest [linux/arm64/v8]"), std::string::npos) << message;
  const auto chosen = resolve("oci:" + m_dir.string() + ":linux/arm64/v8");
  EXPECT_EQ(chosen.manifest_digest->str(), arm64["digest"].get<std::string>());
  EXPECT_EQ(chosen.names, std::vector<std::string>{"latest"});
  const auto ambiguous = error_of([&] { resolve("oci:" + m_dir.string() + ":latest"); });
  EXPECT_NE(ambiguous.find("2 images match \"latest\""), std::string::npos) << ambiguous;
}

TEST_F(LayoutTest, MissingBlobIsNamed) {
  write_index(json::array({image(gzip(m_layer_tar), util::sha256_of(m_layer_tar).str(), "v1")}));
  auto source = Source::open(parse_reference("oci:" + m_dir.string()));
  const auto img = source->resolve();
  fs::remove(m_dir / img.layers[0].location);
  const auto message = error_of([&] { source->open_layer(img, 0); });
  EXPECT_NE(message.find("missing blob"), std::string::npos) << message;
}

TEST_F(LayoutTest, SymlinkedBlobIsNotFollowed) {
  write_index(json::array({image(gzip(m_layer_tar), util::sha256_of(m_layer_tar).str(), "v1")}));
  auto source = Source::open(parse_reference("oci:" + m_dir.string()));
  const auto img = source->resolve();
  fs::remove(m_dir / img.layers[0].location);
  fs::create_symlink("/etc/passwd", m_dir / img.layers[0].location);
  const auto message = error_of([&] { source->open_layer(img, 0); });
  EXPECT_NE(message.find("cannot open"), std::string::npos) << message;
}

TEST_F(LayoutTest, DockerArchiveLayerPathOutsideIsRejected) {
  const auto tar_path = m_dir / "docker.tar";
  {
    test::TarBuilder tar;
    tar.file("manifest.json",
             R"([{"Config":"c.json","RepoTags":["x:1"],"Layers":["../../etc/shadow"]}])")
        .file("c.json", R"({"rootfs":{"type":"layers","diff_ids":[]}})");
    std::ofstream(tar_path, std::ios::binary) << tar.finish();
  }
  const auto reference = parse_reference(tar_path.string());
  EXPECT_EQ(reference.transport, Transport::docker_archive);
  const auto message = error_of([&] { Source::open(reference)->resolve(); });
  EXPECT_NE(message.find("not a path inside the archive"), std::string::npos) << message;
}

TEST(Reference, ParsesPrefixesAndRefs) {
  const auto dir = fs::temp_directory_path();
  const auto r = parse_reference("oci:" + dir.string() + ":repo:tag");
  EXPECT_EQ(r.transport, Transport::oci_layout);
  EXPECT_EQ(r.path, dir);
  EXPECT_EQ(r.ref.value_or(""), "repo:tag");
  EXPECT_THROW(parse_reference("docker-archive:/nonexistent/x.tar"), Error);
}

TEST(Reference, OutputNameIsASafeDirectoryName) {
  Reference r;
  r.path = "/images/my image.tar";
  r.ref = "../evil";
  const auto name = r.output_name();
  EXPECT_EQ(name.find('/'), std::string::npos) << name;
  EXPECT_FALSE(name.starts_with(".")) << name;
}

}  // namespace
}  // namespace imgscap::image
