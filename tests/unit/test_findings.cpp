// SPDX-License-Identifier: Apache-2.0
// Corrections from rule checks: broken probes make errors with their reason, runtime-only checks
// make "notapplicable", probe messages explain errors, ownership is flagged.
#include <imgscap/report/findings.hpp>

#include <gtest/gtest.h>

namespace imgscap::report {
namespace {

RuleResult rule(const char* id, const char* result) {
  RuleResult r;
  r.id = id;
  r.result = result;
  r.severity = "high";
  return r;
}

RuleChecks checks(std::set<std::string> probes, std::vector<std::string> messages = {},
                  bool ownership = false) {
  return {std::move(probes), std::move(messages), ownership, {}};
}

TEST(Findings, RulesUsingABrokenProbeBecomeErrorsWithTheReason) {
  Results results;
  results.rules = {rule("pkg_removed", "pass"), rule("file_mode", "fail"),
                   rule("pkg_platform_na", "notapplicable")};
  const std::map<std::string, RuleChecks> by_rule = {{"pkg_removed", checks({"dpkginfo"})},
                                                     {"file_mode", checks({"file"})},
                                                     {"pkg_platform_na", checks({"dpkginfo"})}};
  const BrokenProbes broken = {{"dpkginfo", "the dpkg database cannot be read"}};
  const auto changes = apply_findings(results, by_rule, broken);
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].id, "pkg_removed");
  EXPECT_EQ(changes[0].result, "error");
  EXPECT_EQ(results.rules[0].result, "error");
  EXPECT_EQ(results.rules[0].reason, "dpkginfo probe: the dpkg database cannot be read");
  EXPECT_EQ(results.rules[1].result, "fail") << "a file rule is not touched";
  EXPECT_EQ(results.rules[2].result, "notapplicable") << "not applicable by platform stays so";
}

TEST(Findings, RuntimeOnlyRulesDoNotApplyToImages) {
  Results results;
  results.rules = {rule("no_sshd_running", "pass"), rule("sysctl_and_file", "fail"),
                   rule("kernel", "notapplicable")};
  const std::map<std::string, RuleChecks> by_rule = {
      {"no_sshd_running", checks({"process58"})},
      {"sysctl_and_file", checks({"sysctl", "textfilecontent54"})},
      {"kernel", checks({"uname"})}};
  const auto changes = apply_findings(results, by_rule, {});
  ASSERT_EQ(changes.size(), 1U);
  EXPECT_EQ(changes[0].id, "no_sshd_running");
  EXPECT_EQ(results.rules[0].result, "notapplicable");
  EXPECT_TRUE(results.rules[0].runtime_only);
  EXPECT_EQ(results.rules[1].result, "fail") << "its file checks decide";
  EXPECT_FALSE(results.rules[1].runtime_only);
  EXPECT_TRUE(results.rules[2].runtime_only);
  EXPECT_NE(results.rules[2].reason.find("uname"), std::string::npos);
}

TEST(Findings, ProbeMessagesExplainErrorsAndOwnershipIsFlagged) {
  Results results;
  results.rules = {rule("bad_regex", "error"), rule("owner_root", "pass")};
  const std::map<std::string, RuleChecks> by_rule = {
      {"bad_regex", checks({"textfilecontent54"}, {"Invalid regex pattern"})},
      {"owner_root", checks({"file"}, {}, true)}};
  EXPECT_TRUE(apply_findings(results, by_rule, {}).empty());
  EXPECT_EQ(results.rules[0].reason, "Invalid regex pattern");
  EXPECT_TRUE(results.rules[1].uses_ownership);
  EXPECT_EQ(results.rules[1].reason, "");
}

}  // namespace
}  // namespace imgscap::report
