// SPDX-License-Identifier: Apache-2.0
// Rule results read back from what libopenscap wrote (ARF for XCCDF content, OVAL results for
// OVAL content), so the summary always agrees with the results file.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::report {

struct RuleResult {
  std::string id;
  std::string result;    // XCCDF result text: pass, fail, error, unknown, notapplicable, ...
  std::string severity;  // high, medium, low, info, unknown
  std::string title;
};

struct Results {
  std::string test_result_id;
  std::string profile_id;
  std::string target;
  std::string start_time;
  std::string end_time;
  std::vector<RuleResult> rules;  // in document order
  [[nodiscard]] std::map<std::string, int> counts() const;
};

// Reads an ARF (asset-report-collection) file. Throws imgscap::Error when it cannot be parsed or
// holds no XCCDF TestResult.
Results read_arf(const std::filesystem::path& arf);

// Reads an OVAL results file; each definition becomes a rule. compliance: true=pass,
// false=fail; vulnerability/patch: true=fail, false=pass; inventory/miscellaneous: informational.
Results read_oval_results(const std::filesystem::path& file);

// 3 high, 2 medium, 1 low, 0 anything else.
int severity_rank(std::string_view severity);

// Results that count against compliance: fail, error, unknown.
bool is_failure(std::string_view result);

}  // namespace imgscap::report
