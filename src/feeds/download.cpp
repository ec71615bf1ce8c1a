// SPDX-License-Identifier: Apache-2.0
// libcurl easy transfers for feeds; every handle and list has an owner.
#include <imgscap/feeds/download.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <memory>
#include <mutex>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

struct CurlFree {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlFree>;
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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

int on_progress(void* /*user*/, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/,
                curl_off_t /*ultotal*/, curl_off_t /*ulnow*/) {
  return util::interruption_pending() ? 1 : 0;
}

template <typename T>
void set(CURL* curl, CURLoption option, T value) {
  if (curl_easy_setopt(curl, option, value) != CURLE_OK) {
    fail("libcurl refused option {}", static_cast<int>(option));
  }
}

}  // namespace

Fetched fetch(const std::string& url, const Validators& validators, const fs::path& destination,
              std::uint64_t max_bytes) {
  global_init();
  Transfer t;
  util::Fd out(::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!out) {
    fail("cannot create {}: {}", destination.string(), errno_text(errno));
  }
  t.fd = out.get();
  t.path = destination;
  t.max_bytes = max_bytes;
  CurlPtr curl(curl_easy_init());
  if (!curl) {
    fail("{}: cannot start libcurl", url);
  }
  SlistPtr headers;
  const auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) {
      fail("out of memory");
    }
    (void)headers.release();
    headers.reset(grown);
  };
  if (!validators.etag.empty()) {
    add_header("If-None-Match: " + validators.etag);
  }
  if (!validators.last_modified.empty()) {
    add_header("If-Modified-Since: " + validators.last_modified);
  }
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  set(c, CURLOPT_URL, url.c_str());
  set(c, CURLOPT_PROTOCOLS_STR, "https,http,file");
  set(c, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
  set(c, CURLOPT_FOLLOWLOCATION, 1L);
  set(c, CURLOPT_MAXREDIRS, 5L);
  set(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer: under 1 KiB/s for a minute.
  set(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  set(c, CURLOPT_LOW_SPEED_TIME, 60L);
  set(c, CURLOPT_USERAGENT, "imgscap/" IMGSCAP_VERSION);
  set(c, CURLOPT_NOSIGNAL, 1L);
  set(c, CURLOPT_ERRORBUFFER, error_buffer);
  set(c, CURLOPT_HTTPHEADER, headers.get());
  set(c, CURLOPT_WRITEFUNCTION, on_body);
  set(c, CURLOPT_WRITEDATA, &t);
  set(c, CURLOPT_HEADERFUNCTION, on_header);
  set(c, CURLOPT_HEADERDATA, &t);
  set(c, CURLOPT_NOPROGRESS, 0L);
  set(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  set(c, CURLOPT_FILETIME, 1L);
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
