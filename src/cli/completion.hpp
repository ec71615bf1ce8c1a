// SPDX-License-Identifier: Apache-2.0
// Shell completion scripts (bash, zsh, fish) generated from the CLI11 option table itself, so
// they cannot drift from the options: `imgscap completion SHELL` prints one, and the build
// writes all three for `cmake --install`. What an option's value completes to comes from its
// metavariable as the help prints it: lower-case alternatives are literal words
// ("low|medium|high"), FILE/PATH/IMAGE complete file names, DIR directory names, and any other
// placeholder (N, SECONDS, ID) nothing.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace imgscap::cli {

// What a value may be completed with.
struct ValueHint {
  std::vector<std::string> words;  // literal values
  bool files = false;
  bool directories = false;
};

struct OptionSpec {
  std::vector<std::string> names;  // "--output", "-o": long names first
  std::string description;         // its first clause, for the shells that show one
  std::string metavariable;        // "FILE", "low|medium|high", "VALUE" when the help names none
  bool takes_value = false;
  bool repeatable = false;
  ValueHint value;
};

struct CommandSpec {
  std::vector<std::string> path;  // {"imgscap", "feeds", "import"}
  [[nodiscard]] const std::string& name() const { return path.back(); }  // "import"
  std::string description;
  std::vector<OptionSpec> options;  // this command's own, not its parent's
  std::vector<CommandSpec> subcommands;
  bool has_positional = false;
  bool many_positionals = false;
  std::string positional_name;  // "IMAGE"
  ValueHint positional;
};

// The command tree of `app`: its options, subcommands and positionals.
CommandSpec describe(const CLI::App& app);

// The completion script for `shell` ("bash", "zsh" or "fish").
std::string completion_script(const CommandSpec& root, const std::string& shell);

std::string bash_completion(const CommandSpec& root);
std::string zsh_completion(const CommandSpec& root);
std::string fish_completion(const CommandSpec& root);

// "scan", "feeds import": a command's path without the program name, "" for the program.
std::string command_words(const CommandSpec& command);

// The options `command` accepts: its own, then the program's (CLI11 lets them fall through to
// every subcommand) but for --help and --version, which each command has or only the program.
std::vector<const OptionSpec*> accepted_options(const CommandSpec& command,
                                                const CommandSpec& root);

// Every command of the tree, depth first, the root first.
std::vector<const CommandSpec*> all_commands(const CommandSpec& root);

}  // namespace imgscap::cli
