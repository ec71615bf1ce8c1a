// SPDX-License-Identifier: Apache-2.0
// Test helper: the message of the imgscap::Error a call throws, or "(no error)".
#pragma once

#include <imgscap/util/error.hpp>

#include <functional>
#include <string>

namespace imgscap::test {

inline std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace imgscap::test
