// SPDX-License-Identifier: Apache-2.0
#include "responses.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace imgscap::registry {
namespace {

constexpr int k_max_retry_after = 60;
constexpr std::size_t k_max_error_text = 1000;

}  // namespace

std::string text_of(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

int retry_after_seconds(const std::string& value) {
  if (value.empty()) {
    return -1;
  }
  char* end = nullptr;
  const long seconds = std::strtol(value.c_str(), &end, 10);
  if (end != value.c_str() && *end == '\0') {
    return seconds < 0 ? 0 : static_cast<int>(std::min<long>(seconds, k_max_retry_after));
  }
  const time_t when = curl_getdate(value.c_str(), nullptr);
  if (when < 0) {
    return -1;
  }
  const auto delta = static_cast<long>(when - std::time(nullptr));
  return static_cast<int>(std::clamp<long>(delta, 0, k_max_retry_after));
}

Challenge parse_challenge(const std::string& header) {
  Challenge c;
  std::size_t i = header.find(' ');
  c.scheme = header.substr(0, i);
  std::transform(c.scheme.begin(), c.scheme.end(), c.scheme.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  while (i != std::string::npos && i < header.size()) {
    while (i < header.size() && (header[i] == ' ' || header[i] == ',')) {
      ++i;
    }
    const auto eq = header.find('=', i);
    if (eq == std::string::npos) {
      break;
    }
    std::string key = header.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < header.size() && header[i] == '"') {
      for (++i; i < header.size() && header[i] != '"'; ++i) {
        if (header[i] == '\\' && i + 1 < header.size()) {
          ++i;
        }
        value += header[i];
      }
      ++i;
    } else {
      const auto comma = header.find(',', i);
      value = header.substr(i, comma == std::string::npos ? std::string::npos : comma - i);
      i = comma;
    }
    c.params[key] = value;
  }
  return c;
}

std::string error_codes(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object() || !json.contains("errors") || !json["errors"].is_array()) {
    return "";
  }
  std::string text;
  for (const auto& e : json["errors"]) {
    if (!e.is_object()) {
      continue;
    }
    const auto code = text_of(e, "code");
    text += (text.empty() ? "" : "; ") + (code.empty() ? "?" : code) + ": " + text_of(e, "message");
    if (text.size() > k_max_error_text) {
      text.resize(k_max_error_text);
      break;
    }
  }
  // The registry's words reach the terminal: no control characters (escape sequences).
  for (auto& ch : text) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      ch = '?';
    }
  }
  return text;
}

bool has_code(const std::string& body, const std::string& code) {
  return error_codes(body).find(code + ":") != std::string::npos;
}

std::string next_page(const std::string& link) {
  const auto open = link.find('<');
  const auto close = link.find('>', open);
  if (open == std::string::npos || close == std::string::npos ||
      link.find("rel=\"next\"", close) == std::string::npos) {
    return {};
  }
  auto target = link.substr(open + 1, close - open - 1);
  if (const auto scheme = target.find("://"); scheme != std::string::npos) {
    const auto path = target.find('/', scheme + 3);
    target = path == std::string::npos ? std::string() : target.substr(path);
  }
  return target.starts_with("/v2/") ? target : std::string();
}

}  // namespace imgscap::registry
