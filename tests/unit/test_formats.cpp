// SPDX-License-Identifier: Apache-2.0
// The summary's CI renderers on a made-up summary: what each result says and where (the e2e
// case reads real outputs with the consumers' own validators).
#include <imgscap/report/formats.hpp>
#include <imgscap/util/xml.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgscap::report {
namespace {

using ::testing::HasSubstr;

Summary made_up() {
  Summary s;
  s.image.reference = "/images/app one.tar";
  s.image.transport = "docker-archive";
  s.image.config_digest = "sha256:" + std::string(64, 'c');
  s.os = {true, "debian", "12", "Debian GNU/Linux 12"};
  s.started_at = "2026-12-01T10:00:00Z";
  s.finished_at = "2026-12-01T10:00:05Z";
  Evaluation e;
  e.name = "baseline";
  e.profile_id = "p";
  s.evaluations.push_back(e);
  RuleResult sshd;
  sshd.id = "xccdf_x_rule_sshd";
  sshd.result = "fail";
  sshd.severity = "high";
  sshd.title = "sshd denies root";
  sshd.files = {"/etc/ssh/sshd_config"};
  sshd.evaluation = "baseline";
  RuleResult odd = sshd;
  odd.id = "xccdf_x_rule_odd";
  odd.result = "error";
  odd.severity = "low";
  odd.files = {};
  odd.reason = std::string("probe said \x01 bell");
  RuleResult na = sshd;
  na.id = "xccdf_x_rule_na";
  na.result = "notapplicable";
  s.results.rules = {sshd, odd, na};
  s.vulnerabilities.status = "scanned";
  Vulnerability v;
  v.definition_id = "oval:d:def:1";
  v.result = "true";
  v.cves = {"CVE-2024-1", "CVE-2024-2"};
  v.severity = "critical";
  v.packages = {{"openssl", "3.0.1-1", "3.0.2-1", "", {}}, {"libssl3", "3.0.1-1", "", "", {}}};
  Vulnerability waived = v;
  waived.definition_id = "oval:d:def:2";
  waived.cves = {"CVE-2024-3"};
  waived.waiver = Waiver{"CVE-2024-3", {}, "not reachable", "2999-01-01", "", 1};
  s.vulnerabilities.results.found = {v, waived};
  return s;
}

TEST(Sarif, OneResultPerProblemAndCve) {
  const auto sarif =
      to_sarif(made_up(), {{"xccdf_x_rule_sshd",
                            {"Root may not log in.", "Why.", {{"CCE-1", "https://x.example/1"}}}}});
  const auto& run = sarif.at("runs").at(0);
  const auto& results = run.at("results");
  ASSERT_EQ(results.size(), 5U);  // 2 rules, 2 CVEs of one definition, 1 waived CVE
  for (const auto& r : results) {
    EXPECT_EQ(run["tool"]["driver"]["rules"][r["ruleIndex"].get<std::size_t>()]["id"], r["ruleId"]);
  }
  const auto& sshd = results[0];
  EXPECT_EQ(sshd["level"], "error");
  EXPECT_EQ(sshd["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "etc/ssh/sshd_config");
  const auto& rule = run["tool"]["driver"]["rules"][0];
  EXPECT_EQ(rule["fullDescription"]["text"], "Root may not log in.");
  EXPECT_EQ(rule["helpUri"], "https://x.example/1");
  EXPECT_EQ(rule["properties"]["security-severity"], "8.0");
  // Without a file the image is the location, as a URI with its transport.
  EXPECT_EQ(results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "images/app%20one.tar");
  EXPECT_EQ(results[2]["ruleId"], "CVE-2024-1");
  EXPECT_EQ(results[2]["properties"]["definitionId"], "oval:d:def:1");
  EXPECT_FALSE(results[2].contains("suppressions"));
  EXPECT_EQ(results[4]["suppressions"][0]["status"], "accepted");
  EXPECT_EQ(results[4]["properties"]["failsScan"], false);
}

TEST(Junit, SuitesCountWhatTheyHold) {
  const auto doc = util::xml::parse_memory(to_junit(made_up()), "junit");
  const auto suites = util::xml::select(doc.get(), "/testsuites/testsuite");
  ASSERT_EQ(suites.size(), 2U);
  EXPECT_EQ(util::xml::attribute(suites[0], "tests"), "3");
  EXPECT_EQ(util::xml::attribute(suites[0], "failures"), "1");
  EXPECT_EQ(util::xml::attribute(suites[0], "errors"), "1");
  EXPECT_EQ(util::xml::attribute(suites[0], "skipped"), "1");
  EXPECT_EQ(util::xml::attribute(suites[1], "failures"), "1");
  EXPECT_EQ(util::xml::attribute(suites[1], "skipped"), "1");  // the waived one
  const auto error = util::xml::select(doc.get(), "//error")[0];
  EXPECT_THAT(util::xml::text(error), HasSubstr("probe said \xEF\xBF\xBD bell"));
}

TEST(GitLab, OneVulnerabilityPerCveAndPackageLeavingWaivedOut) {
  const auto report = to_gitlab_container_scanning(made_up());
  EXPECT_EQ(report["version"], "15.2.1");
  EXPECT_EQ(report["scan"]["start_time"], "2026-12-01T10:00:00");
  const auto& vulns = report["vulnerabilities"];
  ASSERT_EQ(vulns.size(), 4U);
  EXPECT_EQ(vulns[0]["severity"], "Critical");
  EXPECT_EQ(vulns[0]["solution"], "Upgrade openssl to 3.0.2-1.");
  EXPECT_EQ(vulns[1]["solution"], "No fix for libssl3 yet.");
  EXPECT_EQ(vulns[0]["location"]["operating_system"], "debian 12");
  EXPECT_NE(vulns[0]["id"], vulns[1]["id"]);
  auto off = made_up();
  off.vulnerabilities.status = "unsupported";
  off.vulnerabilities.reason = "no feed for this OS";
  EXPECT_EQ(to_gitlab_container_scanning(off)["scan"]["status"], "failure");
}

}  // namespace
}  // namespace imgscap::report
