// SPDX-License-Identifier: Apache-2.0
// Placeholder until the CLI lands.
#include <imgscap/cli/cli.hpp>

#include <iostream>

namespace imgscap::cli {
int run(const std::vector<std::string>& /*args*/, const Streams& /*streams*/) { return 1; }
int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return run(args, Streams{std::cout, std::cerr, false});
}
}  // namespace imgscap::cli
