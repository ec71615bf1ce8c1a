// SPDX-License-Identifier: Apache-2.0
// Parsing image references and detecting the kind of a bare path.
#include <imgscap/image/reference.hpp>
#include <imgscap/util/error.hpp>

#include "tar_archive.hpp"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace imgscap::image {
namespace {

namespace fs = std::filesystem;

struct Prefix {
  std::string_view text;
  Transport transport;
};
constexpr Prefix k_prefixes[] = {{"docker-archive:", Transport::docker_archive},
                                 {"oci-archive:", Transport::oci_archive},
                                 {"oci:", Transport::oci_layout},
                                 {"docker-dir:", Transport::docker_dir}};

bool path_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// "PATH" or "PATH:REF" (REF may hold ':' as in repo:tag): the whole text if it names an existing
// file, else the shortest prefix before a ':' that does.
std::pair<fs::path, std::optional<std::string>> split_ref(std::string_view text) {
  if (path_exists(fs::path(text))) {
    return {fs::path(text), std::nullopt};
  }
  for (auto colon = text.find(':'); colon != std::string_view::npos;
       colon = text.find(':', colon + 1)) {
    if (colon > 0 && path_exists(fs::path(text.substr(0, colon)))) {
      return {fs::path(text.substr(0, colon)), std::string(text.substr(colon + 1))};
    }
  }
  return {fs::path(text), std::nullopt};
}

Transport detect(const fs::path& path) {
  std::error_code ec;
  if (!path_exists(path)) {
    fail("{}: no such file or directory", path.string());
  }
  if (fs::is_directory(path, ec)) {
    if (path_exists(path / "oci-layout")) {
      return Transport::oci_layout;
    }
    if (path_exists(path / "manifest.json") && path_exists(path / "version")) {
      return Transport::docker_dir;
    }
    fail(
        "not a container image: {} (a directory with neither an oci-layout file nor "
        "manifest.json and version; an unpacked root is scanned as dir:{})",
        path.string(), path.string());
  }
  std::vector<std::string> names;
  try {
    names = TarArchive(path).top_level_names();
  } catch (const Error& e) {
    fail("not a container image: {} ({})", path.string(), e.what());
  }
  const auto has = [&names](std::string_view n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  if (has("oci-layout")) {
    return Transport::oci_archive;
  }
  if (has("manifest.json")) {
    return Transport::docker_archive;
  }
  fail("not a container image: {} (a tar with neither manifest.json nor oci-layout)",
       path.string());
}

}  // namespace

std::string_view transport_name(Transport transport) {
  switch (transport) {
    case Transport::docker_archive:
      return "docker-archive";
    case Transport::oci_archive:
      return "oci-archive";
    case Transport::oci_layout:
      return "oci";
    case Transport::docker_dir:
      return "docker-dir";
    case Transport::dir:
      return "dir";
    case Transport::registry:
      return "docker";
  }
  return "oci";
}

std::string Reference::output_name() const {
  std::string base = path.filename().string();
  if (name) {
    base = name->repository.substr(name->repository.rfind('/') + 1) + "_" +
           (name->tag.empty() ? name->digest->hex().substr(0, 12) : name->tag);
  }
  if (base.empty() || base == "." || base == "..") {
    base = fs::absolute(path).lexically_normal().parent_path().filename().string();
  }
  for (const char* ext : {".tar", ".tgz"}) {
    if (base.size() > std::string_view(ext).size() && base.ends_with(ext)) {
      base.resize(base.size() - std::string_view(ext).size());
    }
  }
  if (ref && !name) {
    base += "_" + *ref;
  }
  std::string out;
  for (const char c : base) {
    out.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' ? c
                                                                                           : '_');
  }
  while (!out.empty() && out.front() == '.') {
    out.erase(out.begin());
  }
  return out.empty() ? std::string("image") : "imgscap-" + out;
}

Reference parse_reference(std::string_view text) {
  Reference reference;
  reference.text = std::string(text);
  if (text.starts_with("docker://")) {
    reference.transport = Transport::registry;
    reference.name = registry::parse_image_name(text.substr(9));
    return reference;
  }
  if (text.starts_with("dir:")) {  // the whole rest is the path: a root has no refs
    reference.transport = Transport::dir;
    reference.path = fs::path(text.substr(4));
    std::error_code ec;
    if (reference.path.empty() || !fs::is_directory(reference.path, ec)) {
      fail("{}: not a directory", reference.path.string());
    }
    return reference;
  }
  for (const auto& prefix : k_prefixes) {
    if (text.starts_with(prefix.text)) {
      auto [path, ref] = split_ref(text.substr(prefix.text.size()));
      if (path.empty()) {
        fail("image \"{}\": no path after {}", text, prefix.text);
      }
      if (!path_exists(path)) {
        fail("{}: no such file or directory", path.string());
      }
      reference.transport = prefix.transport;
      reference.path = path;
      reference.ref = ref;
      return reference;
    }
  }
  auto [path, ref] = split_ref(text);
  reference.path = path;
  reference.ref = ref;
  reference.transport = detect(path);
  return reference;
}

}  // namespace imgscap::image
