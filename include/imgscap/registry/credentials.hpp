// SPDX-License-Identifier: Apache-2.0
// Registry credentials from where users already keep them, looked up in the containers tools'
// order: --creds; --authfile or $REGISTRY_AUTH_FILE alone when given; else
// $XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json, then
// $DOCKER_CONFIG/config.json or ~/.docker/config.json. In each file: credHelpers[host], then the
// most specific auths key (host/namespace/repo, ..., host), then credsStore. A helper is run as
// `docker-credential-NAME get` with the server on stdin.
#pragma once

#include <imgscap/registry/name.hpp>

#include <filesystem>
#include <optional>
#include <string>

namespace imgscap::registry {

struct Credentials {
  std::string username;
  std::string secret;  // password, or an identity token when username is "<token>"
  std::string origin;  // where they came from, for messages ("--creds", "auth file PATH", ...)
  [[nodiscard]] bool is_identity_token() const { return username == "<token>"; }
};

struct CredentialOptions {
  std::optional<Credentials> explicit_credentials;  // --creds
  std::optional<std::filesystem::path> authfile;    // --authfile
};

// The credentials for `name`, or nullopt (anonymous). Throws imgscap::Error for an auth file
// that cannot be read or parsed, or a helper that fails other than by "not found".
std::optional<Credentials> find_credentials(const CredentialOptions& options,
                                            const ImageName& name);

// "USER[:PASSWORD]" as --creds takes it; the password is read from `password_source` when
// omitted (the CLI passes stdin).
Credentials parse_creds(const std::string& text, std::istream& password_source);

}  // namespace imgscap::registry
