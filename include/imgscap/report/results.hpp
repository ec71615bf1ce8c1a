// SPDX-License-Identifier: Apache-2.0
// Rule results read back from what libopenscap wrote (ARF for XCCDF content, OVAL results for
// OVAL content), so the summary always agrees with the results file.
#pragma once

#include <imgscap/report/checks.hpp>
#include <imgscap/report/waiver.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::report {

struct RuleResult {
  std::string id;
  std::string result;    // XCCDF result text: pass, fail, error, unknown, notapplicable, ...
  std::string severity;  // high, medium, low, info, unknown
  std::string title;
  std::string reason;              // why it errored or does not apply, when known
  bool runtime_only = false;       // its checks look only at a running system
  bool uses_ownership = false;     // its checks compare file owners
  std::vector<std::string> files;  // the files its checks name by a literal path
  std::string evaluation;          // the name of the Evaluation it belongs to
  // The waiver in force that covers it: still reported, not counted toward the verdict.
  std::optional<Waiver> waiver;
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

enum class ResultsKind { arf, oval };

// A results file as libopenscap wrote it, open for reading and for the corrections imgscap makes
// (rules whose probe could not be trusted become errors, with the reason as a message).
class ResultsFile {
 public:
  // Parses the file. Throws imgscap::Error when it cannot be parsed.
  ResultsFile(std::filesystem::path path, ResultsKind kind);
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;
  ~ResultsFile();

  // The rule results (see read_arf / read_oval_results).
  [[nodiscard]] Results results() const;
  // What each rule's OVAL checks look at.
  [[nodiscard]] std::map<std::string, RuleChecks> checks() const;
  // Sets a rule's result (XCCDF result text) and, in ARF, adds `message` to its rule-result.
  void set_result(const std::string& id, const std::string& result, const std::string& message);
  // Records an XCCDF override in the ARF's rule-result (old result, new result, remark,
  // authority, time) and sets its result to `new_result`, so that the standard report shows the
  // rule as waived. Nothing for OVAL results (they have no overrides).
  void add_override(const std::string& id, const std::string& new_result,
                    const std::string& authority, const std::string& remark,
                    const std::string& time);
  // Names what was evaluated in the ARF's TestResult <target> (and so in the HTML report's
  // "Evaluation target"): OpenSCAP puts the image's /etc/hostname there, which debootstrap
  // copies from the machine that built the image. Nothing for OVAL results.
  void set_target(const std::string& target);
  // Writes the document back to its file when something was set.
  void save();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Reads an ARF (asset-report-collection) file. Throws imgscap::Error when it cannot be parsed or
// holds no XCCDF TestResult.
Results read_arf(const std::filesystem::path& arf);

// Reads an OVAL results file; each definition becomes a rule. compliance: true=pass,
// false=fail; vulnerability/patch: true=fail, false=pass; inventory/miscellaneous: informational.
Results read_oval_results(const std::filesystem::path& file);

// Results that count against compliance: fail, error, unknown.
bool is_failure(std::string_view result);

}  // namespace imgscap::report
