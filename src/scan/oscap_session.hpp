// SPDX-License-Identifier: Apache-2.0
// Owners for libopenscap handles (sessions, sources, models, directives) and its per-thread
// error, turned into imgscap::Error.
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
struct SourceFree {
  void operator()(oscap_source* s) const noexcept { oscap_source_free(s); }
};
struct DefinitionModelFree {
  void operator()(oval_definition_model* m) const noexcept { oval_definition_model_free(m); }
};
struct AgentSessionFree {
  void operator()(oval_agent_session_t* s) const noexcept { oval_agent_destroy_session(s); }
};
struct DirectivesFree {
  void operator()(oval_directives_model* d) const noexcept { oval_directives_model_free(d); }
};
using XccdfSessionPtr = std::unique_ptr<xccdf_session, XccdfSessionFree>;
using OvalSessionPtr = std::unique_ptr<oval_session, OvalSessionFree>;
using SourcePtr = std::unique_ptr<oscap_source, SourceFree>;
using DefinitionModelPtr = std::unique_ptr<oval_definition_model, DefinitionModelFree>;
using AgentSessionPtr = std::unique_ptr<oval_agent_session_t, AgentSessionFree>;
using DirectivesPtr = std::unique_ptr<oval_directives_model, DirectivesFree>;

// libopenscap's pending error for this thread, or `fallback`.
std::string oscap_error_text(std::string_view fallback);

// Throws imgscap::Error "what: <libopenscap's error>".
[[noreturn]] void fail_oscap(std::string_view what);

}  // namespace imgscap::scan
