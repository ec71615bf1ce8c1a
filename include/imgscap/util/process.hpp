// SPDX-License-Identifier: Apache-2.0
// Running a helper program found on PATH with text on its stdin and its stdout captured (bounded
// in size and time); its stderr goes nowhere, so nothing it prints can reach imgscap's output.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imgscap::util {

struct ProcessResult {
  int exit_status = -1;  // the exit code, or -1 when killed by a signal or the time limit
  std::string out;
};

// Throws imgscap::Error when the program cannot be started (errno kept: ENOENT when absent),
// writes more than max_out bytes, or runs longer than timeout_seconds (it is then killed).
ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          std::size_t max_out, int timeout_seconds);

}  // namespace imgscap::util
