// SPDX-License-Identifier: Apache-2.0
// The registry client: requests with authentication, TLS settings and retries; manifests;
// resumable blob streams. See client.hpp for what it owns.
#include "responses.hpp"
#include "transfer.hpp"

#include <imgscap/registry/client.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/signals.hpp>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>
#include <functional>
#include <thread>

namespace imgscap::registry {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* k_manifest_accept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json, "
    "application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.1, "
    "application/vnd.docker.distribution.manifest.v1+json;q=0.1";
constexpr std::size_t k_max_error_body = 64 << 10;
constexpr std::size_t k_max_token_body = 1 << 20;
constexpr int k_max_backoff = 30;
constexpr long k_default_token_seconds = 60;
constexpr long k_max_token_seconds = 24 * 3600;

bool retryable(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool retryable(long status) { return status == 429 || (status >= 500 && status <= 599); }

void sleep_interruptibly(int seconds) {
  const auto until = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < until) {
    util::throw_if_interrupted();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  util::throw_if_interrupted();
}

// The directory holding the registry's certificates: --cert-dir, else the first of the
// containers tools' certs.d directories that has one for HOST[:PORT].
std::optional<fs::path> certs_dir(const ClientOptions& options, const ImageName& name) {
  if (options.cert_dir) {
    return options.cert_dir;
  }
  std::vector<fs::path> roots;
  if (const auto config = util::config_home()) {
    roots.emplace_back(*config / "containers/certs.d");
  }
  roots.emplace_back("/etc/containers/certs.d");
  roots.emplace_back("/etc/docker/certs.d");
  std::error_code ec;
  for (const auto& root : roots) {
    if (fs::is_directory(root / name.registry, ec)) {
      return root / name.registry;
    }
  }
  return std::nullopt;
}

// The host part of a URL ("" when it has none), through libcurl's parser.
std::string url_host(const std::string& url) {
  CURLU* handle = curl_url();
  std::string host;
  char* part = nullptr;
  if (handle != nullptr && curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
      curl_url_get(handle, CURLUPART_HOST, &part, 0) == CURLUE_OK) {
    host = part;
  }
  curl_free(part);
  curl_url_cleanup(handle);
  return host;
}

std::string system_ca_bundle() {
  auto curl = util::curl_easy();
  char* path = nullptr;
  if (curl_easy_getinfo(curl.get(), CURLINFO_CAINFO, &path) != CURLE_OK || path == nullptr) {
    return "";
  }
  std::error_code ec;
  return fs::is_regular_file(path, ec) ? util::read_file(path) : "";
}

}  // namespace

class Client::Impl {
 public:
  Impl(ImageName name, ClientOptions options)
      : m_name(std::move(name)), m_options(std::move(options)) {
    m_plain_allowed = !m_options.tls_verify || m_name.is_loopback();
    if (!m_options.tls_verify) {
      spdlog::warn(
          "TLS verification is off for {} (--tls-verify=false): anyone on the path can "
          "change what is scanned",
          m_name.registry);
    }
    load_certificates();
  }

  const ImageName& name() const { return m_name; }

  std::string base_url() const { return m_scheme + "://" + m_name.api_host(); }

  // A GET of `path` under /v2/<repository>/ whose response has a status other than 401 (after
  // authenticating), 429 and 5xx (after the retries), or a connection error after the retries.
  std::unique_ptr<Transfer> request(const std::string& path,
                                    const std::vector<std::string>& headers,
                                    const std::string& method = "", const std::string& body = "") {
    return request_api("/v2/" + m_name.repository + "/" + path, headers, method, body);
  }

  // As request, for any path of the API ("/v2/_catalog?n=100"), or a URL the registry gave
  // (an upload's Location, on the registry's own host); `method` and `body` as TransferSetup's.
  std::unique_ptr<Transfer> request_api(const std::string& url_path,
                                        const std::vector<std::string>& headers,
                                        const std::string& method = "",
                                        const std::string& body = "") {
    int attempt = 0;
    bool authenticated_now = false;
    while (true) {
      auto t = retrying(
          [&] {
            // The URL each time: the scheme may have just changed to plain HTTP.
            auto s = setup(api_url(url_path), headers);
            s.method = method;
            s.body = body;
            s.follow_redirects = method.empty() || method == "HEAD";
            return s;
          },
          attempt, "");
      if (t->failed_without_response()) {
        fail_connection(*t, attempt);
      }
      m_scheme_confirmed = true;
      // A challenge counts only from the registry itself: blob storage a redirect led to must
      // not be able to name a token service that would receive the user's credentials.
      if (t->status() == 401 && !authenticated_now && t->from_first_host()) {
        authenticate(t->header("www-authenticate"));
        authenticated_now = true;
        continue;
      }
      return t;
    }
  }

  // The URL of an API path, or of a URL the registry gave: its own scheme, host and port only
  // (credentials go with it).
  std::string api_url(const std::string& path_or_url) const {
    if (path_or_url.starts_with("/")) {
      return base_url() + path_or_url;
    }
    if (path_or_url.starts_with(base_url() + "/")) {
      return path_or_url;
    }
    fail("{}: the registry sent the location \"{}\", not on its own host", m_name.registry,
         path_or_url.substr(0, 200));
  }

  // A transfer made by `make`, made again after a connection failure (or the first TLS failure
  // of a registry that may speak plain HTTP), 429 or 5xx while the retry bounds allow. The last
  // one is returned, whether it failed or not; `label` begins the retry messages.
  std::unique_ptr<Transfer> retrying(const std::function<TransferSetup()>& make, int& attempt,
                                     std::string_view label) {
    while (true) {
      auto t = std::make_unique<Transfer>(make());
      t->wait_response();
      if (t->failed_without_response()) {
        if (try_plain_http(t->result()) ||
            (retryable(t->result()) && may_retry(attempt, -1, t->error_text()))) {
          continue;
        }
        return t;
      }
      const long status = t->status();
      if (retryable(status) && may_retry(attempt, retry_after_seconds(t->header("retry-after")),
                                         fmt::format("{}HTTP {}", label, status))) {
        continue;
      }
      return t;
    }
  }

  // The failure of a request that ended with `status`, said for a person.
  [[noreturn]] void fail_status(Transfer& t, const std::string& what) {
    const long status = t.status();
    std::string body;
    try {
      body = t.read_all(k_max_error_body, "error response");
    } catch (const Error&) {
      util::throw_if_interrupted();
      body.clear();
    }
    const auto codes = error_codes(body);
    const auto detail = codes.empty() ? std::string() : " (" + codes + ")";
    const auto where = fmt::format("{}/{}", m_name.registry, m_name.repository);
    if (status == 401) {
      if (m_credentials) {
        fail(
            "{}: the registry refused the credentials of user \"{}\" from {} (HTTP 401): check "
            "them, or log in again (podman login, skopeo login, docker login)",
            where, m_credentials->username, m_credentials->origin);
      }
      fail(
          "{}: the registry requires authentication (HTTP 401): log in (podman login, skopeo "
          "login, docker login), or pass --authfile FILE or --creds USER",
          where);
    }
    if (status == 403) {
      fail("{}: access denied (HTTP 403){}{}", where,
           m_credentials ? " for user \"" + m_credentials->username + "\"" : "", detail);
    }
    if (status == 404 && has_code(body, "NAME_UNKNOWN")) {
      fail("repository {} not found in {}", m_name.repository, m_name.registry);
    }
    if (status == 404 && what.starts_with("tag ")) {
      fail("{}: {} not found: the repository has no such tag, or does not exist{}", where, what,
           detail);
    }
    if (status == 404) {
      fail("{}: {} not found{}", where, what, detail);
    }
    if (status == 429) {
      fail(
          "{}: the registry still answers 429 Too Many Requests (rate limited) after {} "
          "retries: try later, raise --retry-times, or log in (anonymous pulls are limited "
          "more)",
          where, m_options.retry_times);
    }
    fail("{}: {}: HTTP status {}{}{}", where, what, status,
         retryable(status) ? fmt::format(" after {} retries", m_options.retry_times) : "", detail);
  }

  // Waits before another attempt when the bounds allow one; false when they do not.
  bool may_retry(int& attempt, int retry_after, const std::string& why) {
    if (attempt >= m_options.retry_times) {
      return false;
    }
    const int delay = retry_after >= 0 ? retry_after : std::min(1 << attempt, k_max_backoff);
    if (m_waited + delay > m_options.retry_max_seconds) {
      return false;
    }
    ++attempt;
    spdlog::info("{}: {}; retrying in {} s ({} of {})", m_name.registry, why, delay, attempt,
                 m_options.retry_times);
    sleep_interruptibly(delay);
    m_waited += delay;
    return true;
  }

  TransferSetup setup(const std::string& url, const std::vector<std::string>& headers) const {
    TransferSetup s;
    s.url = url;
    s.headers = headers;
    s.tls_verify = m_options.tls_verify;
    s.ca_bundle = &m_ca_bundle;
    s.client_cert = m_client_cert;
    s.client_key = m_client_key;
    s.share = &m_share;
    s.allow_plain_redirects = m_scheme == "http";
    if (m_bearer && Clock::now() < m_bearer_expiry) {
      s.bearer = *m_bearer;
    } else if (m_basic && m_credentials) {
      s.basic_user = m_credentials->username;
      s.basic_password = m_credentials->secret;
    }
    return s;
  }

 private:
  void load_certificates() {
    const auto dir = certs_dir(m_options, m_name);
    if (!dir) {
      return;
    }
    std::error_code ec;
    std::string extra;
    for (const auto& entry : fs::directory_iterator(*dir, ec)) {
      const auto ext = entry.path().extension();
      if (ext == ".crt") {
        extra += util::read_file(entry.path()) + "\n";
      } else if (ext == ".cert") {
        auto key = entry.path();
        key.replace_extension(".key");
        if (!fs::is_regular_file(key, ec)) {
          fail("{}: client certificate {} has no key {}", m_name.registry, entry.path().string(),
               key.string());
        }
        m_client_cert = entry.path();
        m_client_key = key;
      }
    }
    if (ec) {
      fail("cannot read {}: {}", dir->string(), ec.message());
    }
    if (!extra.empty()) {
      m_ca_bundle = system_ca_bundle() + "\n" + extra;
    }
    spdlog::debug("certificates for {} from {}", m_name.registry, dir->string());
  }

  // The containers tools talk plain HTTP to a registry only when TLS verification is off or
  // the registry is on loopback, and only after HTTPS failed at the TLS layer.
  bool try_plain_http(CURLcode code) {
    if (m_scheme == "https" && !m_scheme_confirmed && m_plain_allowed &&
        code == CURLE_SSL_CONNECT_ERROR) {
      spdlog::debug("{} does not speak TLS; using plain HTTP", m_name.registry);
      m_scheme = "http";
      return true;
    }
    return false;
  }

  [[noreturn]] void fail_connection(const Transfer& t, int attempts) const {
    const auto code = t.result();
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE) {
      fail(
          "{}: the registry's TLS certificate is not trusted ({}): put its CA in "
          "/etc/containers/certs.d/{}/ca.crt or pass --cert-dir DIR; --tls-verify=false turns "
          "verification off",
          m_name.registry, t.error_text(), m_name.registry);
    }
    const bool tls_dropped =
        m_scheme == "https" && m_client_cert.empty() &&
        (code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR || code == CURLE_SSL_CONNECT_ERROR);
    fail("{}: cannot reach the registry ({}){}: is it up, and are the host and port right?{}",
         m_name.registry, t.error_text(),
         attempts > 0 ? fmt::format(" after {} retries", attempts) : "",
         tls_dropped ? fmt::format(" If it requires a client certificate, put a NAME.cert and "
                                   "NAME.key pair in /etc/containers/certs.d/{}/ or in "
                                   "--cert-dir DIR",
                                   m_name.registry)
                     : "");
  }

  void load_credentials() {
    if (!m_credentials_loaded) {
      m_credentials = find_credentials(m_options.credentials, m_name);
      m_credentials_loaded = true;
    }
  }

  void authenticate(const std::string& header) {
    const auto challenge = parse_challenge(header);
    load_credentials();
    if (challenge.scheme == "basic") {
      m_basic = true;
      return;
    }
    if (challenge.scheme != "bearer" || !challenge.params.contains("realm")) {
      fail("{}: unsupported authentication challenge \"{}\"", m_name.registry, challenge.scheme);
    }
    fetch_token(challenge);
  }

  void fetch_token(const Challenge& challenge) {
    const auto& realm = challenge.params.at("realm");
    if (!realm.starts_with("https://") &&
        !(realm.starts_with("http://") && plain_realm_ok(realm))) {
      fail("{}: the token service {} is not HTTPS; credentials are not sent there", m_name.registry,
           realm);
    }
    const auto scope = challenge.params.contains("scope")
                           ? challenge.params.at("scope")
                           : "repository:" + m_name.repository + ":pull";
    const auto service = challenge.params.contains("service") ? challenge.params.at("service") : "";
    auto curl = util::curl_easy();
    const auto escape = [&](const std::string& value) {
      char* escaped = curl_easy_escape(curl.get(), value.c_str(), static_cast<int>(value.size()));
      std::string out = escaped == nullptr ? "" : escaped;
      curl_free(escaped);
      return out;
    };
    TransferSetup s = setup("", {});
    s.bearer.clear();
    s.basic_user.clear();
    s.basic_password.clear();
    if (m_credentials && m_credentials->is_identity_token()) {
      // The OAuth2 exchange docker uses for identity tokens.
      s.url = realm;
      s.follow_redirects = false;  // a redirect would carry the token in the body elsewhere
      s.post_fields = "grant_type=refresh_token&client_id=imgscap&refresh_token=" +
                      escape(m_credentials->secret) + "&service=" + escape(service) +
                      "&scope=" + escape(scope);
    } else {
      s.url = realm + (realm.find('?') == std::string::npos ? "?" : "&") +
              "service=" + escape(service) + "&scope=" + escape(scope);
      if (m_credentials) {
        s.basic_user = m_credentials->username;
        s.basic_password = m_credentials->secret;
      }
    }
    int attempt = 0;
    const auto t = retrying([&] { return s; }, attempt, "token service: ");
    if (t->failed_without_response()) {
      fail("{}: cannot reach the token service {} ({})", m_name.registry, realm, t->error_text());
    }
    if (t->status() == 401 || t->status() == 403) {
      fail_status(*t, "token");
    }
    if (t->status() != 200) {
      fail("{}: the token service {} answered HTTP {}", m_name.registry, realm, t->status());
    }
    store_token(t->read_all(k_max_token_body, "token response"));
  }

  // A plain-HTTP token service is used only where plain HTTP is allowed, and only on the
  // registry's own host or loopback: credentials never cross a network unencrypted to a third.
  bool plain_realm_ok(const std::string& realm) const {
    if (!m_plain_allowed) {
      return false;
    }
    const auto host = url_host(realm);
    return host == m_name.hostname() || is_loopback_host(host);
  }

  void store_token(const std::string& body) {
    const auto json = nlohmann::json::parse(body, nullptr, false);
    auto token = text_of(json, "token");
    if (token.empty()) {
      token = text_of(json, "access_token");
    }
    if (token.empty()) {
      fail("{}: the token service's answer holds no token", m_name.registry);
    }
    long seconds = k_default_token_seconds;
    if (json.contains("expires_in") && json["expires_in"].is_number_integer()) {
      seconds =
          std::clamp(json["expires_in"].get<long>(), k_default_token_seconds, k_max_token_seconds);
    }
    m_bearer = token;
    // Renewed a little early, so that a token never expires in the middle of a request start.
    m_bearer_expiry = Clock::now() + std::chrono::seconds(seconds - 5);
  }

  // First: destroyed last, after every transfer that used it.
  util::CurlShare m_share;
  ImageName m_name;
  ClientOptions m_options;
  std::string m_scheme = "https";
  bool m_scheme_confirmed = false;  // a response came: no switching to plain HTTP any more
  bool m_plain_allowed = false;
  std::string m_ca_bundle;
  std::string m_client_cert;
  std::string m_client_key;
  bool m_credentials_loaded = false;
  std::optional<Credentials> m_credentials;
  bool m_basic = false;
  std::optional<std::string> m_bearer;
  Clock::time_point m_bearer_expiry;
  int m_waited = 0;
};

namespace {

// A blob's bytes, resumed with a Range request when the connection is cut.
class BlobStream final : public util::ByteStream {
 public:
  BlobStream(Client::Impl& client, util::Digest digest)
      : m_client(client), m_digest(std::move(digest)) {}

  std::size_t read(std::span<std::byte> buffer) override {
    while (true) {
      if (!m_transfer) {
        open();
      }
      const auto n = m_transfer->read(buffer);
      if (n > 0) {
        m_offset += n;
        return n;
      }
      if (m_transfer->result() == CURLE_OK) {
        return 0;
      }
      const auto why = fmt::format("blob {} cut after {} bytes ({})", m_digest.short_str(),
                                   m_offset, m_transfer->error_text());
      const auto code = m_transfer->result();
      m_transfer.reset();
      if (!retryable(code) || !m_client.may_retry(m_attempt, -1, why)) {
        fail("{}: {}", m_client.name().registry, why);
      }
    }
  }

 private:
  void open() {
    std::vector<std::string> headers;
    if (m_offset > 0) {
      headers.push_back(fmt::format("Range: bytes={}-", m_offset));
    }
    m_transfer = m_client.request("blobs/" + m_digest.str(), headers);
    const long status = m_transfer->status();
    if (status == 206 && m_offset > 0) {
      const auto range = m_transfer->header("content-range");
      if (!range.starts_with(fmt::format("bytes {}-", m_offset))) {
        fail("{}: blob {}: asked for bytes from {}, the registry sent \"{}\"",
             m_client.name().registry, m_digest.short_str(), m_offset, range);
      }
      return;
    }
    if (status != 200) {
      m_client.fail_status(*m_transfer, "blob " + m_digest.str());
    }
    // A server that ignores Range sends everything again: skip what was already read.
    skip(m_offset);
  }

  void skip(unsigned long long count) {
    std::byte chunk[16384];
    while (count > 0) {
      const auto n = m_transfer->read(std::span(chunk).first(
          static_cast<std::size_t>(std::min<unsigned long long>(count, sizeof chunk))));
      if (n == 0) {
        fail("{}: blob {} ended early while resuming", m_client.name().registry,
             m_digest.short_str());
      }
      count -= n;
    }
  }

  Client::Impl& m_client;
  util::Digest m_digest;
  std::unique_ptr<Transfer> m_transfer;
  unsigned long long m_offset = 0;
  int m_attempt = 0;
};

}  // namespace

Client::Client(ImageName name, ClientOptions options)
    : m_impl(std::make_unique<Impl>(std::move(name), std::move(options))) {}

Client::~Client() = default;

const ImageName& Client::name() const { return m_impl->name(); }

Manifest Client::manifest(const std::string& reference) {
  return *fetch_manifest(reference, false);
}

std::optional<Manifest> Client::find_manifest(const std::string& reference) {
  return fetch_manifest(reference, true);
}

std::optional<Manifest> Client::fetch_manifest(const std::string& reference, bool missing_ok) {
  const auto what = "manifest " + reference;
  Manifest m;
  std::unique_ptr<Transfer> t;
  // A body cut short is asked for again, within the same retry bounds as everything else.
  for (int attempt = 0;;) {
    t = m_impl->request("manifests/" + reference, {k_manifest_accept});
    if (t->status() == 404 && missing_ok) {
      return std::nullopt;
    }
    if (t->status() != 200) {
      if (t->status() == 404) {
        m_impl->fail_status(
            *t, util::Digest::is_valid(reference) ? "manifest " + reference : "tag " + reference);
      }
      m_impl->fail_status(*t, what);
    }
    m.body = t->read_all(util::limit(util::Limit::json_bytes), what);
    if (t->result() == CURLE_OK) {
      break;
    }
    if (!retryable(t->result()) || !m_impl->may_retry(attempt, -1, t->error_text())) {
      fail("{}: {}: {}", m_impl->name().registry, what, t->error_text());
    }
  }
  m.media_type = t->header("content-type");
  if (const auto semicolon = m.media_type.find(';'); semicolon != std::string::npos) {
    m.media_type.resize(semicolon);
  }
  const bool by_digest = util::Digest::is_valid(reference);
  if (by_digest) {
    const auto wanted = util::Digest::parse(reference);
    util::Hasher hasher(wanted.algorithm());
    hasher.update(m.body);
    m.digest = hasher.finish();
  } else {
    m.digest = util::sha256_of(m.body);
  }
  if (m.media_type.starts_with("application/vnd.docker.distribution.manifest.v1")) {
    return m;  // signed schema 1: digests cover the payload without signatures; refused later
  }
  const auto stated = t->header("docker-content-digest");
  if (by_digest && m.digest.str() != reference) {
    fail("{}: {}: the registry sent a manifest whose digest is {}", m_impl->name().registry, what,
         m.digest.str());
  }
  if (stated.starts_with(m.digest.algorithm() + ":") && stated != m.digest.str()) {
    fail("{}: {}: Docker-Content-Digest {} differs from the manifest's digest {}",
         m_impl->name().registry, what, stated, m.digest.str());
  }
  return m;
}

void Client::push_blob(std::string_view data, const util::Digest& digest) {
  const auto& registry = m_impl->name().registry;
  const auto what = "blob " + digest.str();
  if (m_impl->request("blobs/" + digest.str(), {}, "HEAD")->status() == 200) {
    return;  // already there
  }
  auto start = m_impl->request("blobs/uploads/", {"Content-Length: 0"}, "POST");
  if (start->status() != 202) {
    m_impl->fail_status(*start, "upload of " + what);
  }
  const auto location = start->header("location");
  if (location.empty()) {
    fail("{}: upload of {}: the registry gave no Location", registry, what);
  }
  const auto url =
      location + (location.find('?') == std::string::npos ? "?" : "&") + "digest=" + digest.str();
  auto put = m_impl->request_api(url, {"Content-Type: application/octet-stream", "Expect:"}, "PUT",
                                 std::string(data));
  if (put->status() != 201) {
    m_impl->fail_status(*put, "upload of " + what);
  }
}

PushedManifest Client::push_manifest(const std::string& reference, const std::string& media_type,
                                     const std::string& body) {
  auto t = m_impl->request("manifests/" + reference, {"Content-Type: " + media_type, "Expect:"},
                           "PUT", body);
  if (t->status() != 201) {
    m_impl->fail_status(*t, "push of manifest " + reference);
  }
  return {util::sha256_of(body), t->header("oci-subject")};
}

std::unique_ptr<util::ByteStream> Client::blob(const util::Digest& digest) {
  return std::make_unique<BlobStream>(*m_impl, digest);
}

std::vector<std::string> Client::list(const std::string& first_path, const std::string& key,
                                      const std::string& what) {
  constexpr int k_max_pages = 10'000;
  std::vector<std::string> names;
  auto path = first_path;
  for (int page = 0; !path.empty(); ++page) {
    if (page == k_max_pages) {
      fail("{}: {}: more than {} pages", m_impl->name().registry, what, k_max_pages);
    }
    auto t = m_impl->request_api(path, {"Accept: application/json"});
    if (t->status() != 200) {
      m_impl->fail_status(*t, what);
    }
    const auto body = t->read_all(util::limit(util::Limit::json_bytes), what);
    if (t->result() != CURLE_OK) {
      fail("{}: {}: {}", m_impl->name().registry, what, t->error_text());
    }
    const auto json = nlohmann::json::parse(body, nullptr, false);
    if (!json.is_object() || !json.contains(key) ||
        !(json[key].is_array() || json[key].is_null())) {
      fail("{}: {}: the registry's answer has no \"{}\" list", m_impl->name().registry, what, key);
    }
    for (const auto& name : json[key].is_null() ? nlohmann::json::array() : json[key]) {
      if (name.is_string()) {
        names.push_back(name.get<std::string>());
      }
    }
    path = next_page(t->header("link"));
  }
  return names;
}

std::vector<std::string> Client::catalog() {
  return list("/v2/_catalog?n=1000", "repositories", "catalog");
}

std::vector<std::string> Client::tags() {
  return list("/v2/" + m_impl->name().repository + "/tags/list?n=1000", "tags",
              "tags of " + m_impl->name().repository);
}

}  // namespace imgscap::registry
