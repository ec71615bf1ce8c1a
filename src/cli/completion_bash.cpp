// SPDX-License-Identifier: Apache-2.0
// The bash completion script: tables of the command tree and one function that walks the words
// typed so far. It needs nothing from the bash-completion package, which loads it from
// /usr/share/bash-completion/completions/imgscap on first use.
#include "completion.hpp"

#include <fmt/format.h>

namespace imgscap::cli {
namespace {

// A command's key in the tables: "imgscap", "imgscap feeds import".
std::string key(const CommandSpec& command) {
  return fmt::format("{}", fmt::join(command.path, " "));
}

std::string kind(const ValueHint& hint) {
  if (hint.directories) {
    return "dir";
  }
  return hint.files ? "file" : "";
}

std::string tables(const CommandSpec& root) {
  std::string subcommands;
  std::string options;
  std::string takes_value;
  std::string words;
  std::string files;
  for (const auto* command : all_commands(root)) {
    const auto at = key(*command);
    std::vector<std::string> names;
    for (const auto& sub : command->subcommands) {
      names.push_back(sub.name);
    }
    if (!names.empty()) {
      subcommands += fmt::format("  [\"{}\"]=\"{}\"\n", at, fmt::join(names, " "));
    }
    names.clear();
    for (const auto& option : command->options) {
      names.insert(names.end(), option.names.begin(), option.names.end());
      for (const auto& name : option.names) {
        const auto option_key = at + " " + name;
        if (option.takes_value) {
          takes_value += fmt::format("  [\"{}\"]=1\n", option_key);
        }
        if (!option.value.words.empty()) {
          words +=
              fmt::format("  [\"{}\"]=\"{}\"\n", option_key, fmt::join(option.value.words, " "));
        }
        if (const auto k = kind(option.value); !k.empty()) {
          files += fmt::format("  [\"{}\"]={}\n", option_key, k);
        }
      }
    }
    options += fmt::format("  [\"{}\"]=\"{}\"\n", at, fmt::join(names, " "));
    if (command->has_positional && !command->positional.words.empty()) {
      words += fmt::format("  [\"{}\"]=\"{}\"\n", at, fmt::join(command->positional.words, " "));
    }
    if (const auto k = kind(command->positional); command->has_positional && !k.empty()) {
      files += fmt::format("  [\"{}\"]={}\n", at, k);
    }
  }
  return fmt::format(
      "# Subcommands, option names, options that take a value, their literal values, and what\n"
      "# completes to file (or directory) names: keyed by command, then option (a command's own\n"
      "# key alone stands for its positional arguments).\n"
      "declare -gA _imgscap_subcommands=(\n{}) _imgscap_options=(\n{}) _imgscap_takes_value=(\n{}) "
      "_imgscap_words=(\n{}) _imgscap_files=(\n{})\n",
      subcommands, options, takes_value, words, files);
}

// The function: split "--opt=value" back together, find the command typed so far (skipping
// option values), then offer the pending option's values, option names, or subcommands and files.
constexpr const char* k_function = R"bash(
# The key of OPTION in COMMAND's table, or in the program's (its options apply everywhere).
_imgscap_key() {
  if [[ -n ${_imgscap_options["$1"]+set} && " ${_imgscap_options["$1"]} " == *" $2 "* ]]; then
    printf '%s' "$1 $2"
  else
    printf '%s' "imgscap $2"
  fi
}

_imgscap_values() {
  local key=$1 cur=$2 kind=${_imgscap_files["$1"]-}
  if [[ -n ${_imgscap_words["$key"]-} ]]; then
    COMPREPLY+=($(compgen -W "${_imgscap_words["$key"]}" -- "$cur"))
  fi
  if [[ -n $kind ]]; then
    compopt -o filenames 2>/dev/null
    if [[ $kind == dir ]]; then
      COMPREPLY+=($(compgen -d -- "$cur"))
    else
      COMPREPLY+=($(compgen -f -- "$cur"))
    fi
  fi
}

_imgscap() {
  local cur=${COMP_WORDS[COMP_CWORD]} cword=$COMP_CWORD command=imgscap option="" i word
  local -a words=("${COMP_WORDS[@]}")
  COMPREPLY=()
  for ((i = 1; i < cword; i++)); do
    word=${words[i]}
    if [[ $word == = ]]; then
      ((i++))
    elif [[ " ${_imgscap_subcommands["$command"]-} " == *" $word "* ]]; then
      command+=" $word"
    elif [[ $word == -* && -n ${_imgscap_takes_value["$(_imgscap_key "$command" "$word")"]-} &&
            ${words[i + 1]-} != = ]]; then
      ((i++))
    fi
  done
  if [[ $cur == = ]]; then
    option=${words[cword - 1]} cur=""
  elif ((cword >= 2)) && [[ ${words[cword - 1]} == = ]]; then
    option=${words[cword - 2]}
  elif ((cword >= 2)) && [[ ${words[cword - 2]} != = ]]; then
    option=${words[cword - 1]}
  fi
  if [[ $option == -* && -n ${_imgscap_takes_value["$(_imgscap_key "$command" "$option")"]-} ]]; then
    _imgscap_values "$(_imgscap_key "$command" "$option")" "$cur"
  elif [[ $cur == -* ]]; then
    local names=${_imgscap_options["$command"]-}
    [[ $command == imgscap ]] || names+=" ${_imgscap_options[imgscap]}"
    COMPREPLY=($(compgen -W "$names" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "${_imgscap_subcommands["$command"]-}" -- "$cur"))
    _imgscap_values "$command" "$cur"
  fi
}

complete -F _imgscap imgscap
)bash";

}  // namespace

std::string bash_completion(const CommandSpec& root) {
  return fmt::format(
      "# bash completion for imgscap                              -*- shell-script -*-\n"
      "# Generated by `imgscap completion bash` from imgscap's own option table.\n\n{}{}",
      tables(root), k_function);
}

}  // namespace imgscap::cli
