// SPDX-License-Identifier: Apache-2.0
// The one owner of libcurl handles: easy and multi handles, header lists, global start-up, and
// setting an option with its failure turned into imgscap::Error. Feeds and registries use it.
#pragma once

#include <imgscap/util/error.hpp>

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <string>

namespace imgscap::util {

struct CurlFree {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct CurlMultiFree {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
struct SlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
using CurlPtr = std::unique_ptr<CURL, CurlFree>;
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiFree>;

// Connections, TLS sessions and DNS answers shared by the transfers of one client, so that
// consecutive requests to a registry reuse one connection. Its transfers run one at a time,
// possibly on different threads (a layer is read on the unpacker's prefetch thread); the locks
// make that handover safe. It is not for transfers running concurrently. Every easy handle
// using it must be gone before it is.
class CurlShare {
 public:
  CurlShare();
  ~CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  [[nodiscard]] CURLSH* get() const { return m_share; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self);
  static void unlock(CURL*, curl_lock_data data, void* self);
  CURLSH* m_share = nullptr;
  std::mutex m_locks[CURL_LOCK_DATA_LAST];
};

// A header list that grows by lines.
class CurlHeaders {
 public:
  void add(const std::string& line);
  [[nodiscard]] curl_slist* get() const { return m_list.get(); }

 private:
  std::unique_ptr<curl_slist, SlistFree> m_list;
};

// A new easy handle (libcurl started once per process). Throws imgscap::Error.
CurlPtr curl_easy();

template <typename T>
void curl_set(CURL* curl, CURLoption option, T value) {
  if (curl_easy_setopt(curl, option, value) != CURLE_OK) {
    fail("libcurl refused option {}", static_cast<int>(option));
  }
}

// "imgscap/VERSION"
const char* user_agent();

// What every transfer of imgscap shares: redirects followed (at most 5), 30 s to connect, a
// transfer under 1 KiB/s for a minute ended as stalled, the user agent, no signals, and
// libcurl's message in `error_buffer` (CURL_ERROR_SIZE bytes). URL and protocols are the
// caller's.
void curl_common_options(CURL* curl, char* error_buffer);

// The progress callback every transfer sets: aborts it when a signal or the deadline is
// pending (the caller then calls throw_if_interrupted()).
int curl_interruption_check(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

}  // namespace imgscap::util
