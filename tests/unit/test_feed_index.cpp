// SPDX-License-Identifier: Apache-2.0
// Tests for feed indexes (build, load, damage), settling definitions over absent packages, and
// the subset of a feed OpenSCAP is given. Whether a settled result is the one OpenSCAP gives is
// checked end to end against OpenSCAP itself (tests/e2e/cve_parity.py); these tests pin what is
// settled and what is left to OpenSCAP.
#include "support/temp_dir.hpp"

#include <imgscap/feeds/file_needs.hpp>
#include <imgscap/feeds/index.hpp>
#include <imgscap/feeds/settle.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/xml.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

// Definitions over dpkg packages "absent" (not installed), "present" (installed) and the
// release test tst:1; each definition's expected fate in its title.
constexpr const char* k_feed = R"(<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"
    xmlns:lin="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <generator><oval:schema_version>5.11.2</oval:schema_version>
    <oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
  <definitions>
    <definition class="vulnerability" id="oval:t:def:1" version="1"><metadata><title>settled: AND with an absent package</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:1" comment="release"/><criterion test_ref="oval:t:tst:10"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:2" version="2"><metadata><title>open: OR with the release test</title></metadata>
      <criteria operator="OR"><criterion test_ref="oval:t:tst:1" comment="release"/><criterion test_ref="oval:t:tst:10"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:3" version="1"><metadata><title>open: a negated absent test is true</title></metadata>
      <criteria><criterion negate="true" test_ref="oval:t:tst:10"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:4" version="1"><metadata><title>settled: none_exist negated</title></metadata>
      <criteria><criterion negate="1" test_ref="oval:t:tst:11"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:5" version="1"><metadata><title>settled: extends a settled one</title></metadata>
      <criteria operator="OR"><extend_definition definition_ref="oval:t:def:1"/><criterion test_ref="oval:t:tst:10"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:6" version="1"><metadata><title>open: an installed package</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:12"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:7" version="1"><metadata><title>settled: a variable of absent names</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:1"/><criterion test_ref="oval:t:tst:13"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:8" version="1"><metadata><title>open: a variable naming an installed package</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:14"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:9" version="1"><metadata><title>open: pattern match is not settled</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:15"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:10" version="1"><metadata><title>settled: ONE of two false</title></metadata>
      <criteria operator="ONE"><criterion test_ref="oval:t:tst:10"/><criterion test_ref="oval:t:tst:13"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:11" version="1"><metadata><title>open: XOR with the release test</title></metadata>
      <criteria operator="XOR"><criterion test_ref="oval:t:tst:10"/><criterion test_ref="oval:t:tst:1"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:12" version="1"><metadata><title>open: rpm packages are unknown</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:16"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:13" version="1"><metadata><title>open: an any_exist test is true</title></metadata>
      <criteria><criterion test_ref="oval:t:tst:17"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:14" version="1"><metadata><title>open: an unknown operator</title></metadata>
      <criteria operator="NAND"><criterion test_ref="oval:t:tst:10"/></criteria></definition>
    <definition class="vulnerability" id="oval:t:def:15" version="1"><metadata><title>settled: the negated criteria of a true none_exist</title></metadata>
      <criteria negate="true"><criterion test_ref="oval:t:tst:11"/></criteria></definition>
  </definitions>
  <tests>
    <ind:textfilecontent54_test id="oval:t:tst:1" version="1" check="all" comment="release"><ind:object object_ref="oval:t:obj:1"/><ind:state state_ref="oval:t:ste:1"/></ind:textfilecontent54_test>
    <lin:dpkginfo_test id="oval:t:tst:10" version="1" check="all" check_existence="at_least_one_exists"><lin:object object_ref="oval:t:obj:10"/><lin:state state_ref="oval:t:ste:10"/></lin:dpkginfo_test>
    <lin:dpkginfo_test id="oval:t:tst:11" version="1" check="all" check_existence="none_exist"><lin:object object_ref="oval:t:obj:10"/></lin:dpkginfo_test>
    <lin:dpkginfo_test id="oval:t:tst:12" version="1" check="all"><lin:object object_ref="oval:t:obj:12"/><lin:state state_ref="oval:t:ste:10"/></lin:dpkginfo_test>
    <lin:dpkginfo_test id="oval:t:tst:13" version="1" check="at least one"><lin:object object_ref="oval:t:obj:13"/></lin:dpkginfo_test>
    <lin:dpkginfo_test id="oval:t:tst:14" version="1" check="at least one"><lin:object object_ref="oval:t:obj:14"/></lin:dpkginfo_test>
    <lin:dpkginfo_test id="oval:t:tst:15" version="1" check="all"><lin:object object_ref="oval:t:obj:15"/></lin:dpkginfo_test>
    <lin:rpminfo_test id="oval:t:tst:16" version="1" check="all"><lin:object object_ref="oval:t:obj:16"/></lin:rpminfo_test>
    <lin:dpkginfo_test id="oval:t:tst:17" version="1" check="all" check_existence="any_exist"><lin:object object_ref="oval:t:obj:10"/></lin:dpkginfo_test>
    <lin:dpkginfo_test id="oval:t:tst:99" version="1" check="all"><lin:object object_ref="oval:t:obj:10"/></lin:dpkginfo_test>
  </tests>
  <objects>
    <ind:textfilecontent54_object id="oval:t:obj:1" version="1"><ind:filepath>/etc/debian_version</ind:filepath><ind:pattern operation="pattern match">(\d+)</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>
    <lin:dpkginfo_object id="oval:t:obj:10" version="1"><lin:name>absent</lin:name></lin:dpkginfo_object>
    <lin:dpkginfo_object id="oval:t:obj:12" version="1"><lin:name>Present</lin:name></lin:dpkginfo_object>
    <lin:dpkginfo_object id="oval:t:obj:13" version="1"><lin:name var_ref="oval:t:var:1" var_check="at least one"/></lin:dpkginfo_object>
    <lin:dpkginfo_object id="oval:t:obj:14" version="1"><lin:name var_ref="oval:t:var:2" var_check="at least one"/></lin:dpkginfo_object>
    <lin:dpkginfo_object id="oval:t:obj:15" version="1"><lin:name operation="pattern match">^abs</lin:name></lin:dpkginfo_object>
    <lin:rpminfo_object id="oval:t:obj:16" version="1"><lin:name>absent</lin:name></lin:rpminfo_object>
  </objects>
  <states>
    <ind:textfilecontent54_state id="oval:t:ste:1" version="1"><ind:subexpression>12</ind:subexpression></ind:textfilecontent54_state>
    <lin:dpkginfo_state id="oval:t:ste:10" version="1"><lin:evr datatype="debian_evr_string" operation="less than">0:2.0-1</lin:evr></lin:dpkginfo_state>
  </states>
  <variables>
    <constant_variable id="oval:t:var:1" version="1" datatype="string" comment="absent binaries"><value>absent-a</value><value>absent-b</value></constant_variable>
    <constant_variable id="oval:t:var:2" version="1" datatype="string" comment="one installed"><value>absent-c</value><value>present</value></constant_variable>
  </variables>
</oval_definitions>
)";

FeedFacts facts(const std::string& sha256) {
  FeedFacts f;
  f.sha256 = sha256;
  f.definitions = 15;
  f.platforms = {"Test OS 1"};
  return f;
}

class FeedIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-index-test");
    util::write_file(m_dir / "feed.xml", k_feed);
    build_index(m_dir / "feed.xml", facts("feedsha"), m_dir / "feed.index");
    auto loaded = FeedIndex::load(m_dir / "feed.index", "feedsha");
    ASSERT_TRUE(loaded.has_value());
    m_index = std::move(*loaded);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  InstalledPackages dpkg(std::unordered_set<std::string> names) {
    InstalledPackages installed;
    installed.dpkg = std::move(names);
    return installed;
  }

  std::set<std::string> ids(const std::vector<std::uint32_t>& definitions) const {
    std::set<std::string> out;
    for (const auto d : definitions) {
      out.insert(m_index.elements[m_index.definitions[d].element].id);
    }
    return out;
  }

  std::set<std::string> settled_ids(const Settlement& s) const {
    std::set<std::string> out;
    for (const auto& one : s.settled) {
      out.insert(m_index.elements[m_index.definitions[one.definition].element].id);
    }
    return out;
  }

  fs::path m_dir;
  FeedIndex m_index;
};

TEST_F(FeedIndexTest, IndexesElementsReferencesAndPackageTests) {
  EXPECT_EQ(m_index.definitions.size(), 15U);
  EXPECT_EQ(m_index.tests.size(), 10U);
  const auto test = [this](const char* id) {
    return m_index.tests[m_index.elements[m_index.find(id)].test];
  };
  EXPECT_EQ(test("oval:t:tst:10").probe, PackageProbe::dpkginfo);
  EXPECT_EQ(test("oval:t:tst:10").names, std::vector<std::string>{"absent"});
  EXPECT_TRUE(test("oval:t:tst:10").package_test);
  EXPECT_EQ(test("oval:t:tst:11").existence, Existence::none_exist);
  EXPECT_EQ(test("oval:t:tst:13").names, (std::vector<std::string>{"absent-a", "absent-b"}));
  EXPECT_EQ(test("oval:t:tst:15").probe, PackageProbe::none);  // pattern match
  EXPECT_EQ(test("oval:t:tst:1").probe, PackageProbe::none);
  EXPECT_FALSE(test("oval:t:tst:1").package_test);
  // tst:1 is shared by three of fifteen definitions: at least a tenth, not a package test.
  ASSERT_EQ(m_index.release_checks.size(), 1U);
  EXPECT_EQ(m_index.elements[m_index.release_checks[0].element].id, "oval:t:tst:1");
  EXPECT_EQ(m_index.release_checks[0].comment, "release");
  EXPECT_EQ(m_index.find("oval:t:nothing:1"), k_no_element);
  EXPECT_EQ(m_index.facts.platforms, std::vector<std::string>{"Test OS 1"});  // kept
  // Each element's XML is the feed's, namespace prefixes and all.
  EXPECT_NE(m_index.xml(m_index.find("oval:t:obj:10")).find("<lin:name>absent</lin:name>"),
            std::string::npos);
}

TEST_F(FeedIndexTest, SettlesOnlyWhatAbsentPackagesDecide) {
  const auto s = settle(m_index, dpkg({"present"}));
  EXPECT_EQ(settled_ids(s), (std::set<std::string>{"oval:t:def:4", "oval:t:def:5", "oval:t:def:7",
                                                   "oval:t:def:10", "oval:t:def:15"}));
  // def:1 holds the release check (evaluated so that its result is known); the others are open.
  EXPECT_EQ(ids(s.evaluate),
            (std::set<std::string>{"oval:t:def:1", "oval:t:def:2", "oval:t:def:3", "oval:t:def:6",
                                   "oval:t:def:8", "oval:t:def:9", "oval:t:def:11", "oval:t:def:12",
                                   "oval:t:def:13", "oval:t:def:14"}));
  EXPECT_EQ(s.settled.size() + s.evaluate.size(), m_index.definitions.size());
  const auto& message = s.settled.front().message;
  EXPECT_NE(message.find("dpkg package named absent"), std::string::npos) << message;
}

TEST_F(FeedIndexTest, KnownReleaseCheckResultsSettleMore) {
  KnownResults known{{m_index.find("oval:t:tst:1"), "false"}};
  const auto s = settle(m_index, dpkg({"present"}), known);
  const auto settled = settled_ids(s);
  EXPECT_TRUE(settled.contains("oval:t:def:2"));   // OR(false, false)
  EXPECT_TRUE(settled.contains("oval:t:def:11"));  // XOR(false, false)
  EXPECT_FALSE(settled.contains("oval:t:def:1"));  // still evaluated: it holds the check
  known[m_index.find("oval:t:tst:1")] = "true";
  const auto t = settle(m_index, dpkg({"present"}), known);
  EXPECT_FALSE(settled_ids(t).contains("oval:t:def:2"));  // OR(true, ...) is true
}

TEST_F(FeedIndexTest, NamesAreComparedAsTheProbesCompareThem) {
  // dpkg: regardless of case (libapt); an installed name keeps its definitions open.
  auto s = settle(m_index, dpkg({"absent"}));
  EXPECT_FALSE(settled_ids(s).contains("oval:t:def:4"));
  // Unknown dpkg packages (the probe failed its check): nothing is settled.
  s = settle(m_index, InstalledPackages{});
  EXPECT_TRUE(s.settled.empty());
  // rpm known and empty: the rpminfo test of an absent package settles.
  InstalledPackages rpm = dpkg({"present"});
  rpm.rpm.emplace();
  EXPECT_TRUE(settled_ids(settle(m_index, rpm)).contains("oval:t:def:12"));
}

TEST_F(FeedIndexTest, SubsetHoldsTheDefinitionsAndWhatTheyReferTo) {
  const std::vector<std::uint32_t> wanted = {
      m_index.elements[m_index.find("oval:t:def:8")].definition};
  write_subset(m_index, wanted, m_dir / "subset.xml");
  const auto doc = util::xml::parse_file(m_dir / "subset.xml");
  const auto text = util::read_file(m_dir / "subset.xml");
  for (const char* id : {"oval:t:def:8", "oval:t:tst:14", "oval:t:obj:14", "oval:t:var:2"}) {
    EXPECT_NE(text.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  for (const char* id : {"oval:t:def:1", "oval:t:tst:10", "oval:t:obj:10", "oval:t:var:1",
                         "oval:t:ste:10", "oval:t:tst:99"}) {
    EXPECT_EQ(text.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(util::xml::select(doc.get(), "//*[local-name()='states']").size(), 0U);
}

TEST_F(FeedIndexTest, FileNeedsAreTheFilesTestsReadByName) {
  const auto needs = file_needs(m_index);
  EXPECT_EQ(needs.content, std::vector<std::string>{"/etc/debian_version"});
  EXPECT_TRUE(needs.metadata.empty());
  EXPECT_EQ(needs.inexact, "") << "a dpkginfo object by pattern still reads only the database";
}

// A feed's tests and objects (no definitions needed: file_needs reads objects).
FeedIndex index_of(const fs::path& dir, const std::string& tests, const std::string& objects) {
  const auto feed =
      std::string(R"(<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"
    xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix">
  <generator><oval:schema_version>5.11.2</oval:schema_version></generator>
  <definitions><definition class="vulnerability" id="oval:u:def:1" version="1"><metadata><title>t</title></metadata>
    <criteria><criterion test_ref="oval:u:tst:1"/></criteria></definition></definitions>
  <tests>)") +
      tests + "</tests><objects>" + objects + "</objects></oval_definitions>";
  util::write_file(dir / "u.xml", feed);
  build_index(dir / "u.xml", facts("u"), dir / "u.index");
  auto index = FeedIndex::load(dir / "u.index", "u");
  EXPECT_TRUE(index.has_value());
  return std::move(*index);
}

TEST_F(FeedIndexTest, FileNeedsOfFileObjectsAndWhatCannotBeKept) {
  const auto test = [](const char* kind, const char* object) {
    return fmt::format(
        R"(<{0}_test id="oval:u:tst:{1}" version="1" check="all"><object object_ref="oval:u:obj:{1}" xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix"/></{0}_test>)",
        kind, object);
  };
  auto index = index_of(
      m_dir, test("unix:file", "1") + test("ind:textfilecontent54", "2"),
      R"(<unix:file_object id="oval:u:obj:1" version="1"><unix:path>/snap/bin/</unix:path><unix:filename>livepatch</unix:filename></unix:file_object>
         <ind:textfilecontent54_object id="oval:u:obj:2" version="1"><ind:filepath>/etc/lsb-release</ind:filepath><ind:pattern operation="pattern match">x</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>)");
  auto needs = file_needs(index);
  EXPECT_EQ(needs.metadata, std::vector<std::string>{"/snap/bin/livepatch"});
  EXPECT_EQ(needs.content, std::vector<std::string>{"/etc/lsb-release"});
  EXPECT_EQ(needs.inexact, "");

  index = index_of(
      m_dir, test("ind:textfilecontent54", "1"),
      R"(<ind:textfilecontent54_object id="oval:u:obj:1" version="1"><ind:filepath operation="pattern match">^/etc/.*-release$</ind:filepath><ind:pattern operation="pattern match">x</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>)");
  EXPECT_NE(file_needs(index).inexact.find("by pattern or variable"), std::string::npos);

  // A path that climbs (a copy made by it could be steered) and a recursing object are not
  // answered by name.
  index = index_of(
      m_dir, test("ind:textfilecontent54", "1") + test("unix:file", "2"),
      R"(<ind:textfilecontent54_object id="oval:u:obj:1" version="1"><ind:filepath>/etc/../../home/x</ind:filepath><ind:pattern operation="pattern match">x</ind:pattern><ind:instance datatype="int">1</ind:instance></ind:textfilecontent54_object>
         <unix:file_object id="oval:u:obj:2" version="1"><unix:path>/etc</unix:path><unix:filename>x</unix:filename></unix:file_object>)");
  EXPECT_NE(file_needs(index).inexact, "");
  index = index_of(
      m_dir, test("unix:file", "1"),
      R"(<unix:file_object id="oval:u:obj:1" version="1"><unix:behaviors recurse_direction="down"/><unix:path>/etc</unix:path><unix:filename>x</unix:filename></unix:file_object>)");
  EXPECT_NE(file_needs(index).inexact, "");

  index = index_of(
      m_dir, test("ind:environmentvariable58", "1"),
      R"(<ind:environmentvariable58_object id="oval:u:obj:1" version="1"><ind:pid xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/><ind:name>PATH</ind:name></ind:environmentvariable58_object>)");
  EXPECT_NE(file_needs(index).inexact.find("environmentvariable58_object"), std::string::npos)
      << file_needs(index).inexact;
}

TEST_F(FeedIndexTest, DamagedOrForeignIndexesAreNotLoaded) {
  EXPECT_FALSE(FeedIndex::load(m_dir / "feed.index", "othersha").has_value());
  EXPECT_FALSE(FeedIndex::load(m_dir / "missing.index", "feedsha").has_value());
  auto data = util::read_file(m_dir / "feed.index");
  for (const std::size_t cut : {std::size_t{10}, data.size() / 2, data.size() - 1}) {
    util::write_file(m_dir / "cut.index", data.substr(0, cut));
    fs::copy_file(m_dir / "feed.index.pieces", m_dir / "cut.index.pieces",
                  fs::copy_options::overwrite_existing);
    EXPECT_FALSE(FeedIndex::load(m_dir / "cut.index", "feedsha").has_value()) << cut;
  }
  util::write_file(m_dir / "feed.index.pieces", "short");
  EXPECT_FALSE(FeedIndex::load(m_dir / "feed.index", "feedsha").has_value());
  // load_or_build rebuilds it.
  const auto rebuilt =
      load_or_build_index(m_dir / "feed.xml", facts("feedsha"), m_dir / "feed.index");
  EXPECT_EQ(rebuilt.definitions.size(), 15U);
}

TEST_F(FeedIndexTest, DocumentTypesAndOtherDocumentsAreRefused) {
  util::write_file(m_dir / "dtd.xml",
                   "<?xml version=\"1.0\"?><!DOCTYPE oval_definitions [<!ENTITY x \"y\">]>"
                   "<oval_definitions xmlns=\"http://oval.mitre.org/XMLSchema/"
                   "oval-definitions-5\"/>");
  EXPECT_THROW(build_index(m_dir / "dtd.xml", facts("s"), m_dir / "dtd.index"), Error);
  util::write_file(m_dir / "other.xml", "<html/>");
  EXPECT_THROW(build_index(m_dir / "other.xml", facts("s"), m_dir / "other.index"), Error);
  util::write_file(m_dir / "broken.xml", std::string(k_feed).substr(0, 2000));
  EXPECT_THROW(build_index(m_dir / "broken.xml", facts("s"), m_dir / "broken.index"), Error);
}

}  // namespace
}  // namespace imgscap::feeds
