// SPDX-License-Identifier: Apache-2.0
// Transfer: one HTTP request (a GET, or a HEAD, POST or PUT of a push) through a libcurl multi
// handle whose body is pulled by read(), so a layer streams from the socket into the unpacker
// without a copy on disk and without a thread. Signals and the scan deadline end it between polls.
#pragma once

#include <imgscap/util/curl.hpp>

#include <map>
#include <span>
#include <string>
#include <vector>

namespace imgscap::registry {

// How the handle is set up; the Client fills it.
struct TransferSetup {
  std::string url;
  std::vector<std::string> headers;  // "Accept: ...", "Range: ..."
  std::string basic_user;            // Basic credentials, or
  std::string basic_password;
  std::string bearer;       // a Bearer token
  std::string post_fields;  // non-empty: a form POST (the OAuth2 token exchange)
  // "" for GET (or the form POST above); "HEAD", or "POST" / "PUT" sending `body` (pushes).
  std::string method;
  std::string body;
  bool tls_verify = true;
  // PEM: system CAs + the registry's, owned by the client; null or empty: libcurl's default
  const std::string* ca_bundle = nullptr;
  std::string client_cert;  // paths of a client certificate and key
  std::string client_key;
  bool allow_plain_redirects = false;
  bool follow_redirects = true;
  const util::CurlShare* share = nullptr;  // the client's connections, reused
};

class Transfer {
 public:
  explicit Transfer(const TransferSetup& setup);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  // Runs until the final response's status is known (its first body byte) or the transfer
  // ended. Throws imgscap::Error when interrupted.
  void wait_response();
  // The final response's status; 0 when there was none.
  [[nodiscard]] long status() const;
  // True once the transfer ended; result() is then libcurl's verdict.
  [[nodiscard]] bool finished() const { return m_finished; }
  // Ended by a failure before any body arrived (a connection, TLS or redirect hop failure; the
  // status may still be a redirect's).
  [[nodiscard]] bool failed_without_response() const {
    return m_finished && m_result != CURLE_OK && m_buffer.size() == m_taken && !m_got_body;
  }
  // Whether the final response came from the URL asked for (no redirect was followed).
  [[nodiscard]] bool from_first_host() const;
  [[nodiscard]] CURLcode result() const { return m_result; }
  // libcurl's description of a failure (never holds credentials: they are not in URLs).
  [[nodiscard]] std::string error_text() const;
  // A header of the final response (name lowercase), "" when absent.
  [[nodiscard]] std::string header(const std::string& name) const;

  // Body bytes; 0 only when the transfer ended (successfully or not: see result()).
  std::size_t read(std::span<std::byte> buffer);
  // The whole body, at most max_bytes (else imgscap::Error naming `what`).
  std::string read_all(std::size_t max_bytes, const std::string& what);

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);
  void pump();

  util::CurlMultiPtr m_multi;
  util::CurlPtr m_easy;
  util::CurlHeaders m_headers;
  char m_error[CURL_ERROR_SIZE] = {};
  std::string m_buffer;
  std::size_t m_taken = 0;
  std::map<std::string, std::string> m_response_headers;
  bool m_finished = false;
  bool m_got_body = false;
  CURLcode m_result = CURLE_OK;
};

}  // namespace imgscap::registry
