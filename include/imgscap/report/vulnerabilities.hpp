// SPDX-License-Identifier: Apache-2.0
// Vulnerabilities read back from the OVAL results of a CVE feed: each vulnerability or patch
// definition found true, with its CVEs, advisory, severity (normalised across distributors) and
// the affected packages with installed and fixed versions where the definition states them.
// Read with a streaming reader: a distributor feed's results can be hundreds of megabytes.
#pragma once

#include <imgscap/report/waiver.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::report {

// An installed binary package built from an affected source package (Debian's feeds).
struct InstalledBinary {
  std::string name;
  std::string version;
  bool operator==(const InstalledBinary&) const = default;
};

struct AffectedPackage {
  std::string name;
  std::string installed;  // the installed evr, as the probe read it
  std::string fixed;      // the first fixed evr the definition states; "" when none (no fix yet)
  // The distributor's state of the package for this vulnerability where the feed states it
  // (Canonical: "needed", "needs-triage", "deferred", "pending", "ignored"), else "".
  std::string state;
  // When `name` is a source package: the installed binaries built from it.
  std::vector<InstalledBinary> binaries;
  bool operator==(const AffectedPackage&) const = default;
};

struct Vulnerability {
  std::string definition_id;
  std::string result;  // OVAL result: "true" (vulnerable), "error", "unknown"
  std::string definition_class;
  std::string title;
  std::vector<std::string> cves;
  std::string advisory;              // RHSA-2024:1234, DSA-5000-1, USN-6000-1, or ""
  std::string severity;              // normalised: critical, high, medium, low, negligible, unknown
  std::string distributor_severity;  // as the feed writes it ("Important"), "" when it has none
  std::vector<AffectedPackage> packages;
  // True, but none of its package tests is: only a release check made it true (Red Hat's "Red
  // Hat Enterprise Linux must be installed" is true where it is not installed).
  bool without_package = false;
  // The waiver in force that covers the definition (by its id or advisory, or every one of its
  // CVEs): still reported, not counted toward the verdict.
  std::optional<Waiver> waiver;
  // Waivers in force of single CVEs (a definition listing ten CVEs still counts while one of
  // them is waived).
  std::map<std::string, Waiver> cve_waivers;

  // No fix yet: every affected package lacks a fixed version (--ignore-unfixed).
  [[nodiscard]] bool unfixed() const;
  // What the CI formats report it as: its CVEs, else its advisory, else its definition id.
  [[nodiscard]] std::vector<std::string> ids() const;
};

struct VulnerabilityResults {
  std::uint64_t definitions = 0;                 // vulnerability and patch definitions evaluated
  std::map<std::string, std::uint64_t> results;  // OVAL result -> definitions
  std::vector<Vulnerability> found;              // result true, worst first
  std::vector<Vulnerability> not_evaluated;      // result error or unknown, worst first
  std::uint64_t without_package = 0;             // found, but without_package
};

// Throws imgscap::Error when the file cannot be read as OVAL results. Only definitions the
// results' own definitions document holds are counted (those OpenSCAP evaluated).
VulnerabilityResults read_vulnerabilities(const std::filesystem::path& oval_results);

// The distributor's state a criterion comment states (Canonical's CVE feeds: "... package in
// jammy is affected and needs fixing."), or "".
std::string distributor_state(std::string_view criterion_comment);

// Red Hat (Critical, Important, Moderate, Low), Ubuntu (critical, high, medium, low,
// negligible, untriaged) and others onto critical, high, medium, low, negligible, unknown.
std::string normalise_vulnerability_severity(std::string_view distributor_severity);

}  // namespace imgscap::report
