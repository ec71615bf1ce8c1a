// SPDX-License-Identifier: Apache-2.0
// The command tree behind the completion scripts, read from CLI11's option table.
#include "completion.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/text.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>

namespace imgscap::cli {
namespace {

bool is_word(const std::string& token) {
  return !token.empty() && token.front() >= 'a' && token.front() <= 'z' &&
         std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
         });
}

// "auto|FILE|URL|off" -> words auto, off and file names.
ValueHint hint_of(const std::string& metavariable) {
  ValueHint hint;
  for (const auto& token : util::split(metavariable, '|')) {
    if (token == "FILE" || token == "PATH" || token == "IMAGE") {
      hint.files = true;
    } else if (token == "DIR") {
      hint.directories = true;
    } else if (is_word(token)) {
      hint.words.push_back(token);
    }
  }
  return hint;
}

// The description's first clause, what a shell shows beside a candidate: up to the first ": ",
// "; ", ". ", ", e.g." or ", default" outside parentheses, at most 72 characters.
std::string first_clause(const std::string& text) {
  int depth = 0;
  std::size_t end = 0;
  for (; end < text.size(); ++end) {
    depth += text[end] == '(' ? 1 : text[end] == ')' ? -1 : 0;
    const auto rest = std::string_view(text).substr(end);
    if (depth == 0 && (rest.starts_with(": ") || rest.starts_with("; ") || rest.starts_with(". ") ||
                       rest.starts_with(", e.g.") || rest.starts_with(", default"))) {
      break;
    }
  }
  auto clause = text.substr(0, end);
  constexpr std::size_t k_longest = 72;
  if (clause.size() > k_longest) {
    clause = clause.substr(0, clause.rfind(' ', k_longest)) + "...";
  }
  return clause;
}

OptionSpec option_spec(const CLI::Option& option) {
  OptionSpec spec;
  for (const auto& name : option.get_lnames()) {
    spec.names.push_back("--" + name);
  }
  for (const auto& name : option.get_snames()) {
    spec.names.push_back("-" + name);
  }
  spec.description = first_clause(option.get_description());
  spec.takes_value = option.get_expected_max() > 0;
  spec.repeatable = option.get_expected_max() > 1;
  if (spec.takes_value) {
    spec.metavariable = option.get_option_text().empty() ? "VALUE" : option.get_option_text();
    spec.value = hint_of(spec.metavariable);
  }
  return spec;
}

CommandSpec describe_under(const CLI::App& app, std::vector<std::string> path) {
  CommandSpec spec;
  path.push_back(app.get_name());
  spec.path = path;
  spec.description = first_clause(app.get_description());
  for (const auto* option : app.get_options()) {
    if (option->nonpositional()) {
      spec.options.push_back(option_spec(*option));
      continue;
    }
    spec.has_positional = true;
    spec.many_positionals = option->get_expected_max() > 1;
    spec.positional_name = option->get_name(true);
    const auto& text = option->get_option_text();
    spec.positional = hint_of(text.empty() ? spec.positional_name : text);
  }
  for (const auto* sub : app.get_subcommands({})) {
    spec.subcommands.push_back(describe_under(*sub, path));
  }
  return spec;
}

void collect(const CommandSpec& command, std::vector<const CommandSpec*>& out) {
  out.push_back(&command);
  for (const auto& sub : command.subcommands) {
    collect(sub, out);
  }
}

}  // namespace

CommandSpec describe(const CLI::App& app) { return describe_under(app, {}); }

std::string command_words(const CommandSpec& command) {
  std::string out;
  for (std::size_t i = 1; i < command.path.size(); ++i) {
    out += (out.empty() ? "" : " ") + command.path[i];
  }
  return out;
}

std::vector<const OptionSpec*> accepted_options(const CommandSpec& command,
                                                const CommandSpec& root) {
  std::vector<const OptionSpec*> out;
  for (const auto& option : command.options) {
    out.push_back(&option);
  }
  if (&command == &root) {
    return out;
  }
  for (const auto& option : root.options) {
    if (option.names.front() != "--help" && option.names.front() != "--version") {
      out.push_back(&option);
    }
  }
  return out;
}

std::vector<const CommandSpec*> all_commands(const CommandSpec& root) {
  std::vector<const CommandSpec*> out;
  collect(root, out);
  return out;
}

std::string completion_script(const CommandSpec& root, const std::string& shell) {
  if (shell == "bash") {
    return bash_completion(root);
  }
  if (shell == "zsh") {
    return zsh_completion(root);
  }
  if (shell == "fish") {
    return fish_completion(root);
  }
  fail("no completion for the shell \"{}\": bash, zsh or fish", shell);
}

}  // namespace imgscap::cli
