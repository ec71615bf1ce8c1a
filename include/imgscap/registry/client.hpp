// SPDX-License-Identifier: Apache-2.0
// A client of one repository in a registry (the OCI distribution API): manifests by tag or
// digest, blobs streamed; and the push side --attach needs (blobs, manifests). It owns what a user
// would otherwise script around curl:
//  - authentication: anonymous, Basic, and the Bearer token flow (WWW-Authenticate realm,
//    service, scope; the token reused until it expires);
//  - TLS: system CAs plus the registry's certs.d directory or --cert-dir (*.crt CAs, a
//    *.cert/*.key client pair); verification off only when asked; plain HTTP only then or for
//    loopback registries;
//  - retries with backoff on connection errors, 429 and 5xx (Retry-After honoured), bounded in
//    count and time; a blob cut mid-way is resumed with a Range request;
//  - redirects (blob storage on another host) followed without credentials;
//  - HTTPS_PROXY / NO_PROXY (libcurl reads them).
// Credentials never appear in messages or logs.
#pragma once

#include <imgscap/registry/credentials.hpp>
#include <imgscap/registry/name.hpp>
#include <imgscap/util/byte_stream.hpp>
#include <imgscap/util/digest.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::registry {

struct ClientOptions {
  CredentialOptions credentials;
  bool tls_verify = true;                         // --tls-verify=false turns it off
  std::optional<std::filesystem::path> cert_dir;  // --cert-dir: replaces the certs.d lookup
  int retry_times = 3;                            // --retry-times
  int retry_max_seconds = 120;                    // total waiting between attempts
};

struct Manifest {
  std::string body;
  std::string media_type;  // Content-Type, or mediaType in the body when the header is vague
  util::Digest digest;     // sha256 of the body (checked against Docker-Content-Digest)
};

struct PushedManifest {
  util::Digest digest;  // sha256 of the body pushed
  // The registry's OCI-Subject header: it indexed the manifest's subject for the referrers
  // API ("" when it did not: the client maintains the referrers tag then).
  std::string subject;
};

class Client {
 public:
  Client(ImageName name, ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // GET /v2/<repository>/manifests/<reference> (a tag or digest), accepting the OCI and Docker
  // schema 2 manifest and index types. A digest reference is verified. Throws imgscap::Error.
  Manifest manifest(const std::string& reference);
  // The same, or nullopt when the registry has no manifest by that reference (HTTP 404).
  std::optional<Manifest> find_manifest(const std::string& reference);

  // Uploads a blob the repository does not have yet (HEAD, then POST .../blobs/uploads/ and
  // one PUT of the whole blob with ?digest=). Needs push rights. Throws imgscap::Error.
  void push_blob(std::string_view data, const util::Digest& digest);
  // PUT /v2/<repository>/manifests/<reference> (a tag or the body's digest).
  PushedManifest push_manifest(const std::string& reference, const std::string& media_type,
                               const std::string& body);

  // GET /v2/<repository>/blobs/<digest>, streamed. The stream resumes after a cut connection;
  // verifying digest and size is the caller's (util::VerifyingStream).
  std::unique_ptr<util::ByteStream> blob(const util::Digest& digest);

  // GET /v2/_catalog, every page (Link rel="next"): the repositories the registry lists to
  // these credentials.
  std::vector<std::string> catalog();
  // GET /v2/<repository>/tags/list, every page.
  std::vector<std::string> tags();

  [[nodiscard]] const ImageName& name() const;

  class Impl;

 private:
  std::vector<std::string> list(const std::string& first_path, const std::string& key,
                                const std::string& what);
  std::optional<Manifest> fetch_manifest(const std::string& reference, bool missing_ok);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace imgscap::registry
