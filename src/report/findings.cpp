// SPDX-License-Identifier: Apache-2.0
// apply_findings: broken probes make errors, runtime-only checks make "notapplicable", probe
// messages become reasons.
#include <imgscap/report/findings.hpp>
#include <imgscap/scan/facts.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace imgscap::report {
namespace {

bool decided(std::string_view result) {
  return result == "pass" || result == "fail" || result == "unknown" || result == "error";
}

// The reason of the first broken probe the rule uses, or "".
std::string broken_reason(const RuleChecks& checks, const BrokenProbes& broken) {
  for (const auto& probe : checks.probes) {
    if (const auto it = broken.find(probe); it != broken.end()) {
      return fmt::format("{} probe: {}", probe, it->second);
    }
  }
  return {};
}

bool only_runtime(const RuleChecks& checks) {
  return !checks.probes.empty() &&
         std::all_of(checks.probes.begin(), checks.probes.end(),
                     [](const std::string& p) { return is_runtime_probe(p); });
}

}  // namespace

std::vector<ResultChange> apply_findings(Results& results,
                                         const std::map<std::string, RuleChecks>& checks,
                                         const BrokenProbes& broken) {
  std::vector<ResultChange> changes;
  for (auto& rule : results.rules) {
    const auto it = checks.find(rule.id);
    if (it == checks.end()) {
      continue;
    }
    const auto& rule_checks = it->second;
    rule.uses_ownership = rule_checks.uses_ownership;
    rule.files.clear();
    std::copy_if(rule_checks.files.begin(), rule_checks.files.end(), std::back_inserter(rule.files),
                 [](const std::string& path) { return !scan::is_fact_path(path); });
    rule.runtime_only = only_runtime(rule_checks);
    if (const auto reason = broken_reason(rule_checks, broken); !reason.empty()) {
      rule.reason = reason;
      if (decided(rule.result) && rule.result != "error") {
        rule.result = "error";
        changes.push_back({rule.id, rule.result, reason});
      }
      continue;
    }
    if (rule.runtime_only) {
      rule.reason = fmt::format("checks only the running system ({}); an image has none",
                                fmt::join(rule_checks.probes, ", "));
      if (decided(rule.result)) {
        rule.result = "notapplicable";
        changes.push_back({rule.id, rule.result, rule.reason});
      }
      continue;
    }
    if ((rule.result == "error" || rule.result == "unknown") && !rule_checks.messages.empty()) {
      rule.reason = fmt::format("{}", fmt::join(rule_checks.messages, "; "));
    }
  }
  return changes;
}

}  // namespace imgscap::report
