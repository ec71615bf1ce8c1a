// SPDX-License-Identifier: Apache-2.0
// Image inspection and reading single files from layer streams.
#include "streams.hpp"
#include "tar_archive.hpp"

#include <imgscap/image/inspect.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/os_release.hpp>
#include <imgscap/util/stream_archive.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <array>

namespace imgscap::image {
namespace {

constexpr std::size_t k_max_file = 64 * 1024;
constexpr int k_max_hops = 8;

struct Found {
  enum class Kind { none, file, symlink, deleted } kind = Kind::none;
  std::string value;  // content or link target
};

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Looks for `path` in one layer: the file, a symlink, or a whiteout hiding it.
class LayerLookup {
 public:
  explicit LayerLookup(util::ByteStream& stream)
      : m_stream(stream), m_archive(stream, util::StreamArchive::Kind::tar) {}

  Found find(const std::string& path) {
    Found found;
    archive_entry* entry = nullptr;
    int status = ARCHIVE_OK;
    while ((status = archive_read_next_header(m_archive.get(), &entry)) == ARCHIVE_OK ||
           status == ARCHIVE_WARN) {
      const char* raw = archive_entry_pathname(entry);
      const auto name = normalise_entry_name(raw != nullptr ? raw : "");
      if (name == path) {
        found = read_entry(entry);
      } else if (hides(name, path) && found.kind == Found::Kind::none) {
        found.kind = Found::Kind::deleted;
      }
    }
    m_archive.check(status != ARCHIVE_EOF, "not a valid tar layer");
    std::array<std::byte, 65536> buffer{};
    while (m_stream.read(buffer) != 0) {
    }
    return found;
  }

 private:
  static bool hides(const std::string& name, const std::string& path) {
    const auto dir = parent_of(name);
    const auto base = name.substr(dir.empty() ? 0 : dir.size() + 1);
    const auto prefix = dir.empty() ? std::string() : dir + "/";
    if (base == ".wh..wh..opq") {
      return path.starts_with(prefix) && path != dir;
    }
    if (base.starts_with(".wh.")) {
      const auto hidden = prefix + base.substr(4);
      return path == hidden || path.starts_with(hidden + "/");
    }
    return false;
  }

  Found read_entry(archive_entry* entry) {
    if (archive_entry_filetype(entry) == AE_IFLNK) {
      return {Found::Kind::symlink, archive_entry_symlink(entry)};
    }
    if (archive_entry_filetype(entry) != AE_IFREG || archive_entry_hardlink(entry) != nullptr) {
      return {Found::Kind::deleted, ""};
    }
    if (archive_entry_size(entry) > static_cast<la_int64_t>(k_max_file)) {
      fail("{} is larger than {} bytes", archive_entry_pathname(entry), k_max_file);
    }
    std::string content(static_cast<std::size_t>(archive_entry_size(entry)), '\0');
    const auto n = archive_read_data(m_archive.get(), content.data(), content.size());
    m_archive.check(n < 0, "cannot read");
    content.resize(static_cast<std::size_t>(n));
    return {Found::Kind::file, content};
  }

  util::ByteStream& m_stream;
  util::StreamArchive m_archive;
};

std::string resolve_link(const std::string& path, const std::string& target) {
  const auto joined = target.starts_with("/") ? target : parent_of(path) + "/" + target;
  std::vector<std::string> parts;
  std::string_view rest(joined);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (part == "..") {
      if (!parts.empty()) {
        parts.pop_back();
      }
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
  }
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

}  // namespace

std::optional<std::string> read_file_from_layers(Source& source, const Image& image,
                                                 std::string_view wanted) {
  std::string path = normalise_entry_name(wanted);
  for (int hop = 0; hop <= k_max_hops; ++hop) {
    Found found;
    for (std::size_t i = image.layers.size(); i-- > 0 && found.kind == Found::Kind::none;) {
      found = with_context(layer_context(image, i), [&] {
        auto stream = source.open_layer(image, i);
        return LayerLookup(*stream).find(path);
      });
    }
    switch (found.kind) {
      case Found::Kind::file:
        return found.value;
      case Found::Kind::symlink:
        path = resolve_link(path, found.value);
        continue;
      case Found::Kind::none:
      case Found::Kind::deleted:
        return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<std::string> os_release_from_layers(Source& source, const Image& image) {
  for (const char* path : {"etc/os-release", "usr/lib/os-release"}) {
    if (auto text = read_file_from_layers(source, image, path)) {
      return text;
    }
  }
  return std::nullopt;
}

nlohmann::json inspect_json(const Reference& reference, Source& source, const Image& image,
                            const std::optional<std::string>& os_release) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : image.layers) {
    layers.push_back({{"digest", layer.digest_known ? nlohmann::json(layer.digest.str())
                                                    : nlohmann::json(nullptr)},
                      {"size", layer.size},
                      {"media_type", layer.media_type},
                      {"compression", compression_name(layer.compression)},
                      {"diff_id", layer.diff_id.str()}});
  }
  const nlohmann::json os = os_release ? nlohmann::json(util::parse_os_release_fields(*os_release))
                                       : nlohmann::json(nullptr);
  const auto& c = image.config;
  return {{"reference", reference.text},
          {"transport", transport_name(reference.transport)},
          {"names", image.names},
          {"choices", source.choices()},
          {"manifest_digest", image.manifest_digest ? nlohmann::json(image.manifest_digest->str())
                                                    : nlohmann::json(nullptr)},
          {"manifest_media_type", image.manifest_media_type},
          {"platform", image.platform},
          {"config_digest", reference.transport == Transport::dir
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(image.config_digest.str())},
          {"architecture", c.architecture},
          {"os", c.os},
          {"variant", c.variant},
          {"created", c.created},
          {"user", c.user},
          {"env", c.env},
          {"entrypoint", c.entrypoint},
          {"cmd", c.cmd},
          {"working_dir", c.working_dir},
          {"exposed_ports", c.exposed_ports},
          {"volumes", c.volumes},
          {"labels", c.labels},
          {"healthcheck",
           c.healthcheck ? nlohmann::json(c.healthcheck->test) : nlohmann::json(nullptr)},
          {"layers", layers},
          {"os_release", os}};
}

std::string inspect_text(const nlohmann::json& j) {
  const auto str = [](const nlohmann::json& v) {
    return v.is_null() ? std::string("-") : v.is_string() ? v.get<std::string>() : v.dump();
  };
  std::string out;
  out += fmt::format("Image:         {}\n", str(j["reference"]));
  out += fmt::format(
      "Names:         {}\n",
      j["names"].empty()
          ? "-"
          : fmt::format("{}", fmt::join(j["names"].get<std::vector<std::string>>(), ", ")));
  out += fmt::format("Manifest:      {}\n", str(j["manifest_digest"]));
  out += fmt::format("Config:        {}\n", str(j["config_digest"]));
  if (!j["platform"].get<std::string>().empty()) {
    out += fmt::format("Chosen from:   index entry {}\n", str(j["platform"]));
  }
  out += fmt::format("Platform:      {}/{}{}\n", str(j["os"]), str(j["architecture"]),
                     j["variant"].get<std::string>().empty() ? "" : "/" + str(j["variant"]));
  const auto& os = j["os_release"];
  out += fmt::format("OS:            {}\n",
                     j.contains("os_release_note") ? str(j["os_release_note"])
                     : os.is_null()
                         ? std::string("unknown (no etc/os-release)")
                         : str(os.value("PRETTY_NAME", nlohmann::json(os.value("ID", "")))));
  out += fmt::format("User:          {}\n",
                     j["user"].get<std::string>().empty() ? "(root)" : str(j["user"]));
  for (const auto& env : j["env"]) {
    out += fmt::format("Env:           {}\n", str(env));
  }
  out += fmt::format("Layers:        {}\n", j["layers"].size());
  std::size_t index = 0;
  for (const auto& layer : j["layers"]) {
    out += fmt::format("  {:>2} {} {:>12} {}\n", ++index,
                       layer["digest"].is_null() ? str(layer["diff_id"]) : str(layer["digest"]),
                       str(layer["size"]), str(layer["compression"]));
  }
  return out;
}

}  // namespace imgscap::image
