// SPDX-License-Identifier: Apache-2.0
// The dpkg package database as imgscap reads it: the stanzas of var/lib/dpkg/status (and of a
// distroless image's status.d), each package's source package and source version, and the
// source-package view Debian's CVE feeds are written against.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace imgscap::scan {

struct DpkgPackage {
  std::string name;
  std::string version;
  std::string architecture;
  std::string status;          // "install ok installed"
  std::string source;          // the Source field's name, else the package's own name
  std::string source_version;  // the version in the Source field's parentheses, else `version`

  // Whether the package's files are on the system: any dpkg state but "not-installed" and
  // "config-files" (unpacked, half-configured, triggers-pending... count).
  [[nodiscard]] bool on_system() const;
  bool operator==(const DpkgPackage&) const = default;
};

// Every stanza with a Package field, in order. Field names are case-insensitive, continuation
// lines are skipped; a malformed Source field leaves the package its own source.
std::vector<DpkgPackage> parse_dpkg_packages(std::string_view status);

// status.d stanzas (distroless) appended to a status file: a package the status file already
// has keeps its stanza there.
std::string merge_dpkg_status(std::string_view status, std::string_view parts);

// Debian's version order (dpkg --compare-versions): <0, 0 or >0.
int compare_debian_versions(std::string_view a, std::string_view b);

// One installed source package: the lowest source version any of its binaries on the system
// was built from (a binary from an older source version keeps the source vulnerable), and
// those binaries.
struct SourcePackage {
  std::string name;
  std::string version;
  std::vector<const DpkgPackage*> binaries;  // name order
};

// The source packages of the binaries on the system, by name. Packages whose source name or
// version is not a valid Debian one are left out.
std::vector<SourcePackage> source_packages(const std::vector<DpkgPackage>& packages);

// A dpkg status file listing each source package as an installed package of that name and
// (lowest) source version, for `architecture`: what libapt, and so OpenSCAP's dpkginfo probe,
// reads to answer Debian's feeds, whose package names and versions are source ones.
std::string source_view_status(const std::vector<SourcePackage>& sources,
                               std::string_view architecture);

}  // namespace imgscap::scan
