// SPDX-License-Identifier: Apache-2.0
// Image names in a registry, as the containers tools write them after "docker://":
// HOST[:PORT]/REPO[:TAG][@DIGEST], with Docker Hub's short names expanded the way docker,
// podman and skopeo expand them ("debian:12" -> docker.io/library/debian:12).
#pragma once

#include <imgscap/util/digest.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace imgscap::registry {

struct ImageName {
  std::string registry;    // "docker.io", "localhost:5000", "registry.example.com"
  std::string repository;  // "library/debian", "team/app"
  std::string tag;         // "latest" when neither a tag nor a digest was given
  std::optional<util::Digest> digest;

  // What a manifest is asked for by: the digest when given, else the tag.
  [[nodiscard]] std::string manifest_reference() const;
  // "registry/repository[:tag][@digest]"
  [[nodiscard]] std::string str() const;
  // The host the API is served from ("registry-1.docker.io" for docker.io).
  [[nodiscard]] std::string api_host() const;
  // The host without its port.
  [[nodiscard]] std::string hostname() const;
  // True for localhost and loopback addresses (plain HTTP is allowed there).
  [[nodiscard]] bool is_loopback() const;
};

// localhost, an IPv4 address in 127.0.0.0/8, or ::1 (a DNS name like "127.example.com" is not).
bool is_loopback_host(std::string_view host);

// Parses the text after "docker://". Throws imgscap::Error saying what is wrong.
ImageName parse_image_name(std::string_view text);

}  // namespace imgscap::registry
