// SPDX-License-Identifier: Apache-2.0
// Image name grammar of the distribution project's reference package, normalised as the
// containers tools normalise it.
#include <imgscap/registry/name.hpp>
#include <imgscap/util/error.hpp>

#include <regex>

namespace imgscap::registry {
namespace {

constexpr std::string_view k_docker_hub = "docker.io";
constexpr std::size_t k_max_name = 255;

bool looks_like_registry(std::string_view component) {
  return component.find_first_of(".:") != std::string_view::npos || component == "localhost";
}

void check_registry(const std::string& host) {
  if (host.size() > k_max_name) {
    fail("registry host longer than {} characters", k_max_name);
  }
  static const std::regex grammar(
      R"(^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$)");
  if (!std::regex_match(host, grammar)) {
    fail("\"{}\" is not a registry host[:port]", host);
  }
}

void check_repository(const std::string& repository) {
  if (repository.size() > k_max_name) {
    fail("repository name longer than {} characters", k_max_name);
  }
  static const std::regex component(R"(^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$)");
  std::size_t start = 0;
  while (true) {
    const auto slash = repository.find('/', start);
    const auto part = repository.substr(start, slash == std::string::npos ? slash : slash - start);
    if (!std::regex_match(part, component)) {
      fail(
          "\"{}\" is not a repository name (lowercase letters, digits and . _ - separators, "
          "components joined by /)",
          repository);
    }
    if (slash == std::string::npos) {
      break;
    }
    start = slash + 1;
  }
}

void check_tag(const std::string& tag) {
  static const std::regex grammar(R"(^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$)");
  if (!std::regex_match(tag, grammar)) {
    fail("\"{}\" is not a tag (letters, digits, _ . -; at most 128)", tag);
  }
}

}  // namespace

std::string ImageName::manifest_reference() const { return digest ? digest->str() : tag; }

std::string ImageName::str() const {
  std::string text = registry + "/" + repository;
  if (!tag.empty()) {
    text += ":" + tag;
  }
  if (digest) {
    text += "@" + digest->str();
  }
  return text;
}

std::string ImageName::api_host() const {
  return registry == k_docker_hub ? "registry-1.docker.io" : registry;
}

std::string ImageName::hostname() const { return registry.substr(0, registry.rfind(':')); }

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") {
    return true;
  }
  static const std::regex ipv4(R"(^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$)");
  std::match_results<std::string_view::const_iterator> parts;
  if (!std::regex_match(host.begin(), host.end(), parts, ipv4)) {
    return false;
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (std::stoi(parts[i].str()) > 255) {
      return false;
    }
  }
  return true;
}

bool ImageName::is_loopback() const { return is_loopback_host(hostname()); }

ImageName parse_image_name(std::string_view text) {
  if (text.size() > 2 * k_max_name + 256) {
    fail("docker:// reference longer than {} characters", 2 * k_max_name + 256);
  }
  return with_context(fmt::format("docker://{}", text), [&] {
    if (text.starts_with("//")) {
      text.remove_prefix(2);
    }
    ImageName name;
    std::string rest(text);
    if (const auto at = rest.find('@'); at != std::string::npos) {
      name.digest = util::Digest::parse(rest.substr(at + 1));
      rest.resize(at);
    }
    const auto slash = rest.find('/');
    if (slash != std::string::npos && looks_like_registry(rest.substr(0, slash))) {
      name.registry = rest.substr(0, slash);
      rest = rest.substr(slash + 1);
    } else {
      name.registry = k_docker_hub;
    }
    if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
      name.tag = rest.substr(colon + 1);
      rest.resize(colon);
      check_tag(name.tag);
    } else if (!name.digest) {
      name.tag = "latest";
    }
    if (name.registry == "index.docker.io") {
      name.registry = k_docker_hub;
    }
    if (name.registry == k_docker_hub && rest.find('/') == std::string::npos) {
      rest = "library/" + rest;
    }
    check_registry(name.registry);
    check_repository(rest);
    name.repository = rest;
    return name;
  });
}

}  // namespace imgscap::registry
