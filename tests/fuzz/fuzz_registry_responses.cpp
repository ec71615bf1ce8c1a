// SPDX-License-Identifier: Apache-2.0
// Fuzz target: what a hostile registry or user controls as text before any image is read: a
// WWW-Authenticate challenge, Retry-After, an error document, a token answer's fields and the
// image name after docker://. Errors are expected; crashes and other exceptions are not.
#include "../../src/registry/responses.hpp"

#include <imgscap/registry/name.hpp>
#include <imgscap/util/error.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto challenge = imgscap::registry::parse_challenge(text);
  (void)challenge;
  (void)imgscap::registry::retry_after_seconds(text);
  (void)imgscap::registry::error_codes(text);
  (void)imgscap::registry::next_page(text);
  const auto json = nlohmann::json::parse(text, nullptr, false);
  (void)imgscap::registry::text_of(json, "token");
  try {
    (void)imgscap::registry::parse_image_name(text);
  } catch (const imgscap::Error&) {
  }
  return 0;
}
