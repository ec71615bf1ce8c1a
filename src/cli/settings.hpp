// SPDX-License-Identifier: Apache-2.0
// Options from a configuration file and IMGSCAP_<OPTION> environment variables, as Trivy's
// users expect: flags > environment > file > defaults. The file (--config FILE, else
// $XDG_CONFIG_HOME/imgscap/config.yaml, else ./imgscap.yaml) maps long option names to values
// ("fail-on: high", "content: [a.xml, b.xml]", "quiet: true"); every key must be an option of
// some command. They become command-line arguments for the options the command line left
// unset, so that CLI11 checks and converts them as it does flags.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::cli {

struct Setting {
  std::vector<std::string> values;  // one per value; a flag's is "true" or "false"
  std::string source;               // "environment IMGSCAP_FAIL_ON", "/path/config.yaml line 3"
};

struct Settings {
  std::string file;                        // the configuration file read, "" when none
  std::map<std::string, Setting> options;  // long option name -> setting (environment wins)
};

// The configuration file: --config when given (it must exist), else the first of
// $XDG_CONFIG_HOME/imgscap/config.yaml (~/.config when unset) and ./imgscap.yaml that exists.
std::optional<std::filesystem::path> config_file(const std::optional<std::filesystem::path>& given);

// Reads the file (when any) and the IMGSCAP_<OPTION> variables of `environment` for the long
// option names `known`. Throws imgscap::Error naming the file and line of a malformed file or of
// an unknown key. Environment variables that name no option are not imgscap's to judge.
Settings read_settings(const std::optional<std::filesystem::path>& file,
                       const std::vector<std::string>& known, char** environment);

// Every long option name of the app and its subcommands.
std::vector<std::string> long_option_names(const CLI::App& app);

// Arguments that give `command`'s options the settings the parsed command line left unset.
std::vector<std::string> setting_arguments(const CLI::App& command, const Settings& settings);

// "imgscap config show": each option of `command` with its value and where it came from
// (secrets masked), after a parse of the command line.
std::string render_settings(const CLI::App& command, const Settings& settings);

}  // namespace imgscap::cli
