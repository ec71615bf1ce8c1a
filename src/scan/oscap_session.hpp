// SPDX-License-Identifier: Apache-2.0
// Owners for libopenscap sessions and its per-thread error, turned into imgscap::Error.
#pragma once

#include <imgscap/util/error.hpp>

#include "oscap_headers.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace imgscap::scan {

struct XccdfSessionFree {
  void operator()(xccdf_session* session) const noexcept { xccdf_session_free(session); }
};
struct OvalSessionFree {
  void operator()(oval_session* session) const noexcept { oval_session_free(session); }
};
using XccdfSessionPtr = std::unique_ptr<xccdf_session, XccdfSessionFree>;
using OvalSessionPtr = std::unique_ptr<oval_session, OvalSessionFree>;

// libopenscap's pending error for this thread, or `fallback`.
std::string oscap_error_text(std::string_view fallback);

// Throws imgscap::Error "what: <libopenscap's error>".
[[noreturn]] void fail_oscap(std::string_view what);

}  // namespace imgscap::scan
