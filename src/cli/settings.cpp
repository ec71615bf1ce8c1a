// SPDX-License-Identifier: Apache-2.0
#include "settings.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/text.hpp>
#include <imgscap/util/yaml.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace imgscap::cli {
namespace {

namespace fs = std::filesystem;

std::string env_name(std::string option) {
  std::transform(option.begin(), option.end(), option.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  return "IMGSCAP_" + option;
}

std::string long_name(const CLI::Option& option) {
  const auto& names = option.get_lnames();
  return names.empty() ? std::string() : names.front();
}

// Values of a YAML node: a scalar, a list of scalars, or a flag's boolean.
std::vector<std::string> values_of(const std::string& file, const std::string& key,
                                   const YAML::Node& node) {
  const auto bad = [&] {
    util::yaml::fail_at(file, node.Mark(),
                        fmt::format("\"{}\" must be a value or a list of values", key));
  };
  if (node.IsScalar()) {
    return {node.Scalar()};
  }
  if (!node.IsSequence()) {
    bad();
  }
  std::vector<std::string> values;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      bad();
    }
    values.push_back(item.Scalar());
  }
  return values;
}

void read_file_settings(const fs::path& path, const std::vector<std::string>& known,
                        Settings& out) {
  const auto file = path.string();
  const auto root = util::yaml::load(util::read_file(path), file);
  if (root.IsNull()) {
    return;
  }
  if (!root.IsMap()) {
    util::yaml::fail_at(file, root.Mark(), "expected a mapping of option names to values");
  }
  std::set<std::string> seen;
  for (const auto& kv : root) {
    const auto key = util::yaml::key(file, kv.first, seen);
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      util::yaml::fail_at(file, kv.first.Mark(),
                          fmt::format("unknown option \"{}\" (the file holds long option names, "
                                      "as in \"fail-on: high\")",
                                      key));
    }
    out.options[key] = {values_of(file, key, kv.second),
                        fmt::format("{} line {}", file, kv.first.Mark().line + 1)};
  }
}

// Splits an environment value into a list option's values ("a.xml,b.xml").
std::vector<std::string> split(const std::string& text, bool list) {
  if (!list) {
    return {text};
  }
  auto out = util::split(text, ',');
  for (auto& value : out) {
    value = std::string(util::trim(value));
  }
  return out;
}

bool secret(const std::string& name) {
  return name.find("creds") != std::string::npos || name.find("password") != std::string::npos ||
         name.find("token") != std::string::npos;
}

// "user:****": what a secret looks like when shown.
std::string masked(const std::string& name, const std::string& value) {
  if (!secret(name) || value.empty()) {
    return value;
  }
  const auto colon = value.find(':');
  return colon == std::string::npos ? std::string("****") : value.substr(0, colon + 1) + "****";
}

}  // namespace

std::optional<fs::path> config_file(const std::optional<fs::path>& given) {
  if (given) {
    if (!fs::is_regular_file(*given)) {
      fail("--config {}: no such file", given->string());
    }
    return given;
  }
  const auto xdg = util::env_text("XDG_CONFIG_HOME");
  const auto home = util::env_text("HOME");
  std::vector<fs::path> candidates;
  if (!xdg.empty()) {
    candidates.push_back(fs::path(xdg) / "imgscap" / "config.yaml");
  } else if (!home.empty()) {
    candidates.push_back(fs::path(home) / ".config" / "imgscap" / "config.yaml");
  }
  candidates.emplace_back("imgscap.yaml");
  for (const auto& candidate : candidates) {
    if (fs::is_regular_file(candidate)) {
      return candidate;
    }
  }
  return std::nullopt;
}

std::vector<std::string> long_option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* option : app.get_options()) {
    // Not settings: what to do instead of running (help, version) and where settings are.
    if (const auto name = long_name(*option);
        !name.empty() && name != "help" && name != "version" && name != "config") {
      names.push_back(name);
    }
  }
  for (const auto* sub : app.get_subcommands({})) {
    const auto more = long_option_names(*sub);
    names.insert(names.end(), more.begin(), more.end());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Settings read_settings(const std::optional<fs::path>& file, const std::vector<std::string>& known,
                       char** environment) {
  Settings out;
  if (file) {
    out.file = file->string();
    read_file_settings(*file, known, out);
  }
  for (char** entry = environment; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string::npos) {
      continue;
    }
    const auto name = text.substr(0, equals);
    for (const auto& option : known) {
      if (env_name(option) == name) {
        out.options[option] = {{text.substr(equals + 1)}, "environment " + name};
      }
    }
  }
  return out;
}

std::vector<std::string> setting_arguments(const CLI::App& command, const Settings& settings) {
  std::vector<std::string> args;
  for (const auto* option : command.get_options()) {
    const auto name = long_name(*option);
    const auto it = settings.options.find(name);
    if (name.empty() || it == settings.options.end() || option->count() > 0) {
      continue;
    }
    const bool from_env = it->second.source.starts_with("environment");
    const bool list = option->get_expected_max() > 1;
    for (const auto& value :
         from_env ? split(it->second.values.front(), list) : it->second.values) {
      // A flag takes its value after "=" ("--quiet=true"), an option as the next argument.
      const bool flag = option->get_expected_max() == 0;
      args.push_back(flag ? fmt::format("--{}={}", name, value) : "--" + name);
      if (!flag) {
        args.push_back(value);
      }
    }
  }
  return args;
}

std::string render_settings(const CLI::App& command, const Settings& settings) {
  std::string out = fmt::format("# imgscap {} (configuration file: {})\n", command.get_name(),
                                settings.file.empty() ? "none" : settings.file);
  for (const auto* option : command.get_options()) {
    const auto name = long_name(*option);
    if (name.empty() || name == "help") {
      continue;
    }
    std::string value;
    std::string source;
    if (option->count() > 0) {
      value = fmt::format("{}", fmt::join(option->results(), ","));
      source = "command line";
    } else if (const auto it = settings.options.find(name); it != settings.options.end()) {
      value = fmt::format("{}", fmt::join(it->second.values, ","));
      source = it->second.source;
    } else {
      value = option->get_default_str();
      source = "default";
    }
    out += fmt::format("{:<22} {:<30} # {}\n", name + ":", masked(name, value), source);
  }
  return out;
}

}  // namespace imgscap::cli
