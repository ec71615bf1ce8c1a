// SPDX-License-Identifier: Apache-2.0
#include <imgscap/report/severity.hpp>
#include <imgscap/util/error.hpp>

namespace imgscap::report {
namespace {

struct Grade {
  Severity severity;
  std::string_view name;
  int rank;
  std::string_view sarif_level;
  std::string_view score;
  std::string_view gitlab;
};

constexpr std::array<Grade, 6> k_grades = {{
    {Severity::critical, "critical", 4, "error", "9.5", "Critical"},
    {Severity::high, "high", 3, "error", "8.0", "High"},
    {Severity::medium, "medium", 2, "warning", "5.5", "Medium"},
    {Severity::low, "low", 1, "note", "2.0", "Low"},
    {Severity::negligible, "negligible", 0, "note", "1.0", "Info"},
    {Severity::unknown, "unknown", -1, "warning", "5.5", "Unknown"},
}};

const Grade& grade(Severity severity) {
  for (const auto& g : k_grades) {
    if (g.severity == severity) {
      return g;
    }
  }
  return k_grades.back();
}

// The lowest rank that fails the scan; none fails nothing.
int threshold(FailOn fail_on) {
  switch (fail_on) {
    case FailOn::low:
      return 0;
    case FailOn::medium:
      return 2;
    case FailOn::high:
      return 3;
    case FailOn::critical:
      return 4;
    case FailOn::none:
      break;
  }
  return 99;
}

}  // namespace

Severity severity_of(std::string_view name) {
  if (name == "info") {
    return Severity::negligible;
  }
  for (const auto& g : k_grades) {
    if (g.name == name) {
      return g.severity;
    }
  }
  return Severity::unknown;
}

std::string_view severity_name(Severity severity) { return grade(severity).name; }
int severity_rank(Severity severity) { return grade(severity).rank; }

std::string_view fail_on_name(FailOn fail_on) {
  switch (fail_on) {
    case FailOn::low:
      return "low";
    case FailOn::medium:
      return "medium";
    case FailOn::high:
      return "high";
    case FailOn::critical:
      return "critical";
    case FailOn::none:
      return "none";
  }
  return "low";
}

FailOn parse_fail_on(std::string_view name) {
  for (const auto value :
       {FailOn::low, FailOn::medium, FailOn::high, FailOn::critical, FailOn::none}) {
    if (fail_on_name(value) == name) {
      return value;
    }
  }
  fail("--fail-on must be one of low, medium, high, critical, none (got \"{}\")", name);
}

bool rule_reaches(Severity severity, FailOn fail_on) {
  const int rank = severity == Severity::unknown ? 0 : severity_rank(severity);
  return rank >= threshold(fail_on);
}

bool vulnerability_reaches(Severity severity, FailOn fail_on) {
  if (fail_on == FailOn::none) {
    return false;
  }
  return severity == Severity::unknown || severity_rank(severity) >= threshold(fail_on);
}

std::string_view sarif_level(Severity severity) { return grade(severity).sarif_level; }
std::string_view security_severity_score(Severity severity) { return grade(severity).score; }
std::string_view gitlab_severity(Severity severity) { return grade(severity).gitlab; }

}  // namespace imgscap::report
