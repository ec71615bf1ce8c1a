// SPDX-License-Identifier: Apache-2.0
// What a registry's responses say beyond their status, parsed from untrusted text: the
// WWW-Authenticate challenge, Retry-After, the distribution API's error document, and the Link
// to a list's next page.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace imgscap::registry {

// WWW-Authenticate: Scheme key="value", key=value, ...
struct Challenge {
  std::string scheme;  // lowercase
  std::map<std::string, std::string> params;
};
Challenge parse_challenge(const std::string& header);

// Retry-After as delay-seconds or an HTTP date, at most 60; -1 when absent or unreadable.
int retry_after_seconds(const std::string& value);

// The registry's error document as "CODE: message; ..." ("" when there is none).
std::string error_codes(const std::string& body);
bool has_code(const std::string& body, const std::string& code);

// The path of a Link header's rel="next" target ("</v2/_catalog?last=a&n=100>; rel=\"next\""):
// the next page of a catalog or tag list; "" when there is none or it leaves the /v2/ API.
std::string next_page(const std::string& link);

// A string member of a JSON object; "" when absent or not a string (never throws).
std::string text_of(const nlohmann::json& j, const char* key);

}  // namespace imgscap::registry
