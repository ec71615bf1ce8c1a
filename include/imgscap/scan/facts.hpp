// SPDX-License-Identifier: Apache-2.0
// Facts read from an unpacked root before evaluation: the OS (etc/os-release) and which package
// databases exist, which decide how the package probes are configured and checked.
#pragma once

#include <imgscap/image/image.hpp>
#include <imgscap/scan/dpkg.hpp>
#include <imgscap/util/fd.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::scan {

struct OsRelease {
  std::string id;           // "debian"
  std::string version_id;   // "11"
  std::string pretty_name;  // "Debian GNU/Linux 11 (bullseye)"
  std::string name;
  std::map<std::string, std::string> fields;
};

// Parses os-release syntax (KEY=value, quoted or not, comments).
OsRelease parse_os_release(std::string_view text);

// etc/os-release, else usr/lib/os-release, read inside the root. nullopt when neither exists.
std::optional<std::string> os_release_text(const util::Fd& root);
std::optional<OsRelease> read_os_release(const util::Fd& root);

enum class RpmBackend { none, sqlite, bdb, ndb };
std::string_view rpm_backend_name(RpmBackend backend);

struct PackageDatabases {
  bool dpkg = false;                       // var/lib/dpkg/status exists (or status.d, distroless)
  std::size_t dpkg_installed = 0;          // packages with "install ok installed"
  std::string dpkg_architecture;           // the dpkg package's Architecture, e.g. "amd64"
  std::string dpkg_probe_package;          // an installed package to check the probe with
  RpmBackend rpm = RpmBackend::none;       // var/lib/rpm/{rpmdb.sqlite,Packages,Packages.db}
  std::vector<DpkgPackage> dpkg_packages;  // every stanza of the database the probes read
  // Distroless images keep one stanza per package in var/lib/dpkg/status.d/, which OpenSCAP's
  // dpkginfo probe does not read: those stanzas joined after the status file's (if there is
  // one), written into the throwaway layer as the status file the probes read.
  std::optional<std::string> dpkg_status_override;
  // Why the dpkg database cannot be read where it should be (status not a regular file).
  std::string dpkg_problem;
  // libapt needs usr/share/dpkg/{cputable,tupletable}; images without dpkg (distroless) lack them.
  bool dpkg_tables_missing = false;
};

// Reads var/lib/dpkg/status (bounded) and looks for rpm databases inside the root.
PackageDatabases find_package_databases(const util::Fd& root);

// Parses a dpkg status file into the dpkg fields of PackageDatabases.
void parse_dpkg_status(std::string_view status, PackageDatabases& out);

// The dpkg architecture for an OCI architecture ("amd64", "arm64", "arm"+"v7" -> "armhf", ...).
std::string dpkg_architecture_for(std::string_view oci_architecture, std::string_view variant);

// SSG's "machine" platform tells containers from machines by /run/.containerenv or /.dockerenv.
// The marker the image itself has, if any.
std::optional<std::string> find_container_marker(const util::Fd& root);

// Marks the root as a container: creates run/.containerenv, or /.dockerenv when run/ is
// unusable (e.g. a dangling in-image symlink); a marker already there counts. Returns its path.
std::string add_container_marker(const util::Fd& root);

// The image config as files the probes can read (documented in the man page, IMAGE CONFIG
// FACTS): name under run/imgscap/config/ -> content. user, healthcheck ("NONE" when disabled,
// empty when absent), exposed_ports, volumes, env, labels (KEY=VALUE) one per line; entrypoint
// and cmd as JSON arrays; working_dir.
using ConfigFacts = std::map<std::string, std::string>;
ConfigFacts config_facts(const image::Config& config);

// Writes `path` inside the root (an evaluation's throwaway layer), creating its directories and
// replacing whatever is there (the image's file, or an earlier child's). Throws imgscap::Error.
void add_file_in_root(const util::Fd& root, std::string_view path, std::string_view content);

// Where the facts go inside the root: the image config's, and the file facts
// (rootfs::FileFacts).
constexpr const char* k_config_facts_dir = "run/imgscap/config";
constexpr const char* k_file_facts_dir = "run/imgscap/files";

// Whether an absolute path a check reads is one of imgscap's facts (under /run/imgscap/), not a
// file of the image.
inline bool is_fact_path(std::string_view path) { return path.starts_with("/run/imgscap/"); }

// Replaces the directory `path` inside the root (removing whatever the image put there, so an
// image cannot forge its facts) with one file per fact; with no facts (a directory has no image
// config) the directory is only removed. Throws imgscap::Error.
void write_facts(const util::Fd& root, std::string_view path,
                 const std::optional<std::map<std::string, std::string>>& facts);

}  // namespace imgscap::scan
