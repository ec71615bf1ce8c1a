// SPDX-License-Identifier: Apache-2.0
// The report's readers on small documents shaped like libopenscap's: vulnerabilities from OVAL
// results (report/vulnerabilities.cpp), what each check looks at (report/checks.cpp) and the
// rules' documentation (report/rule_docs.cpp).
#include <imgscap/report/checks.hpp>
#include <imgscap/report/rule_docs.hpp>
#include <imgscap/report/vulnerabilities.hpp>
#include <imgscap/util/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace imgscap::report {
namespace {

const std::filesystem::path k_data = IMGSCAP_TEST_DATA_DIR;

TEST(Vulnerabilities, ReadsWhatWasFoundAndWhatCouldNotBeEvaluated) {
  const auto r = read_vulnerabilities(k_data / "cve-oval-results.xml");
  EXPECT_EQ(r.definitions, 3U);  // the inventory definition is not a vulnerability
  EXPECT_EQ(r.results.at("true"), 1U);
  EXPECT_EQ(r.results.at("false"), 1U);
  EXPECT_EQ(r.results.at("error"), 1U);
  ASSERT_EQ(r.found.size(), 1U);
  const auto& v = r.found[0];
  EXPECT_EQ(v.definition_id, "oval:com.redhat.rhsa:def:20241");
  EXPECT_EQ(v.advisory, "RHSA-2024:1");
  EXPECT_EQ(v.cves, (std::vector<std::string>{"CVE-2024-0001", "CVE-2024-0002"}));
  EXPECT_EQ(v.severity, "high");
  EXPECT_EQ(v.distributor_severity, "Important");
  ASSERT_EQ(v.packages.size(), 1U);
  EXPECT_EQ(v.packages[0].name, "openssl");
  EXPECT_EQ(v.packages[0].installed, "1:3.0.7-27.el9");
  EXPECT_EQ(v.packages[0].fixed, "1:3.0.7-28.el9");
  EXPECT_FALSE(v.unfixed());
  EXPECT_FALSE(v.without_package);
  ASSERT_EQ(r.not_evaluated.size(), 1U);
  EXPECT_EQ(r.not_evaluated[0].result, "error");
  EXPECT_EQ(r.not_evaluated[0].severity, "medium");
  // Definitions come back with their documentation for SARIF.
  const auto docs = read_rule_docs(k_data / "cve-oval-results.xml", {v.definition_id, "none"});
  ASSERT_EQ(docs.size(), 1U);
  const auto& refs = docs.at(v.definition_id).references;
  ASSERT_EQ(refs.size(), 3U);
  EXPECT_EQ(refs[0].text, "RHSA RHSA-2024:1");
  EXPECT_EQ(refs[0].url, "https://access.redhat.com/errata/RHSA-2024:1");
}

TEST(Vulnerabilities, RefusesOtherDocuments) {
  EXPECT_THROW(read_vulnerabilities(k_data / "checks-oval.xml"), Error);
  EXPECT_THROW(read_vulnerabilities(k_data / "no-such-file.xml"), Error);
}

TEST(Vulnerabilities, DistributorStates) {
  EXPECT_EQ(distributor_state("openssl package in jammy is affected and needs fixing."), "needed");
  EXPECT_EQ(distributor_state("openssl package in jammy, is related to the CVE in some way "
                              "and has been fixed (note: '3.0.2-0ubuntu1.10')."),
            "");
}

TEST(Checks, WhatEachDefinitionLooksAt) {
  const auto checks = read_content_checks(k_data / "checks-oval.xml");
  ASSERT_EQ(checks.size(), 3U);
  const auto& sshd = checks.at("oval:t:def:1");
  EXPECT_EQ(sshd.probes, std::set<std::string>{"textfilecontent54"});
  EXPECT_EQ(sshd.files, std::vector<std::string>{"/etc/ssh/sshd_config"});
  EXPECT_FALSE(sshd.uses_ownership);
  const auto& owners = checks.at("oval:t:def:2");
  EXPECT_EQ(owners.probes, std::set<std::string>{"file"});
  EXPECT_TRUE(owners.uses_ownership);
  // The literal path + filename is named; the pattern is not.
  EXPECT_EQ(owners.files, std::vector<std::string>{"/etc/shadow"});
  const auto& kernel = checks.at("oval:t:def:3");
  EXPECT_EQ(kernel.probes, std::set<std::string>{"uname"});
  EXPECT_TRUE(kernel.files.empty());
  EXPECT_TRUE(is_runtime_probe("uname"));
  EXPECT_FALSE(is_runtime_probe("textfilecontent54"));
  EXPECT_TRUE(is_chroot_probe("rpminfo"));
  EXPECT_TRUE(is_dpkg_probe("dpkginfo"));
  EXPECT_TRUE(is_rpm_probe("rpmverifyfile"));
}

TEST(RuleDocs, DefinitionDescriptions) {
  const auto docs = read_rule_docs(k_data / "checks-oval.xml", {"oval:t:def:1"});
  EXPECT_EQ(docs.at("oval:t:def:1").description, "sshd disables root login");
}

}  // namespace
}  // namespace imgscap::report
