// SPDX-License-Identifier: Apache-2.0
// Image references given on the command line: docker://HOST[:PORT]/REPO[:TAG|@DIGEST] (a
// registry), docker-archive:PATH[:REF], oci-archive:PATH[:REF], oci:DIR[:REF], docker-dir:DIR (a
// directory written by `skopeo copy ... dir:DIR` or `podman save --format docker-dir`), dir:PATH
// (an unpacked root filesystem), or a bare path whose kind is detected from its contents.
#pragma once

#include <imgscap/registry/name.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace imgscap::image {

enum class Transport { docker_archive, oci_archive, oci_layout, docker_dir, dir, registry };

// "docker-archive", "oci-archive", "oci", "docker-dir", "dir", "docker"
std::string_view transport_name(Transport transport);

struct Reference {
  Transport transport = Transport::oci_layout;
  std::filesystem::path path;
  std::optional<std::string> ref;           // tag ("repo:tag", "tag") or digest picking one image
  std::string text;                         // as the user wrote it, for messages and labels
  std::optional<registry::ImageName> name;  // Transport::registry

  // A name usable as a directory name for default output ("debian_11" from "debian:11").
  [[nodiscard]] std::string output_name() const;
};

// Parses the user's text. A bare path is detected: a directory with an oci-layout file is
// "oci", one with manifest.json and a version file "docker-dir"; a tar whose top level has
// manifest.json is "docker-archive", one with oci-layout is "oci-archive". Throws imgscap::Error
// when the kind cannot be told or the path is unreadable.
Reference parse_reference(std::string_view text);

}  // namespace imgscap::image
