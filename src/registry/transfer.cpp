// SPDX-License-Identifier: Apache-2.0
#include "transfer.hpp"

#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <algorithm>
#include <cstring>

namespace imgscap::registry {
namespace {

constexpr int k_poll_ms = 200;

void set_tls(CURL* c, const TransferSetup& setup) {
  if (!setup.tls_verify) {
    util::curl_set(c, CURLOPT_SSL_VERIFYPEER, 0L);
    util::curl_set(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (setup.ca_bundle != nullptr && !setup.ca_bundle->empty()) {
    const auto& bundle = *setup.ca_bundle;
    curl_blob blob{const_cast<char*>(bundle.data()), bundle.size(), CURL_BLOB_COPY};
    util::curl_set(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!setup.client_cert.empty()) {
    util::curl_set(c, CURLOPT_SSLCERT, setup.client_cert.c_str());
    util::curl_set(c, CURLOPT_SSLKEY, setup.client_key.c_str());
  }
}

void set_auth(CURL* c, const TransferSetup& setup) {
  // libcurl's own credentials (not a custom Authorization header) and UNRESTRICTED_AUTH off:
  // a redirect to another host, port or scheme is followed without them.
  util::curl_set(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
  if (!setup.bearer.empty()) {
    util::curl_set(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
    util::curl_set(c, CURLOPT_XOAUTH2_BEARER, setup.bearer.c_str());
  } else if (!setup.basic_user.empty()) {
    util::curl_set(c, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    util::curl_set(c, CURLOPT_USERNAME, setup.basic_user.c_str());
    util::curl_set(c, CURLOPT_PASSWORD, setup.basic_password.c_str());
  }
}

void set_method(CURL* c, const TransferSetup& setup) {
  if (setup.method == "HEAD") {
    util::curl_set(c, CURLOPT_NOBODY, 1L);
  } else if (setup.method == "POST" || setup.method == "PUT") {
    // The body may hold any byte: its size is set first, then it is copied.
    util::curl_set(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(setup.body.size()));
    util::curl_set(c, CURLOPT_COPYPOSTFIELDS, setup.body.data());
    if (setup.method == "PUT") {
      util::curl_set(c, CURLOPT_CUSTOMREQUEST, "PUT");
    }
  }
}

}  // namespace

Transfer::Transfer(const TransferSetup& setup)
    : m_multi(curl_multi_init()), m_easy(util::curl_easy()) {
  if (!m_multi) {
    fail("cannot start libcurl");
  }
  CURL* c = m_easy.get();
  util::curl_set(c, CURLOPT_URL, setup.url.c_str());
  util::curl_set(c, CURLOPT_PROTOCOLS_STR, "https,http");
  util::curl_set(c, CURLOPT_REDIR_PROTOCOLS_STR,
                 setup.allow_plain_redirects ? "https,http" : "https");
  util::curl_common_options(c, m_error);
  if (!setup.follow_redirects) {
    util::curl_set(c, CURLOPT_FOLLOWLOCATION, 0L);
  }
  for (const auto& line : setup.headers) {
    m_headers.add(line);
  }
  util::curl_set(c, CURLOPT_HTTPHEADER, m_headers.get());
  if (!setup.post_fields.empty()) {
    util::curl_set(c, CURLOPT_COPYPOSTFIELDS, setup.post_fields.c_str());
  }
  set_method(c, setup);
  util::curl_set(c, CURLOPT_WRITEFUNCTION, on_body);
  util::curl_set(c, CURLOPT_WRITEDATA, this);
  util::curl_set(c, CURLOPT_HEADERFUNCTION, on_header);
  util::curl_set(c, CURLOPT_HEADERDATA, this);
  if (setup.share != nullptr) {
    util::curl_set(c, CURLOPT_SHARE, setup.share->get());
  }
  set_tls(c, setup);
  set_auth(c, setup);
  if (curl_multi_add_handle(m_multi.get(), c) != CURLM_OK) {
    fail("cannot start a transfer");
  }
}

Transfer::~Transfer() { curl_multi_remove_handle(m_multi.get(), m_easy.get()); }

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  t->m_got_body = true;
  t->m_buffer.append(data, size * count);
  return size * count;
}

// Headers of every response in a redirect chain arrive here; each status line starts afresh.
std::size_t Transfer::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  auto* t = static_cast<Transfer*>(self);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->m_response_headers.clear();
  }
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    // Only printable ASCII is kept: header values reach messages and JSON output.
    std::string value(util::trim(line.substr(colon + 1)));
    value.erase(std::remove_if(value.begin(), value.end(),
                               [](unsigned char ch) { return ch < 0x20 || ch > 0x7e; }),
                value.end());
    t->m_response_headers[name] = value;
  }
  return size * count;
}

void Transfer::pump() {
  int running = 0;
  curl_multi_perform(m_multi.get(), &running);
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(m_multi.get(), &left)) {
    if (msg->msg == CURLMSG_DONE) {
      m_finished = true;
      m_result = msg->data.result;
    }
  }
  if (!m_finished && m_taken == m_buffer.size()) {
    curl_multi_poll(m_multi.get(), nullptr, 0, k_poll_ms, nullptr);
  }
  util::throw_if_interrupted();
}

void Transfer::wait_response() {
  while (!m_finished && m_buffer.size() == m_taken) {
    pump();
  }
}

long Transfer::status() const {
  long status = 0;
  curl_easy_getinfo(m_easy.get(), CURLINFO_RESPONSE_CODE, &status);
  return status;
}

bool Transfer::from_first_host() const {
  long redirects = 0;
  curl_easy_getinfo(m_easy.get(), CURLINFO_REDIRECT_COUNT, &redirects);
  return redirects == 0;
}

std::string Transfer::error_text() const {
  return m_error[0] != '\0' ? std::string(m_error) : curl_easy_strerror(m_result);
}

std::string Transfer::header(const std::string& name) const {
  const auto found = m_response_headers.find(name);
  return found == m_response_headers.end() ? "" : found->second;
}

std::size_t Transfer::read(std::span<std::byte> buffer) {
  wait_response();
  const auto n = std::min(buffer.size(), m_buffer.size() - m_taken);
  std::memcpy(buffer.data(), m_buffer.data() + m_taken, n);
  m_taken += n;
  if (m_taken == m_buffer.size()) {
    m_buffer.clear();
    m_taken = 0;
  }
  return n;
}

std::string Transfer::read_all(std::size_t max_bytes, const std::string& what) {
  std::string out;
  std::byte chunk[16384];
  while (const auto n = read(chunk)) {
    if (out.size() + n > max_bytes) {
      fail("{}: larger than {} bytes", what, max_bytes);
    }
    out.append(reinterpret_cast<const char*>(chunk), n);
  }
  return out;
}

}  // namespace imgscap::registry
