// SPDX-License-Identifier: Apache-2.0
// os-release parsing and package database discovery inside an unpacked root.
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/scan/dpkg.hpp>
#include <imgscap/scan/facts.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/os_release.hpp>
#include <imgscap/util/text.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>

namespace imgscap::scan {
namespace {

using util::trim;

constexpr std::size_t k_os_release_max = 64 * 1024;
constexpr std::size_t k_dpkg_status_max = 256 * 1024 * 1024;

bool is_package_name(std::string_view name) {
  return !name.empty() && name.size() < 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) != 0 ||
           std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
  });
}

// The stanzas of var/lib/dpkg/status.d/* (distroless), joined, or nullopt without that directory.
// Each file is `dpkg-deb --field` of an installed package, without a Status field: it is added,
// as every file there stands for an installed package.
std::optional<std::string> read_status_parts(const util::Fd& root) {
  const auto dir = rootfs::open_in_root(root, "var/lib/dpkg/status.d", O_PATH | O_DIRECTORY);
  if (!dir) {
    return std::nullopt;
  }
  auto names = rootfs::list_directory(dir.get());
  std::sort(names.begin(), names.end());
  std::string joined;
  for (const auto& name : names) {
    if (name.ends_with(".md5sums")) {
      continue;
    }
    const auto text = rootfs::read_in_root(root, "var/lib/dpkg/status.d/" + name,
                                           k_dpkg_status_max - joined.size());
    if (!text) {
      continue;
    }
    const auto stanza = trim(*text);
    if (!stanza.starts_with("Status:") && stanza.find("\nStatus:") == std::string_view::npos) {
      joined += "Status: install ok installed\n";
    }
    joined += stanza;
    joined += "\n\n";
  }
  return joined;
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
  OsRelease os;
  os.fields = util::parse_os_release_fields(text);
  const auto get = [&os](const char* key) {
    const auto it = os.fields.find(key);
    return it == os.fields.end() ? std::string() : it->second;
  };
  os.id = get("ID");
  os.version_id = get("VERSION_ID");
  os.pretty_name = get("PRETTY_NAME");
  os.name = get("NAME");
  return os;
}

std::optional<std::string> os_release_text(const util::Fd& root) {
  for (const char* path : {"etc/os-release", "usr/lib/os-release"}) {
    if (auto text = rootfs::read_in_root(root, path, k_os_release_max)) {
      return text;
    }
  }
  return std::nullopt;
}

std::optional<OsRelease> read_os_release(const util::Fd& root) {
  if (auto text = os_release_text(root)) {
    return parse_os_release(*text);
  }
  return std::nullopt;
}

std::string_view rpm_backend_name(RpmBackend backend) {
  switch (backend) {
    case RpmBackend::none:
      return "none";
    case RpmBackend::sqlite:
      return "sqlite";
    case RpmBackend::bdb:
      return "Berkeley DB";
    case RpmBackend::ndb:
      return "ndb";
  }
  return "unknown";
}

void parse_dpkg_status(std::string_view status, PackageDatabases& out) {
  out.dpkg = true;
  out.dpkg_packages = parse_dpkg_packages(status);
  out.dpkg_installed = 0;
  for (const auto& p : out.dpkg_packages) {
    if (p.status != "install ok installed") {
      continue;
    }
    ++out.dpkg_installed;
    if (p.name == "dpkg") {
      out.dpkg_architecture = p.architecture;
    }
    const bool preferred = p.name == "base-files" || p.name == "dpkg";
    if (is_package_name(p.name) && (out.dpkg_probe_package.empty() || preferred)) {
      out.dpkg_probe_package = p.name;
    }
  }
}

PackageDatabases find_package_databases(const util::Fd& root) {
  PackageDatabases dbs;
  auto status = rootfs::read_in_root(root, "var/lib/dpkg/status", k_dpkg_status_max);
  auto parts = read_status_parts(root);
  if (!status && rootfs::exists_in_root(root, "var/lib/dpkg/status")) {
    dbs.dpkg = true;
    dbs.dpkg_problem = "var/lib/dpkg/status is not a regular file";
  } else if (parts) {
    // Every installed package counts: status.d's stanzas after the status file's, if any.
    dbs.dpkg_status_override = merge_dpkg_status(status.value_or(""), *parts);
    parse_dpkg_status(*dbs.dpkg_status_override, dbs);
  } else if (status) {
    parse_dpkg_status(*status, dbs);
  }
  dbs.dpkg_tables_missing =
      dbs.dpkg && (!rootfs::exists_in_root(root, "usr/share/dpkg/cputable") ||
                   !rootfs::exists_in_root(root, "usr/share/dpkg/tupletable"));
  if (rootfs::exists_in_root(root, "var/lib/rpm/rpmdb.sqlite")) {
    dbs.rpm = RpmBackend::sqlite;
  } else if (rootfs::exists_in_root(root, "var/lib/rpm/Packages.db")) {
    dbs.rpm = RpmBackend::ndb;
  } else if (rootfs::exists_in_root(root, "var/lib/rpm/Packages")) {
    dbs.rpm = RpmBackend::bdb;
  }
  return dbs;
}

std::string dpkg_architecture_for(std::string_view oci_architecture, std::string_view variant) {
  if (oci_architecture == "386") {
    return "i386";
  }
  if (oci_architecture == "ppc64le") {
    return "ppc64el";
  }
  if (oci_architecture == "mips64le") {
    return "mips64el";
  }
  if (oci_architecture == "arm") {
    return variant == "v5" ? "armel" : "armhf";
  }
  return std::string(oci_architecture);
}

std::optional<std::string> find_container_marker(const util::Fd& root) {
  for (const char* marker : {"run/.containerenv", ".dockerenv"}) {
    if (rootfs::exists_in_root(root, marker)) {
      return marker;
    }
  }
  return std::nullopt;
}

namespace {

// Creates an empty `name` in `dir`; one that exists already counts.
bool create_marker(const util::Fd& dir, const char* name) {
  const util::Fd marker(
      ::openat(dir.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  return marker.valid() || errno == EEXIST;
}

}  // namespace

std::string add_container_marker(const util::Fd& root) {
  ::mkdirat(root.get(), "run", 0755);  // may exist already (also as an in-image symlink)
  if (const auto run = rootfs::open_in_root(root, "run", O_PATH | O_DIRECTORY);
      run && create_marker(run, ".containerenv")) {
    return "run/.containerenv";
  }
  // run/ is unusable: the other marker SSG recognises, at the root itself.
  if (!create_marker(root, ".dockerenv")) {
    fail("cannot mark the root as a container: {}", errno_text(errno));
  }
  return ".dockerenv";
}

namespace {

std::string lines_of(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) {
    if (value.find('\n') == std::string::npos) {
      text += value + "\n";
    }
  }
  return text;
}

void write_fact(const util::Fd& dir, const std::string& name, std::string_view content) {
  const util::Fd fd(::openat(dir.get(), name.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) {
    fail("cannot write the fact {}: {}", name, errno_text(errno));
  }
  util::write_all(fd.get(), content, name);
}

}  // namespace

ConfigFacts config_facts(const image::Config& config) {
  std::vector<std::string> labels;
  for (const auto& [key, value] : config.labels) {
    labels.push_back(key + "=" + value);
  }
  std::string healthcheck;
  if (config.healthcheck && !config.healthcheck->test.empty()) {
    const auto& test = config.healthcheck->test;
    healthcheck = test.front() == "NONE" ? "NONE" : fmt::format("{}", fmt::join(test, " "));
  }
  return {
      {"user", lines_of({config.user})},
      {"healthcheck", lines_of({healthcheck})},
      {"exposed_ports", lines_of(config.exposed_ports)},
      {"volumes", lines_of(config.volumes)},
      {"env", lines_of(config.env)},
      {"labels", lines_of(labels)},
      {"entrypoint", nlohmann::json(config.entrypoint).dump() + "\n"},
      {"cmd", nlohmann::json(config.cmd).dump() + "\n"},
      {"working_dir", lines_of({config.working_dir})},
  };
}

void add_file_in_root(const util::Fd& root, std::string_view path, std::string_view content) {
  const auto slash = path.rfind('/');
  const auto dir_path =
      slash == std::string_view::npos ? std::string_view(".") : path.substr(0, slash);
  const auto name = std::string(path.substr(slash == std::string_view::npos ? 0 : slash + 1));
  rootfs::make_dirs_in_root(root, dir_path);
  const auto dir = rootfs::open_in_root(root, dir_path, O_PATH | O_DIRECTORY);
  if (!dir) {
    fail("cannot open /{}: {}", dir_path, errno_text(errno));
  }
  rootfs::remove_at(dir.get(), name);  // whatever the image (or an earlier child) put there
  const util::Fd fd(::openat(dir.get(), name.c_str(),
                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd) {
    fail("cannot write /{}: {}", path, errno_text(errno));
  }
  util::write_all(fd.get(), content, "/" + std::string(path));
}

void write_facts(const util::Fd& root, std::string_view path,
                 const std::optional<std::map<std::string, std::string>>& facts) {
  const auto parent_path = path.substr(0, path.rfind('/'));
  const auto name = std::string(path.substr(path.rfind('/') + 1));
  if (const auto parent = rootfs::open_in_root(root, parent_path, O_PATH | O_DIRECTORY)) {
    rootfs::remove_at(parent.get(), name);
  }
  if (!facts) {
    return;
  }
  rootfs::make_dirs_in_root(root, path);
  const auto dir = rootfs::open_in_root(root, path, O_PATH | O_DIRECTORY);
  if (!dir) {
    fail("cannot open /{}: {}", path, errno_text(errno));
  }
  for (const auto& [fact, content] : *facts) {
    write_fact(dir, fact, content);
  }
}

}  // namespace imgscap::scan
