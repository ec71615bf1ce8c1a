// SPDX-License-Identifier: Apache-2.0
// The command-line front end: parses arguments (CLI11 lives only here) and runs a subcommand.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace imgscap::cli {

struct Streams {
  std::ostream& out;  // results (summary, inspect output)
  std::ostream& err;  // diagnostics ("imgscap: ..."), progress
  bool err_is_terminal = false;
};

// Runs imgscap with `args` (without the program name); returns the exit code.
int run(const std::vector<std::string>& args, const Streams& streams);

// main(): real stdout/stderr, signal handling installed.
int run(int argc, char** argv);

}  // namespace imgscap::cli
