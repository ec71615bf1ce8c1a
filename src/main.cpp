// SPDX-License-Identifier: Apache-2.0
// Entry point of the imgscap binary: hands argv to the CLI module.
#include <imgscap/cli/cli.hpp>

int main(int argc, char** argv) { return imgscap::cli::run(argc, argv); }
