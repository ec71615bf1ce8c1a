// SPDX-License-Identifier: Apache-2.0
// libopenscap's C headers, made includable from C++20: they name parameters `export` and
// `requires`, which are C++ keywords, so those names are renamed for the duration of the include,
// and they have no extern "C" guards of their own.
#pragma once

// NOLINTBEGIN
#if defined(__clang__)
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wkeyword-macro"
#endif
extern "C" {
#define export oscap_param_export
#define requires oscap_param_requires
#include <oscap.h>
#include <oscap_error.h>
#include <oscap_source.h>
#include <oval_agent_api.h>
#include <oval_definitions.h>
#include <oval_directives.h>
#include <oval_results.h>
#include <oval_session.h>
#include <xccdf_benchmark.h>
#include <xccdf_policy.h>
#include <xccdf_session.h>
#undef export
#undef requires
}
#if defined(__clang__)
#pragma clang diagnostic pop
#endif
// NOLINTEND
