// SPDX-License-Identifier: Apache-2.0
// Tests for the failure summary: ordering, --fail-on thresholds, text and JSON forms.
#include <imgscap/report/summary.hpp>
#include <imgscap/util/error.hpp>

#include <gtest/gtest.h>

namespace imgscap::report {
namespace {

Summary sample() {
  Summary s;
  s.image.reference = "oci:/images/x:latest";
  s.image.config_digest = "sha256:" + std::string(64, 'a');
  s.os = {true, "debian", "11", "Debian GNU/Linux 11 (bullseye)"};
  s.content_path = "/c.xml";
  s.content_kind = "source datastream";
  s.content_sha256 = std::string(64, 'b');
  s.profile_id = "xccdf_p";
  s.results.rules = {
      {"r_low_fail", "fail", "low", "Low failing"},
      {"r_high_pass", "pass", "high", "High passing"},
      {"r_med_error", "error", "medium", "Medium error"},
      {"r_high_fail", "fail", "high", "High failing"},
      {"r_na", "notapplicable", "high", "Not applicable"},
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
  EXPECT_EQ(s.exit_code(), 2);
  s.fail_on = FailOn::medium;
  EXPECT_EQ(s.failures().size(), 2U);
  s.fail_on = FailOn::high;
  EXPECT_EQ(s.failures().size(), 1U);
  s.fail_on = FailOn::none;
  EXPECT_TRUE(s.failures().empty());
  EXPECT_EQ(s.exit_code(), 0);
}

TEST(Summary, OnlyPassingHighRulesIsCompliantAtHigh) {
  auto s = sample();
  s.results.rules = {{"a", "pass", "high", "A"}, {"b", "fail", "medium", "B"}};
  s.fail_on = FailOn::high;
  EXPECT_TRUE(s.compliant());
  s.fail_on = FailOn::medium;
  EXPECT_FALSE(s.compliant());
}

TEST(Summary, ParseFailOn) {
  EXPECT_EQ(parse_fail_on("medium"), FailOn::medium);
  EXPECT_THROW(parse_fail_on("critical"), Error);
}

TEST(Summary, TextHasCountsAndRules) {
  const auto text = render_text(sample());
  EXPECT_NE(text.find("2 fail, 1 error, 0 unknown, 1 pass, 1 notapplicable"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Debian GNU/Linux 11 (bullseye)"), std::string::npos);
  EXPECT_LT(text.find("r_high_fail"), text.find("r_low_fail"));
  EXPECT_NE(text.find("NON-COMPLIANT"), std::string::npos);
  EXPECT_EQ(text.find("r_high_pass"), std::string::npos) << "passing rules are not listed";
}

TEST(Summary, UnknownOsIsSaid) {
  auto s = sample();
  s.os = {};
  EXPECT_NE(render_text(s).find("OS:        unknown"), std::string::npos) << render_text(s);
  EXPECT_FALSE(to_json(s)["os"]["known"].get<bool>());
}

TEST(Summary, JsonAgreesWithRules) {
  const auto j = to_json(sample());
  EXPECT_EQ(j["schema_version"], k_summary_schema_version);
  EXPECT_EQ(j["counts"]["fail"], 2);
  EXPECT_EQ(j["rules"].size(), 5U);
  EXPECT_EQ(j["failed_rules"][0]["id"], "r_high_fail");
  EXPECT_EQ(j["exit_code"], 2);
  EXPECT_FALSE(j["compliant"].get<bool>());
  EXPECT_TRUE(j["image"]["manifest_digest"].is_null());
}

}  // namespace
}  // namespace imgscap::report
