// SPDX-License-Identifier: Apache-2.0
// The failure summary's model: which rules and vulnerabilities fail the scan under --fail-on,
// the verdict and the exit code. Rendered by summary_text.cpp and summary_json.cpp.
#include <imgscap/report/summary.hpp>
#include <imgscap/util/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iterator>

namespace imgscap::report {
namespace {

bool worse(const RuleResult& a, const RuleResult& b) {
  const auto ra = severity_rank(severity_of(a.severity));
  const auto rb = severity_rank(severity_of(b.severity));
  if (ra != rb) {
    return ra > rb;
  }
  if ((a.result == "fail") != (b.result == "fail")) {
    return a.result == "fail";
  }
  return a.id < b.id;
}

std::vector<RuleResult> rules_where(const Results& results,
                                    const std::function<bool(const RuleResult&)>& keep) {
  std::vector<RuleResult> out;
  std::copy_if(results.rules.begin(), results.rules.end(), std::back_inserter(out), keep);
  return out;
}

}  // namespace

std::vector<RuleResult> Summary::problems() const {
  auto out = rules_where(results, [](const RuleResult& r) { return is_failure(r.result); });
  std::sort(out.begin(), out.end(), worse);
  return out;
}

std::vector<RuleResult> Summary::runtime_only() const {
  return rules_where(results, [](const RuleResult& r) { return r.runtime_only; });
}

std::vector<RuleResult> Summary::ownership_dependent() const {
  return rules_where(results, [](const RuleResult& r) {
    return r.uses_ownership && r.result != "notapplicable" && r.result != "notchecked";
  });
}

std::vector<RuleResult> Summary::failures() const {
  auto out = problems();
  std::erase_if(out, [this](const RuleResult& r) {
    return r.waiver || !rule_reaches(severity_of(r.severity), fail_on);
  });
  return out;
}

std::string verdict_name(const Summary& s) {
  switch (static_cast<ExitCode>(s.exit_code())) {
    case ExitCode::incomplete:
      return "incomplete";
    case ExitCode::noncompliant:
      return "non-compliant";
    case ExitCode::cve_unsupported:
      return "no-cve-feed";
    default:
      return "compliant";
  }
}

std::vector<Vulnerability> Summary::vulnerability_failures() const {
  std::vector<Vulnerability> out;
  const bool ignore_unfixed = vulnerabilities.ignore_unfixed;
  std::copy_if(vulnerabilities.results.found.begin(), vulnerabilities.results.found.end(),
               std::back_inserter(out), [this, ignore_unfixed](const Vulnerability& v) {
                 return !v.waiver && vulnerability_reaches(severity_of(v.severity), fail_on) &&
                        !(ignore_unfixed && v.unfixed());
               });
  return out;
}

bool Summary::incomplete() const {
  if (fail_on != FailOn::none) {
    if (vulnerabilities.status == "not_evaluated") {
      return true;
    }
    const auto& open = vulnerabilities.results.not_evaluated;
    if (std::any_of(open.begin(), open.end(), [this](const Vulnerability& v) {
          return !v.waiver && vulnerability_reaches(severity_of(v.severity), fail_on);
        })) {
      return true;
    }
  }
  const auto rules = failures();
  return std::any_of(rules.begin(), rules.end(), [](const RuleResult& r) {
    return r.result == "error" || r.result == "unknown";
  });
}

int Summary::exit_code() const {
  if (incomplete()) {
    return static_cast<int>(ExitCode::incomplete);
  }
  if (!compliant()) {
    return static_cast<int>(ExitCode::noncompliant);
  }
  if (vulnerabilities.status == "unsupported") {
    return static_cast<int>(ExitCode::cve_unsupported);
  }
  return static_cast<int>(ExitCode::compliant);
}

}  // namespace imgscap::report
