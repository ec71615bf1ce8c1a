// SPDX-License-Identifier: Apache-2.0
#include <imgscap/util/curl.hpp>
#include <imgscap/util/signals.hpp>

#include <mutex>

namespace imgscap::util {

void CurlHeaders::add(const std::string& line) {
  curl_slist* grown = curl_slist_append(m_list.get(), line.c_str());
  if (grown == nullptr) {
    fail("out of memory");
  }
  (void)m_list.release();
  m_list.reset(grown);
}

namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

CurlShare::CurlShare() {
  global_init();
  m_share = curl_share_init();
  if (m_share == nullptr) {
    fail("cannot start libcurl");
  }
  curl_share_setopt(m_share, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(m_share, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(m_share, CURLSHOPT_USERDATA, this);
  for (const auto data : {CURL_LOCK_DATA_CONNECT, CURL_LOCK_DATA_SSL_SESSION, CURL_LOCK_DATA_DNS}) {
    if (curl_share_setopt(m_share, CURLSHOPT_SHARE, data) != CURLSHE_OK) {
      curl_share_cleanup(m_share);
      fail("libcurl cannot share connections");
    }
  }
}

CurlShare::~CurlShare() { curl_share_cleanup(m_share); }

void CurlShare::lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
  static_cast<CurlShare*>(self)->m_locks[data].lock();
}

void CurlShare::unlock(CURL*, curl_lock_data data, void* self) {
  static_cast<CurlShare*>(self)->m_locks[data].unlock();
}

CurlPtr curl_easy() {
  global_init();
  CurlPtr curl(curl_easy_init());
  if (!curl) {
    fail("cannot start libcurl");
  }
  return curl;
}

const char* user_agent() { return "imgscap/" IMGSCAP_VERSION; }

void curl_common_options(CURL* c, char* error_buffer) {
  curl_set(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_set(c, CURLOPT_MAXREDIRS, 5L);
  curl_set(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_set(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_set(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_set(c, CURLOPT_USERAGENT, user_agent());
  curl_set(c, CURLOPT_NOSIGNAL, 1L);
  curl_set(c, CURLOPT_ERRORBUFFER, error_buffer);
}

int curl_interruption_check(void* /*user*/, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return interruption_pending() ? 1 : 0;
}

}  // namespace imgscap::util
