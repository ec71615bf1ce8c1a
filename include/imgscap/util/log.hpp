// SPDX-License-Identifier: Apache-2.0
// Diagnostics on stderr through one spdlog logger: "imgscap: message", timestamps with --verbose.
#pragma once

#include <spdlog/spdlog.h>

#include <iosfwd>

namespace imgscap::util {

enum class Verbosity { quiet, normal, verbose };

// Routes every diagnostic to `err`. quiet: errors only; normal: warnings and info;
// verbose: debug with timestamps.
void init_logging(std::ostream& err, Verbosity verbosity);

}  // namespace imgscap::util
