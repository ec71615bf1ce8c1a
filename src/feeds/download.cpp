// SPDX-License-Identifier: Apache-2.0
// libcurl easy transfers for feeds; every handle and list has an owner.
#include <imgscap/feeds/download.hpp>
#include <imgscap/util/curl.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

struct Transfer {
  int fd = -1;
  fs::path path;
  std::uint64_t max_bytes = 0;
  std::uint64_t bytes = 0;
  bool too_big = false;
  std::string write_error;  // "cannot write PATH: reason"
  std::string etag;
  std::string last_modified;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t total = size * count;
  if (t->bytes + total > t->max_bytes) {
    t->too_big = true;
    return 0;
  }
  // No exception may cross libcurl: the error is kept and rethrown after the transfer.
  try {
    util::write_all(t->fd, std::string_view(data, total), t->path);
  } catch (const Error& e) {
    t->write_error = e.what();
    return 0;
  }
  t->bytes += total;
  return total;
}

// Response headers: keep the validators of the final response (redirects reset them).
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->etag.clear();
    t->last_modified.clear();
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (auto& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const auto value = std::string(util::trim(line.substr(colon + 1)));
    if (name == "etag") {
      t->etag = value;
    } else if (name == "last-modified") {
      t->last_modified = value;
    }
  }
  return size * count;
}

}  // namespace

Fetched fetch(const std::string& url, const Validators& validators, const fs::path& destination,
              std::uint64_t max_bytes) {
  Transfer t;
  util::Fd out(::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out) {
    fail("cannot create {}: {}", destination.string(), errno_text(errno));
  }
  t.fd = out.get();
  t.path = destination;
  t.max_bytes = max_bytes;
  auto curl = util::curl_easy();
  util::CurlHeaders headers;
  if (!validators.etag.empty()) {
    headers.add("If-None-Match: " + validators.etag);
  }
  if (!validators.last_modified.empty()) {
    headers.add("If-Modified-Since: " + validators.last_modified);
  }
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  util::curl_set(c, CURLOPT_URL, url.c_str());
  util::curl_set(c, CURLOPT_PROTOCOLS_STR, "https,http,file");
  util::curl_set(c, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
  util::curl_common_options(c, error_buffer);
  util::curl_set(c, CURLOPT_HTTPHEADER, headers.get());
  util::curl_set(c, CURLOPT_WRITEFUNCTION, on_body);
  util::curl_set(c, CURLOPT_WRITEDATA, &t);
  util::curl_set(c, CURLOPT_HEADERFUNCTION, on_header);
  util::curl_set(c, CURLOPT_HEADERDATA, &t);
  util::curl_set(c, CURLOPT_NOPROGRESS, 0L);
  util::curl_set(c, CURLOPT_XFERINFOFUNCTION, util::curl_interruption_check);
  util::curl_set(c, CURLOPT_FILETIME, 1L);
  spdlog::debug(
      "GET {}{}{}", url, validators.etag.empty() ? "" : " If-None-Match " + validators.etag,
      validators.last_modified.empty() ? "" : " If-Modified-Since " + validators.last_modified);
  const CURLcode code = curl_easy_perform(c);
  util::throw_if_interrupted();
  if (t.too_big) {
    fail("{}: more than {} bytes (limit feed-bytes; raise it with --limit feed-bytes=...)", url,
         max_bytes);
  }
  if (!t.write_error.empty()) {
    fail("{}", t.write_error);
  }
  if (code != CURLE_OK) {
    fail("{}: {}", url, error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  Fetched fetched;
  fetched.http_status = status;
  fetched.bytes = t.bytes;
  fetched.etag = t.etag;
  fetched.last_modified = t.last_modified;
  const bool is_http = url.starts_with("http://") || url.starts_with("https://");
  if (is_http && status == 304) {
    fetched.not_modified = true;
    return fetched;
  }
  if (is_http && status != 200) {
    fail("{}: HTTP status {}", url, status);
  }
  if (::fsync(out.get()) != 0) {
    fail("cannot write {}: {}", destination.string(), errno_text(errno));
  }
  spdlog::debug("{}: HTTP {} {} bytes ETag {} Last-Modified {}", url, status, t.bytes, t.etag,
                t.last_modified);
  return fetched;
}

std::string curl_version_text() { return curl_version(); }

}  // namespace imgscap::feeds
