// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a JSON document parsed with imgscap's bounds (size, depth) and read as an image
// config, as every config, manifest.json and index is. Errors are expected; crashes are not.
#include "../../src/image/store.hpp"
#include "../../src/image/streams.hpp"

#include <imgscap/util/error.hpp>

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto json = imgscap::image::parse_json(text, "fuzz input");
    imgscap::image::parse_config(json, "fuzz config");
  } catch (const imgscap::Error&) {
  }
  return 0;
}
