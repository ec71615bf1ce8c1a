// SPDX-License-Identifier: Apache-2.0
// The evaluation environment: apt isolation and rpm macros written beforehand, and the sandbox,
// variables and container marker every evaluation child starts with.
#include "environment.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include "oscap_headers.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <random>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_default_xslt_dir = "/usr/share/openscap/xsl";
constexpr const char* k_default_rpm_config_dir = "/usr/lib/rpm";
constexpr std::size_t k_max_hostname = 64;
constexpr const char* k_host_dpkg_tables = "/usr/share/dpkg";

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// A Dir::Cache under the root that cannot exist there, so apt keeps its caches in memory.
std::string unreachable_cache_dir() {
  std::random_device random;
  return fmt::format("/nonexistent-imgscap-{:08x}{:08x}/cache", random(), random());
}

// apt reads only the image's dpkg status: no host or image configuration, no sources, no cache
// files, the image's architecture (so apt never runs the image's dpkg to ask for it).
std::string apt_configuration(const Target& target, const fs::path& eval) {
  const auto& arch = target.packages.dpkg_architecture;
  std::string text;
  text += fmt::format("Dir::Etc::Parts \"{}\";\n", (eval / "apt.conf.d").string());
  text += fmt::format("Dir::Etc::main \"{}\";\n", (eval / "apt-empty.conf").string());
  text += "Dir::Etc::SourceList \"/nonexistent-imgscap/sources.list\";\n";
  text += "Dir::Etc::SourceParts \"/nonexistent-imgscap/sources.list.d\";\n";
  text += fmt::format("Dir::Cache \"{}\";\n", unreachable_cache_dir());
  if (!target.dpkg_status.empty()) {
    text += fmt::format("Dir::State::status \"/{}\";\n", target.dpkg_status);
  }
  if (!arch.empty()) {
    text +=
        fmt::format("APT::Architecture \"{}\";\nAPT::Architectures {{ \"{}\"; }};\n", arch, arch);
  }
  return text;
}

std::string join_env(const std::vector<std::string>& env) {
  std::string joined;
  for (const auto& entry : env) {
    if (entry.find('\n') != std::string::npos) {
      continue;  // cannot be represented in OSCAP_CONTAINER_VARS
    }
    joined += entry;
    joined.push_back('\n');
  }
  // An empty value makes the probe fall back to <root>/proc, which an image has not: an error
  // for every environment rule. A lone newline means "no variables".
  return joined.empty() ? std::string("\n") : joined;
}

// A host name from the image's label: the results name their target after it.
std::string hostname_for(std::string_view label) {
  std::string name;
  for (const char c : label) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                       c == '_' || c == ':' || c == '/' || c == '@';
    name.push_back(plain ? c : '-');
    if (name.size() == k_max_hostname) {
      break;
    }
  }
  return name.empty() ? std::string("image") : name;
}

fs::path eval_dir_seen(const Target& target) {
  const auto spec = sandbox_spec(target, {});
  return (target.isolated ? sandbox::view_of(spec) : sandbox::unsandboxed(spec)).place("eval");
}

void set_variables(const Target& target, const sandbox::View& view) {
  ::clearenv();
  const auto eval = view.place("eval");
  const std::vector<std::pair<const char*, std::string>> variables = {
      {"OSCAP_PROBE_ROOT", view.image().string()},
      {"OSCAP_EVALUATION_TARGET", target.label},
      {"OSCAP_CONTAINER_VARS", join_env(target.env)},
      {"OSCAP_SCHEMA_PATH", view.place("schemas").string()},
      {"OSCAP_CPE_PATH", view.place("cpe").string()},
      {"OSCAP_XSLT_PATH", view.place("xsl").string()},
      {"APT_CONFIG", (eval / target.apt_config).string()},
      {"HOME", (eval / "home").string()},
      {"TMPDIR", (eval / "tmp").string()},
      {"PATH", "/nonexistent-imgscap"},  // nothing is to be executed
      {"LC_ALL", "C"},
  };
  for (const auto& [name, value] : variables) {
    ::setenv(name, value.c_str(), 1);
  }
  if (view.has("rpm")) {  // else librpm has no configuration: the probe check says so
    ::setenv("RPM_CONFIGDIR", view.place("rpm").c_str(), 1);
  }
}

}  // namespace

sandbox::Spec sandbox_spec(const Target& target, const std::vector<sandbox::Bind>& extra) {
  sandbox::Spec spec;
  spec.lower = target.rootfs;
  spec.layer = target.layer_dir;
  spec.staging = target.staging_dir;
  spec.private_name = target.sandbox_name;
  spec.tmp = target.private_dir / "tmp";
  spec.hostname = hostname_for(target.label);
  spec.binds = {{target.private_dir, "eval", true},
                {oscap_path_to_schemas(), "schemas", false},
                {oscap_path_to_cpe(), "cpe", false},
                {env_or("OSCAP_XSLT_PATH", k_default_xslt_dir), "xsl", false}};
  const fs::path rpm_config = env_or("RPM_CONFIGDIR", k_default_rpm_config_dir);
  if (std::error_code ec; fs::is_directory(rpm_config, ec)) {
    spec.binds.push_back({rpm_config, "rpm", false});
  }
  spec.binds.insert(spec.binds.end(), extra.begin(), extra.end());
  return spec;
}

void prepare_environment(Target& target) {
  if (target.sandbox_name.empty()) {
    target.sandbox_name = sandbox::new_private_name();
  }
  if (target.packages.dpkg_status_override) {
    target.added_files["var/lib/dpkg/status"] = *target.packages.dpkg_status_override;
  }
  if (target.packages.dpkg_tables_missing) {
    for (const char* table : {"cputable", "tupletable"}) {
      // The host's copy (a Debian host has dpkg); without one the probe check says apt failed.
      if (auto text = util::read_file(fs::path(k_host_dpkg_tables) / table); !text.empty()) {
        target.added_files[fmt::format("usr/share/dpkg/{}", table)] = std::move(text);
      }
    }
  }
  fs::create_directories(target.private_dir / "apt.conf.d");
  fs::create_directories(target.private_dir / "home");
  fs::create_directories(target.private_dir / "tmp");
  util::write_file(target.private_dir / "apt-empty.conf", "");
  util::write_file(target.private_dir / target.apt_config,
                   apt_configuration(target, eval_dir_seen(target)));
  write_rpm_macros(target);
  fs::create_directories(target.private_dir / "files");  // kept with --keep-rootfs
  for (const auto& [name, text] : target.file_facts) {
    util::write_file(target.private_dir / "files" / name, text);
  }
}

Target with_dpkg_view(const Target& target, const std::string& name, const std::string& path,
                      std::string status) {
  Target view = target;
  view.dpkg_status = path;
  view.added_files[path] = std::move(status);
  view.apt_config = "apt-" + name + ".conf";
  util::write_file(view.private_dir / view.apt_config,
                   apt_configuration(view, eval_dir_seen(view)));
  return view;
}

void write_rpm_macros(const Target& target) {
  util::write_file(target.private_dir / "home/.rpmmacros",
                   fmt::format("%_dbpath {}\n", target.rpm_dbpath));
}

Entered enter_evaluation(const Target& target, const std::vector<sandbox::Bind>& extra) {
  const auto spec = sandbox_spec(target, extra);
  Entered entered{target.isolated ? sandbox::enter(spec) : sandbox::unsandboxed(spec), ""};
  set_variables(target, entered.view);
  const auto root = rootfs::open_root(entered.view.image());
  if (target.add_container_marker) {
    entered.marker = add_container_marker(root);
  } else {
    entered.marker = find_container_marker(root).value_or("");
  }
  write_facts(root, k_config_facts_dir, target.config_facts);
  write_facts(root, k_file_facts_dir, target.file_facts);
  for (const auto& [path, content] : target.added_files) {
    add_file_in_root(root, path, content);
  }
  oscap_init();
  return entered;
}

}  // namespace imgscap::scan
