// SPDX-License-Identifier: Apache-2.0
// Waivers: the file's format and its errors (naming the line), which findings a waiver covers,
// expiry, image globs, and what a waived finding does to the verdict and the summary.
#include <imgscap/report/summary.hpp>
#include <imgscap/report/waivers.hpp>
#include <imgscap/util/error.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace imgscap::report {
namespace {

using ::testing::HasSubstr;

std::string error_of(std::string_view text) {
  try {
    parse_waivers(text, "w.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Waivers, ReadsEveryField) {
  const auto w = parse_waivers(R"(# accepted findings
waivers:
  - id: accounts_tmout
    images: ["registry.example/app:*", "sha256:4f2a*"]
    reason: sessions are ended by the proxy
    expires: 2027-03-31
    owner: platform-team
  - id: CVE-2024-1
    images: oci:*
    reason: r
    expires: 2026-12-01
)",
                               "w.yaml");
  ASSERT_EQ(w.entries.size(), 2U);
  EXPECT_EQ(w.entries[0], (Waiver{"accounts_tmout",
                                  {"registry.example/app:*", "sha256:4f2a*"},
                                  "sessions are ended by the proxy",
                                  "2027-03-31",
                                  "platform-team",
                                  3}));
  EXPECT_EQ(w.entries[1].images, std::vector<std::string>{"oci:*"});
  EXPECT_EQ(w.entries[1].line, 8);
  EXPECT_EQ(w.sha256.size(), 64U);
  EXPECT_TRUE(parse_waivers("", "w.yaml").entries.empty());
  EXPECT_TRUE(parse_waivers("waivers:\n", "w.yaml").entries.empty());
}

TEST(Waivers, MalformedFilesNameTheLine) {
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    reason: r\n    expires: 2027-01-01\n    x: 1\n"),
              HasSubstr("w.yaml: line 5: unknown key \"x\""));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    expires: 2027-01-01\n"),
              HasSubstr("w.yaml: line 2: the waiver has no \"reason\""));
  EXPECT_THAT(error_of("waivers:\n  - reason: r\n    expires: 2027-01-01\n"),
              HasSubstr("line 2: the waiver has no \"id\""));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    reason: r\n"),
              HasSubstr("line 2: the waiver has no \"expires\""));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    reason: r\n    expires: 2027-02-30\n"),
              HasSubstr("line 4: \"expires\" must be a date YYYY-MM-DD (got \"2027-02-30\")"));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    reason: [r\n"), HasSubstr("w.yaml: line "));
  EXPECT_THAT(error_of("ignore:\n  - id: a\n"), HasSubstr("line 1: unknown key \"ignore\""));
  EXPECT_THAT(error_of("- id: a\n"), HasSubstr("line 1: expected a mapping"));
  EXPECT_THAT(error_of("waivers:\n  - just-a-string\n"), HasSubstr("line 2: a waiver must be"));
  EXPECT_THAT(error_of("waivers:\n  - id: [a, b]\n    reason: r\n    expires: 2027-01-01\n"),
              HasSubstr("line 2: \"id\" must be a non-empty text"));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    reason: r\n    expires: 2027-01-01\n"
                       "    images: {a: b}\n"),
              HasSubstr("line 5: \"images\" must be a list of globs"));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    reason: r\n    expires: 2027-01-01\n"
                       "    images: []\n"),
              HasSubstr("line 5: \"images\" is empty"));
  EXPECT_THAT(error_of("waivers:\n  - id: a\n    id: b\n    reason: r\n    expires: 2027-01-01\n"),
              HasSubstr("line 3: \"id\" is given twice"));
  EXPECT_THAT(error_of("waivers:\n  - ? [a]\n    : b\n"),
              HasSubstr("line 2: a key must be a text"));
}

TEST(Waivers, IdsNameRulesAndVulnerabilities) {
  const Waiver by_name{"accounts_tmout", {}, "r", "2999-01-01", "", 1};
  EXPECT_TRUE(names_rule(by_name, "xccdf_org.ssgproject.content_rule_accounts_tmout"));
  EXPECT_TRUE(names_rule(by_name, "accounts_tmout"));
  EXPECT_FALSE(names_rule(by_name, "xccdf_org.ssgproject.content_rule_no_accounts_tmout"));
  EXPECT_FALSE(names_rule(by_name, "xccdf_org.ssgproject.content_rule_accounts_tmout_x"));
  Vulnerability v;
  v.definition_id = "oval:org.debian:def:1";
  v.cves = {"CVE-2024-1", "CVE-2024-2"};
  v.advisory = "DSA-5000-1";
  for (const char* id : {"CVE-2024-2", "oval:org.debian:def:1", "DSA-5000-1"}) {
    EXPECT_TRUE(names_vulnerability({id, {}, "r", "2999-01-01", "", 1}, v)) << id;
  }
  EXPECT_FALSE(names_vulnerability({"CVE-2024-3", {}, "r", "2999-01-01", "", 1}, v));
}

Summary scanned() {
  Summary s;
  s.image.reference = "docker://registry.example/app:1";
  s.image.manifest_digest = "sha256:4f2a" + std::string(60, '0');
  RuleResult fail;
  fail.id = "xccdf_x_rule_a";
  fail.result = "fail";
  fail.severity = "high";
  RuleResult error = fail;
  error.id = "xccdf_x_rule_b";
  error.result = "error";
  s.results.rules = {fail, error};
  s.vulnerabilities.status = "scanned";
  Vulnerability v;
  v.definition_id = "oval:d:def:1";
  v.result = "true";
  v.cves = {"CVE-2024-1"};
  v.severity = "critical";
  s.vulnerabilities.results.found = {v};
  return s;
}

Waivers file_of(std::vector<Waiver> entries) {
  Waivers w;
  w.file = "w.yaml";
  w.entries = std::move(entries);
  return w;
}

TEST(Waivers, WaivedFindingsDoNotCountTowardTheVerdict) {
  auto s = scanned();
  EXPECT_EQ(s.exit_code(), 3);  // the errored rule makes it incomplete
  const ImageWaivers waivers(
      file_of({{"b", {}, "flaky probe", "2026-12-01", "", 1},
               {"a", {"docker://registry.example/*"}, "r", "2999-01-01", "", 2},
               {"CVE-2024-1", {"sha256:4f2a*"}, "r", "2999-01-01", "", 3}}),
      s.image, "2026-12-01");
  // Only the failure is waived: a rule that could not be evaluated leaves the scan incomplete.
  EXPECT_EQ(waive_rules(s.results.rules, waivers).size(), 1U);
  waive_vulnerabilities(s.vulnerabilities.results, waivers);
  EXPECT_TRUE(s.vulnerability_failures().empty());
  ASSERT_EQ(s.failures().size(), 1U);
  EXPECT_EQ(s.failures()[0].id, "xccdf_x_rule_b");
  EXPECT_EQ(s.exit_code(), 3);
  s.results.rules[1].result = "pass";
  EXPECT_EQ(s.exit_code(), 0);
  EXPECT_EQ(s.problems().size(), 1U);  // the waived failure is still reported
  EXPECT_EQ(s.results.rules[0].waiver->line, 2);
}

TEST(Waivers, ExpiredUnusedAndOtherImages) {
  auto s = scanned();
  const ImageWaivers waivers(
      file_of({{"a", {}, "old", "2026-11-30", "", 1},
               {"CVE-2024-1", {"docker://other/*"}, "r", "2999-01-01", "", 2},
               {"zzz", {}, "r", "2999-01-01", "", 3},
               {"b", {}, "r", "2999-01-01", "", 4}}),
      s.image, "2026-12-01");
  waive_rules(s.results.rules, waivers);
  waive_vulnerabilities(s.vulnerabilities.results, waivers);
  EXPECT_FALSE(s.results.rules[0].waiver);                  // expired the day before
  EXPECT_FALSE(s.results.rules[1].waiver);                  // an error is not waived
  EXPECT_FALSE(s.vulnerabilities.results.found[0].waiver);  // scoped to other images
  EXPECT_EQ(s.exit_code(), 3);
  const auto uses = waivers.uses(s.results.rules, s.vulnerabilities.results.found, {});
  ASSERT_EQ(uses.size(), 3U);  // the other image's waiver does not concern this one
  EXPECT_EQ(uses[0].status, "expired");
  EXPECT_EQ(uses[0].findings, std::vector<std::string>{"xccdf_x_rule_a"});
  EXPECT_EQ(uses[1].status, "unused");
  EXPECT_EQ(uses[2].status, "unused");  // it names an errored rule, which it cannot waive
}

TEST(Waivers, OneCveOfADefinitionIsNotTheDefinition) {
  auto s = scanned();
  auto& v = s.vulnerabilities.results.found[0];
  v.cves = {"CVE-2024-1", "CVE-2024-2"};
  const auto waive = [&s](std::vector<Waiver> entries) {
    waive_vulnerabilities(s.vulnerabilities.results,
                          ImageWaivers(file_of(std::move(entries)), s.image, "2026-12-01"));
    return s.vulnerabilities.results.found[0];
  };
  auto one = waive({{"CVE-2024-1", {}, "r", "2999-01-01", "", 1}});
  EXPECT_FALSE(one.waiver);
  EXPECT_EQ(one.cve_waivers.size(), 1U);
  EXPECT_EQ(s.vulnerability_failures().size(), 1U);
  auto both = waive(
      {{"CVE-2024-1", {}, "r", "2999-01-01", "", 1}, {"CVE-2024-2", {}, "r", "2999-01-01", "", 2}});
  EXPECT_TRUE(both.waiver);
  EXPECT_TRUE(s.vulnerability_failures().empty());
  auto by_id = waive({{"oval:d:def:1", {}, "r", "2999-01-01", "", 1}});
  EXPECT_TRUE(by_id.waiver);
  EXPECT_TRUE(by_id.cve_waivers.empty());
}

TEST(Waivers, RegistryImagesMatchByTheirNormalisedName) {
  ImageFacts image;
  image.reference = "docker://debian:12";
  image.registry = "docker.io";
  image.repository = "library/debian";
  image.tag = "12";
  image.manifest_digest = "sha256:" + std::string(64, 'd');
  for (const char* glob : {"docker://debian:*", "docker.io/library/debian:12",
                           "docker.io/library/debian@sha256:ddd*", "sha256:dd*"}) {
    const ImageWaivers w(file_of({{"a", {glob}, "r", "2999-01-01", "", 1}}), image, "2026-12-01");
    EXPECT_FALSE(w.empty()) << glob;
  }
  const ImageWaivers other(
      file_of({{"a", {"docker.io/library/alpine:*"}, "r", "2999-01-01", "", 1}}), image,
      "2026-12-01");
  EXPECT_TRUE(other.empty());
}

TEST(Waivers, StoredStateChangesWhenAWaiverExpires) {
  const auto w = file_of({{"a", {}, "r", "2026-12-01", "", 7}});
  EXPECT_EQ(waivers_state(w, "2026-12-01"), waivers_state(w, "2026-11-01"));
  EXPECT_NE(waivers_state(w, "2026-12-02"), waivers_state(w, "2026-12-01"));
}

TEST(Waivers, SummaryJsonRoundTrip) {
  auto s = scanned();
  const ImageWaivers waivers(file_of({{"a", {"docker://*"}, "r", "2999-01-01", "me", 1},
                                      {"x", {}, "r", "2999-01-01", "", 2}}),
                             s.image, "2026-12-01");
  waive_rules(s.results.rules, waivers);
  s.waivers_file = "w.yaml";
  s.waivers = waivers.uses(s.results.rules, s.vulnerabilities.results.found, {});
  const auto json = to_json(s);
  const auto back = summary_from_json(json);
  EXPECT_EQ(back.results.rules[0].waiver, s.results.rules[0].waiver);
  ASSERT_EQ(back.waivers.size(), 2U);
  EXPECT_EQ(back.waivers[1].status, "unused");
  EXPECT_EQ(to_json(back), json);
  EXPECT_THAT(render_text(s), HasSubstr("WAIVED until 2999-01-01 by me: r"));
  EXPECT_THAT(render_text(s), HasSubstr("unused   x (line 2"));
}

}  // namespace
}  // namespace imgscap::report
