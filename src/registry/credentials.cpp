// SPDX-License-Identifier: Apache-2.0
#include <imgscap/registry/credentials.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/process.hpp>

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <istream>
#include <vector>

namespace imgscap::registry {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_max_auth_file = 1 << 20;
constexpr std::size_t k_max_helper_output = 64 << 10;
constexpr int k_helper_seconds = 60;

std::vector<fs::path> auth_files(const CredentialOptions& options) {
  if (options.authfile) {
    return {*options.authfile};
  }
  if (const auto file = util::env_text("REGISTRY_AUTH_FILE"); !file.empty()) {
    return {file};
  }
  std::vector<fs::path> files;
  if (const auto runtime = util::env_text("XDG_RUNTIME_DIR"); !runtime.empty()) {
    files.push_back(fs::path(runtime) / "containers/auth.json");
  } else {
    // Where `sudo podman login` writes when there is no runtime directory.
    files.push_back(fs::path("/run/containers") / std::to_string(::getuid()) / "auth.json");
  }
  if (const auto config = util::config_home()) {
    files.push_back(*config / "containers/auth.json");
  }
  if (const auto docker = util::env_text("DOCKER_CONFIG"); !docker.empty()) {
    files.push_back(fs::path(docker) / "config.json");
  } else if (const auto home = util::env_text("HOME"); !home.empty()) {
    files.push_back(fs::path(home) / ".docker/config.json");
  }
  return files;
}

std::string base64_decode(const std::string& text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0 || text.size() % 4 != 0) {
    fail("an \"auth\" value is not base64");
  }
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (auto i = text.rbegin(); i != text.rend() && *i == '='; ++i) {
    out.pop_back();
  }
  return out;
}

// An auths key as written by docker ("https://index.docker.io/v1/"), podman ("host/ns") or by
// hand, reduced to host[/path].
std::string normalise_key(std::string key) {
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key = key.substr(scheme.size());
    }
  }
  for (const std::string_view suffix : {"/v1/", "/v1", "/v2/", "/v2", "/"}) {
    if (key.ends_with(suffix)) {
      key.resize(key.size() - suffix.size());
      break;
    }
  }
  if (key == "index.docker.io" || key == "registry-1.docker.io") {
    return "docker.io";
  }
  if (key.starts_with("index.docker.io/")) {
    return "docker.io" + key.substr(std::string_view("index.docker.io").size());
  }
  return key;
}

// host/namespace/repo, host/namespace, ..., host
std::vector<std::string> candidate_keys(const ImageName& name) {
  std::vector<std::string> keys;
  std::string path = name.registry + "/" + name.repository;
  while (true) {
    keys.push_back(path);
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) {
      return keys;
    }
    path.resize(slash);
  }
}

std::optional<Credentials> from_helper(const std::string& helper, const ImageName& name) {
  const auto program = "docker-credential-" + helper;
  const std::string server =
      name.registry == "docker.io" ? "https://index.docker.io/v1/" : name.registry;
  spdlog::debug("asking {} for the credentials of {}", program, name.registry);
  const auto result =
      util::run_process({program, "get"}, server, k_max_helper_output, k_helper_seconds);
  if (result.exit_status != 0) {
    if (result.out.find("not found") != std::string::npos) {
      return std::nullopt;
    }
    fail("credential helper {} failed (exit {}) for {}", program, result.exit_status,
         name.registry);
  }
  const auto json = nlohmann::json::parse(result.out, nullptr, false);
  if (!json.is_object() || !json.contains("Secret") || !json["Secret"].is_string()) {
    fail("credential helper {} gave no Secret for {}", program, name.registry);
  }
  const auto username = json.contains("Username") && json["Username"].is_string()
                            ? json["Username"].get<std::string>()
                            : std::string();
  return Credentials{username, json["Secret"].get<std::string>(), "credential helper " + program};
}

std::optional<Credentials> from_entry(const nlohmann::json& entry, const std::string& origin) {
  if (!entry.is_object()) {
    return std::nullopt;
  }
  if (entry.contains("identitytoken") && entry["identitytoken"].is_string() &&
      !entry["identitytoken"].get<std::string>().empty()) {
    return Credentials{"<token>", entry["identitytoken"].get<std::string>(), origin};
  }
  if (!entry.contains("auth") || !entry["auth"].is_string() ||
      entry["auth"].get<std::string>().empty()) {
    return std::nullopt;
  }
  const auto decoded = base64_decode(entry["auth"].get<std::string>());
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) {
    fail("an \"auth\" value is not base64 of USER:PASSWORD");
  }
  return Credentials{decoded.substr(0, colon), decoded.substr(colon + 1), origin};
}

std::optional<Credentials> from_file(const fs::path& file, const ImageName& name) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    return std::nullopt;
  }
  return with_context("auth file " + file.string(), [&]() -> std::optional<Credentials> {
    if (fs::file_size(file, ec) > k_max_auth_file) {
      fail("larger than {} bytes", k_max_auth_file);
    }
    const auto json = nlohmann::json::parse(util::read_file(file), nullptr, false);
    if (!json.is_object()) {
      fail("not a JSON object");
    }
    if (json.contains("credHelpers") && json["credHelpers"].is_object()) {
      for (const auto& [key, helper] : json["credHelpers"].items()) {
        if (normalise_key(key) == name.registry && helper.is_string() &&
            !helper.get<std::string>().empty()) {
          return from_helper(helper.get<std::string>(), name);
        }
      }
    }
    if (json.contains("auths") && json["auths"].is_object()) {
      for (const auto& wanted : candidate_keys(name)) {
        for (const auto& [key, entry] : json["auths"].items()) {
          if (normalise_key(key) == wanted) {
            if (auto found = from_entry(entry, "auth file " + file.string())) {
              return found;
            }
          }
        }
      }
    }
    // An empty credsStore is how users switch a broken one off: the file alone then.
    if (json.contains("credsStore") && json["credsStore"].is_string() &&
        !json["credsStore"].get<std::string>().empty()) {
      return from_helper(json["credsStore"].get<std::string>(), name);
    }
    return std::nullopt;
  });
}

}  // namespace

std::optional<Credentials> find_credentials(const CredentialOptions& options,
                                            const ImageName& name) {
  if (options.explicit_credentials) {
    return options.explicit_credentials;
  }
  for (const auto& file : auth_files(options)) {
    if (auto found = from_file(file, name)) {
      spdlog::debug("credentials for {} from {}", name.registry, found->origin);
      return found;
    }
  }
  if (options.authfile) {
    std::error_code ec;
    if (!fs::exists(*options.authfile, ec)) {
      fail("auth file {}: no such file", options.authfile->string());
    }
  }
  return std::nullopt;
}

Credentials parse_creds(const std::string& text, std::istream& password_source) {
  const auto colon = text.find(':');
  Credentials creds{text.substr(0, colon), "", "--creds"};
  if (creds.username.empty()) {
    fail("--creds: no user name (USER[:PASSWORD])");
  }
  if (colon != std::string::npos) {
    creds.secret = text.substr(colon + 1);
  } else if (!std::getline(password_source, creds.secret) || creds.secret.empty()) {
    fail("--creds {}: no password on stdin", creds.username);
  }
  return creds;
}

}  // namespace imgscap::registry
