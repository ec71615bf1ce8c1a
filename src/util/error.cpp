// SPDX-License-Identifier: Apache-2.0
// errno formatting for error messages.
#include <imgscap/util/error.hpp>

#include <cstring>

namespace imgscap {

std::string errno_text(int err) {
  char buffer[256];
  // GNU strerror_r returns the message pointer.
  return ::strerror_r(err, buffer, sizeof buffer);
}

}  // namespace imgscap
