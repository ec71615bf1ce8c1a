// SPDX-License-Identifier: Apache-2.0
// libopenscap's error text, for messages.
#include "oscap_session.hpp"

#include <imgscap/scan/evaluate.hpp>

#include <cstdlib>

namespace imgscap::scan {

std::string openscap_version() {
  const char* version = oscap_get_version();
  return version == nullptr ? std::string("unknown") : std::string(version);
}

std::string oscap_error_text(std::string_view fallback) {
  if (oscap_err()) {
    char* text = oscap_err_get_full_error();
    std::string message = text != nullptr ? text : std::string(fallback);
    std::free(text);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return message;
  }
  return std::string(fallback);
}

void fail_oscap(std::string_view what) {
  throw Error(fmt::format("{}: {}", what, oscap_error_text("libopenscap gave no reason")));
}

}  // namespace imgscap::scan
