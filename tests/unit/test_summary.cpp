// SPDX-License-Identifier: Apache-2.0
// Tests for the failure summary: ordering, --fail-on thresholds, text and JSON forms.
#include <imgscap/report/summary.hpp>
#include <imgscap/util/error.hpp>

#include <gtest/gtest.h>

namespace imgscap::report {
namespace {

RuleResult rule(const char* id, const char* result, const char* severity, const char* title) {
  RuleResult r;
  r.id = id;
  r.result = result;
  r.severity = severity;
  r.title = title;
  return r;
}

Summary sample() {
  Summary s;
  s.image.reference = "oci:/images/x:latest";
  s.image.config_digest = "sha256:" + std::string(64, 'a');
  s.os = {true, "debian", "11", "Debian GNU/Linux 11 (bullseye)"};
  Evaluation e;
  e.name = "c";
  e.content_path = "/c.xml";
  e.content_kind = "source datastream";
  e.content_sha256 = std::string(64, 'b');
  e.profile_id = "xccdf_p";
  s.evaluations.push_back(e);
  s.results.rules = {
      rule("r_low_fail", "fail", "low", "Low failing"),
      rule("r_high_pass", "pass", "high", "High passing"),
      rule("r_med_error", "error", "medium", "Medium error"),
      rule("r_high_fail", "fail", "high", "High failing"),
      rule("r_na", "notapplicable", "high", "Not applicable"),
  };
  return s;
}

TEST(Summary, ProblemsAreWorstFirst) {
  const auto problems = sample().problems();
  ASSERT_EQ(problems.size(), 3U);
  EXPECT_EQ(problems[0].id, "r_high_fail");
  EXPECT_EQ(problems[1].id, "r_med_error");
  EXPECT_EQ(problems[2].id, "r_low_fail");
}

TEST(Summary, FailOnThresholds) {
  auto s = sample();
  s.fail_on = FailOn::low;
  EXPECT_EQ(s.failures().size(), 3U);
  EXPECT_EQ(s.exit_code(), 3) << "a medium rule errored: incomplete comes first";
  s.fail_on = FailOn::medium;
  EXPECT_EQ(s.failures().size(), 2U);
  EXPECT_EQ(s.exit_code(), 3);
  s.fail_on = FailOn::high;
  EXPECT_EQ(s.failures().size(), 1U);
  EXPECT_EQ(s.exit_code(), 2) << "the errored rule is below the threshold";
  s.fail_on = FailOn::none;
  EXPECT_TRUE(s.failures().empty());
  EXPECT_EQ(s.exit_code(), 0);
}

TEST(Summary, ErroredRuleWithoutFailuresIsIncomplete) {
  auto s = sample();
  s.results.rules = {rule("a", "pass", "high", "A"), rule("b", "error", "low", "B")};
  EXPECT_TRUE(s.incomplete());
  EXPECT_FALSE(s.compliant());
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_NE(render_text(s).find("Verdict: INCOMPLETE"), std::string::npos) << render_text(s);
}

TEST(Summary, OnlyPassingHighRulesIsCompliantAtHigh) {
  auto s = sample();
  s.results.rules = {rule("a", "pass", "high", "A"), rule("b", "fail", "medium", "B")};
  s.fail_on = FailOn::high;
  EXPECT_TRUE(s.compliant());
  s.fail_on = FailOn::medium;
  EXPECT_FALSE(s.compliant());
}

TEST(Summary, ParseFailOn) {
  EXPECT_EQ(parse_fail_on("medium"), FailOn::medium);
  EXPECT_EQ(parse_fail_on("critical"), FailOn::critical);
  EXPECT_THROW(parse_fail_on("severe"), Error);
}

TEST(Summary, TextHasCountsAndRules) {
  const auto text = render_text(sample());
  EXPECT_NE(text.find("2 fail, 1 error, 0 unknown, 1 pass, 1 notapplicable"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Debian GNU/Linux 11 (bullseye)"), std::string::npos);
  EXPECT_LT(text.find("r_high_fail"), text.find("r_low_fail"));
  EXPECT_NE(text.find("Verdict: INCOMPLETE"), std::string::npos) << "a medium rule errored";
  EXPECT_EQ(text.find("r_high_pass"), std::string::npos) << "passing rules are not listed";
}

TEST(Summary, ReasonsRuntimeRulesAndOwnershipAreShown) {
  auto s = sample();
  s.results.rules[2].reason = "dpkginfo probe: the dpkg database cannot be read";
  s.results.rules[4].runtime_only = true;
  s.results.rules[1].uses_ownership = true;
  s.sandbox.ownership_kept = false;
  s.sandbox.ownership_limit = "no subordinate ids";
  const auto text = render_text(s);
  EXPECT_NE(text.find("reason: dpkginfo probe: the dpkg database cannot be read"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1 rule check only a running system"), std::string::npos) << text;
  EXPECT_NE(text.find("These 1 rule results compare file owners"), std::string::npos) << text;
  EXPECT_NE(text.find("pass          r_high_pass"), std::string::npos) << text;
  const auto j = to_json(s);
  EXPECT_EQ(j["runtime_only_rules"], nlohmann::json::array({"r_na"}));
  EXPECT_EQ(j["ownership_dependent_rules"], nlohmann::json::array({"r_high_pass"}));
  EXPECT_EQ(j["rules"][2]["reason"], "dpkginfo probe: the dpkg database cannot be read");
}

TEST(Summary, UnknownOsIsSaid) {
  auto s = sample();
  s.os = {};
  EXPECT_NE(render_text(s).find("OS:        unknown"), std::string::npos) << render_text(s);
  EXPECT_FALSE(to_json(s)["os"]["known"].get<bool>());
}

TEST(Summary, SeveralEvaluationsAreShownApartAndCountedTogether) {
  auto s = sample();
  Evaluation second;
  second.name = "baseline";
  second.content_path = "/b.xml";
  second.content_kind = "source datastream";
  second.reason = "always evaluated";
  second.counts = {{"pass", 1}};
  s.evaluations.push_back(second);
  auto extra = rule("b_pass", "pass", "low", "B");
  extra.evaluation = "baseline";
  s.results.rules.push_back(extra);
  s.content_notes = {"no SCAP Security Guide content is known for X"};
  const auto text = render_text(s);
  EXPECT_NE(text.find("Content:   [c] /c.xml"), std::string::npos) << text;
  EXPECT_NE(text.find("Content:   [baseline] /b.xml"), std::string::npos) << text;
  EXPECT_NE(text.find("always evaluated"), std::string::npos) << text;
  EXPECT_NE(text.find("Total:     2 fail, 1 error, 0 unknown, 2 pass"), std::string::npos) << text;
  EXPECT_NE(text.find("Content:   no SCAP Security Guide content is known for X"),
            std::string::npos)
      << text;
  const auto j = to_json(s);
  EXPECT_EQ(j["evaluations"].size(), 2U);
  EXPECT_EQ(j["evaluations"][1]["name"], "baseline");
  EXPECT_EQ(j["rules"].back()["evaluation"], "baseline");
  EXPECT_EQ(j["counts"]["pass"], 2);
}

TEST(Summary, UnknownOsVerdictSaysSo) {
  auto s = sample();
  s.os = {};
  s.results.rules = {rule("a", "pass", "low", "A")};
  const auto text = render_text(s);
  EXPECT_NE(text.find("Verdict: COMPLIANT"), std::string::npos) << text;
  EXPECT_NE(text.find("the OS is unknown, so only OS-independent rules were evaluated"),
            std::string::npos)
      << text;
}

TEST(Summary, JsonAgreesWithRules) {
  const auto j = to_json(sample());
  EXPECT_EQ(j["schema_version"], k_summary_schema_version);
  EXPECT_EQ(j["counts"]["fail"], 2);
  EXPECT_EQ(j["rules"].size(), 5U);
  EXPECT_EQ(j["failed_rules"][0]["id"], "r_high_fail");
  EXPECT_EQ(j["exit_code"], 3);
  EXPECT_TRUE(j["incomplete"].get<bool>());
  EXPECT_EQ(j["verdict"], "incomplete");
  EXPECT_EQ(j["evaluations"][0]["content"]["path"], "/c.xml");
  EXPECT_FALSE(j["compliant"].get<bool>());
  EXPECT_TRUE(j["image"]["manifest_digest"].is_null());
}

Vulnerability vulnerability(const char* cve, const char* severity, const char* result = "true") {
  Vulnerability v;
  v.definition_id = std::string("oval:x:def:") + cve;
  v.result = result;
  v.cves = {cve};
  v.severity = severity;
  v.packages = {{"openssl", "1:3.0.7-27.el9", "1:3.0.7-28.el9", "", {}}};
  return v;
}

// A summary whose rules all passed, with a CVE scan.
Summary with_cves(std::vector<Vulnerability> found, FailOn fail_on) {
  auto s = sample();
  s.results.rules = {rule("a", "pass", "high", "A")};
  s.fail_on = fail_on;
  s.vulnerabilities.status = "scanned";
  s.vulnerabilities.results.found = std::move(found);
  return s;
}

TEST(Summary, VulnerabilitiesMeetTheThresholdBySeverity) {
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "medium")}, FailOn::low).exit_code(), 2);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "medium")}, FailOn::medium).exit_code(), 2);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "medium")}, FailOn::high).exit_code(), 0);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "high")}, FailOn::critical).exit_code(), 0);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "critical")}, FailOn::critical).exit_code(), 2);
  // A feed that states no severity (Debian's) counts at every threshold but none.
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "unknown")}, FailOn::critical).exit_code(), 2);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "unknown")}, FailOn::none).exit_code(), 0);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "negligible")}, FailOn::low).exit_code(), 2);
  EXPECT_EQ(with_cves({vulnerability("CVE-1", "negligible")}, FailOn::medium).exit_code(), 0);
  EXPECT_EQ(with_cves({}, FailOn::low).exit_code(), 0);
}

TEST(Summary, CveScanOutcomesHaveTheirExitCodes) {
  auto s = with_cves({}, FailOn::low);
  s.vulnerabilities.results.not_evaluated = {vulnerability("CVE-2", "high", "error")};
  EXPECT_EQ(s.exit_code(), 3);
  s = with_cves({}, FailOn::low);
  s.vulnerabilities.status = "not_evaluated";
  s.vulnerabilities.reason = "the rpminfo probe cannot read the database";
  EXPECT_EQ(s.exit_code(), 3);
  EXPECT_NE(render_text(s).find("NOT EVALUATED: the rpminfo probe"), std::string::npos);
  s = with_cves({}, FailOn::none);
  s.vulnerabilities.status = "unsupported";
  s.vulnerabilities.reason = "no CVE feed for Alpine";
  EXPECT_EQ(s.exit_code(), 4);  // not about findings: --fail-on none does not hide it
  EXPECT_EQ(verdict_name(s), "no-cve-feed");
  s.results.rules = {rule("a", "fail", "high", "A")};
  s.fail_on = FailOn::low;
  EXPECT_EQ(s.exit_code(), 2);  // a failure found outranks the missing feed
}

TEST(Summary, VulnerabilitiesInTextAndJson) {
  auto s = with_cves({vulnerability("CVE-2024-1", "critical")}, FailOn::high);
  s.vulnerabilities.results.found[0].advisory = "RHSA-2024:1";
  s.vulnerabilities.feed.name = "rhel-9";
  s.vulnerabilities.feed.how = "downloaded";
  const auto text = render_text(s);
  EXPECT_NE(text.find("RHSA-2024:1  CVE-2024-1"), std::string::npos) << text;
  EXPECT_NE(text.find("openssl: installed 1:3.0.7-27.el9, fixed in 1:3.0.7-28.el9"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1 vulnerability at or above it found"), std::string::npos) << text;
  const auto j = to_json(s);
  EXPECT_EQ(j["vulnerabilities"]["counts"]["critical"], 1);
  EXPECT_EQ(j["vulnerabilities"]["found"][0]["packages"][0]["fixed"], "1:3.0.7-28.el9");
  EXPECT_EQ(j["vulnerabilities"]["failing"], 1);
  EXPECT_EQ(j["exit_code"], 2);
}

// What summary.json holds reads back into the same summary: written again, byte for byte.
TEST(Summary, JsonReadsBackToTheSameSummary) {
  auto s = with_cves({vulnerability("CVE-2024-1", "critical"), vulnerability("CVE-2024-2", "low")},
                     FailOn::high);
  auto& v = s.vulnerabilities;
  v.results.found[0].packages[0].binaries = {{"libssl3", "3.0.7-27"}};
  v.results.found[1].without_package = true;
  v.results.not_evaluated.push_back(vulnerability("CVE-2024-3", "high"));
  v.feed = {"rhel-9",
            "https://example/f.xml",
            "download",
            "https://example/f.xml",
            "/c/f.xml",
            std::string(64, 'c'),
            "2026-01-01T00:00:00",
            "downloaded",
            42,
            9,
            "binary"};
  v.warnings = {"w"};
  v.failed_release_checks = {"\"x\" is false"};
  v.files = {{"report", "/o/cve-report.html"}};
  s.image.layers = {{"sha256:1", "sha256:2", 10, "gzip"}};
  s.image.manifest_digest = "sha256:" + std::string(64, 'd');
  s.container_marker = "run/.containerenv";
  s.results.rules[0].reason = "because";
  s.results.rules[1].runtime_only = true;
  s.notes = {"a note"};
  s.timings = {{"total", 1.5}};
  s.peak_rss_kb = {{"unpack", 100}};
  const auto written = to_json(s);
  const auto read = summary_from_json(written);
  EXPECT_EQ(to_json(read).dump(), written.dump());
  EXPECT_EQ(read.vulnerabilities.results.without_package, 1U);
  EXPECT_EQ(read.exit_code(), s.exit_code());
  auto other = written;
  other["schema_version"] = 99;
  EXPECT_THROW(summary_from_json(other), Error);
  other = written;
  other.erase("rules");
  EXPECT_THROW(summary_from_json(other), Error);
}

TEST(Severity, DistributorWordsAreNormalised) {
  EXPECT_EQ(normalise_vulnerability_severity("Critical"), "critical");
  EXPECT_EQ(normalise_vulnerability_severity("Important"), "high");
  EXPECT_EQ(normalise_vulnerability_severity("Moderate"), "medium");
  EXPECT_EQ(normalise_vulnerability_severity("Low"), "low");
  EXPECT_EQ(normalise_vulnerability_severity("high"), "high");
  EXPECT_EQ(normalise_vulnerability_severity("negligible"), "negligible");
  EXPECT_EQ(normalise_vulnerability_severity("untriaged"), "unknown");
  EXPECT_EQ(normalise_vulnerability_severity(""), "unknown");
  EXPECT_EQ(severity_of(normalise_vulnerability_severity("untriaged")), Severity::unknown);
}

TEST(Severity, NamesOrderAndThresholds) {
  EXPECT_EQ(severity_of("info"), Severity::negligible);
  EXPECT_EQ(severity_of("High"), Severity::unknown);  // the model's names are lower case
  for (const auto severity : k_severities_worst_first) {
    EXPECT_EQ(severity_of(severity_name(severity)), severity);
  }
  EXPECT_GT(severity_rank(Severity::critical), severity_rank(Severity::high));
  EXPECT_GT(severity_rank(Severity::negligible), severity_rank(Severity::unknown));
  // An ungraded rule counts only at low; an ungraded vulnerability at every threshold.
  EXPECT_TRUE(rule_reaches(Severity::unknown, FailOn::low));
  EXPECT_FALSE(rule_reaches(Severity::unknown, FailOn::medium));
  EXPECT_TRUE(vulnerability_reaches(Severity::unknown, FailOn::critical));
  EXPECT_FALSE(vulnerability_reaches(Severity::unknown, FailOn::none));
  EXPECT_TRUE(rule_reaches(Severity::high, FailOn::high));
  EXPECT_FALSE(rule_reaches(Severity::high, FailOn::critical));
  EXPECT_FALSE(rule_reaches(Severity::critical, FailOn::none));
  EXPECT_TRUE(vulnerability_reaches(Severity::negligible, FailOn::low));
  EXPECT_FALSE(vulnerability_reaches(Severity::low, FailOn::medium));
}

TEST(Severity, WhatOtherFormatsRead) {
  EXPECT_EQ(sarif_level(Severity::critical), "error");
  EXPECT_EQ(sarif_level(Severity::high), "error");
  EXPECT_EQ(sarif_level(Severity::medium), "warning");
  EXPECT_EQ(sarif_level(Severity::low), "note");
  EXPECT_EQ(security_severity_score(Severity::critical), "9.5");
  EXPECT_EQ(security_severity_score(Severity::high), "8.0");
  EXPECT_EQ(security_severity_score(Severity::medium), "5.5");
  EXPECT_EQ(security_severity_score(Severity::low), "2.0");
  EXPECT_EQ(gitlab_severity(Severity::negligible), "Info");
  EXPECT_EQ(gitlab_severity(Severity::unknown), "Unknown");
}

}  // namespace
}  // namespace imgscap::report
