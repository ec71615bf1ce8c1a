// SPDX-License-Identifier: Apache-2.0
// The one severity scale of rules and vulnerabilities: its order, its names, the --fail-on
// thresholds, and what the other formats read from it (SARIF's level, GitHub code scanning's
// security-severity score, GitLab's severity names, OpenShift's severityIndex). The model keeps
// the names its sources wrote ("info" for an XCCDF rule, "negligible" for a vulnerability);
// everything that orders, thresholds or translates a severity goes through this header.
#pragma once

#include <array>
#include <string_view>

namespace imgscap::report {

// Best to worst; unknown is no grade at all (see the reaches functions for what it counts as).
enum class Severity { unknown, negligible, low, medium, high, critical };

// Worst first, unknown last: the order of every listing and count by severity.
constexpr std::array<Severity, 6> k_severities_worst_first = {
    Severity::critical, Severity::high,       Severity::medium,
    Severity::low,      Severity::negligible, Severity::unknown};

// XCCDF rule severities (high, medium, low, info, unknown) and normalised vulnerability
// severities (critical, high, medium, low, negligible, unknown); "info" is negligible, anything
// else unknown.
Severity severity_of(std::string_view name);
// "critical", "high", "medium", "low", "negligible", "unknown".
std::string_view severity_name(Severity severity);
// critical 4, high 3, medium 2, low 1, negligible 0, unknown -1.
int severity_rank(Severity severity);

enum class FailOn { low, medium, high, critical, none };
std::string_view fail_on_name(FailOn fail_on);
// Throws imgscap::Error for an unknown name.
FailOn parse_fail_on(std::string_view name);

// Whether a failed rule of this severity fails the scan. XCCDF gives an ungraded rule the
// severity "unknown": it counts like info, only at --fail-on low, so that a benchmark grading
// nothing does not fail every threshold.
bool rule_reaches(Severity severity, FailOn fail_on);
// Whether a vulnerability of this severity fails the scan. One the feed does not grade counts at
// every threshold but none: a distributor's missing grade is no reason to let it through.
bool vulnerability_reaches(Severity severity, FailOn fail_on);

// SARIF result level: error (critical, high), warning (medium, unknown), note (low, negligible).
std::string_view sarif_level(Severity severity);
// GitHub code scanning's properties.security-severity (a CVSS-like score), as Trivy maps grades
// without a score: critical 9.5, high 8.0, medium 5.5, low 2.0. Negligible is 1.0 (GitHub's
// low band starts at 0.1; 0.0 shows as no severity). Unknown is 5.5: --fail-on counts an
// ungraded vulnerability at every threshold, so it must not show as harmless.
std::string_view security_severity_score(Severity severity);
// GitLab security reports: Critical, High, Medium, Low, Info, Unknown.
std::string_view gitlab_severity(Severity severity);

}  // namespace imgscap::report
