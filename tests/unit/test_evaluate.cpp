// SPDX-License-Identifier: Apache-2.0
// Evaluation tests with real libopenscap on small real trees: the package-probe check catches
// unreadable dpkg and rpm databases (real rpm databases from tests/fixtures), container
// variables reach the environment variable probe, and the tree is left unmodified by apt.
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/report/results.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_good_status =
    "Package: base-files\nStatus: install ok installed\nPriority: required\nSection: admin\n"
    "Installed-Size: 1\nMaintainer: Nobody <nobody@example.org>\nArchitecture: amd64\n"
    "Version: 11.1+deb11u7\nDescription: base files\n\n";

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-eval");
    m_target.rootfs = m_dir / "root";
    m_target.private_dir = m_dir / "eval";
    m_target.layer_dir = m_dir / "layer";
    m_target.staging_dir = m_dir / "sandbox";
    fs::create_directories(m_target.staging_dir);
    m_target.label = "unit-test-image";
    fs::create_directories(m_target.rootfs / "etc");
    write("etc/os-release", "ID=debian\nVERSION_ID=\"11\"\n");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  void write(const std::string& relative, const std::string& content) {
    const auto path = m_target.rootfs / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }

  // A dpkg tree the way apt needs it: status plus dpkg's architecture tables.
  void make_dpkg_tree(const std::string& status) {
    write("var/lib/dpkg/status", status);
    fs::create_directories(m_target.rootfs / "usr/share/dpkg");
    for (const char* table : {"cputable", "tupletable"}) {
      fs::copy_file(fs::path("/usr/share/dpkg") / table,
                    m_target.rootfs / "usr/share/dpkg" / table);
    }
  }

  void make_rpm_tree(const fs::path& fixture_file, const std::string& name) {
    fs::create_directories(m_target.rootfs / "var/lib/rpm");
    fs::copy_file(fixture_file, m_target.rootfs / "var/lib/rpm" / name);
  }

  void prepare() {
    const auto root = rootfs::open_root(m_target.rootfs);
    m_target.packages = find_package_databases(root);
    prepare_environment(m_target);
  }

  std::set<std::string> tree_listing() const {
    std::set<std::string> paths;
    for (const auto& entry : fs::recursive_directory_iterator(m_target.rootfs)) {
      paths.insert(fs::relative(entry.path(), m_target.rootfs).string());
    }
    return paths;
  }

  report::Results evaluate_basic_oval() {
    const auto results_dir = m_dir / "results";
    fs::create_directories(results_dir);
    EvalRequest request{detect_content(fs::path(IMGSCAP_TEST_DATA_DIR) / "basic-oval.xml"),
                        "",
                        std::nullopt,
                        results_dir,
                        {}};
    auto progress = util::make_silent_progress();
    const auto outcome = evaluate(m_target, request, *progress);
    render_report(m_target,
                  {outcome.results_file, ContentKind::oval, "", "", results_dir / "report.html"});
    EXPECT_TRUE(fs::exists(results_dir / "report.html"));
    return report::read_oval_results(outcome.results_file);
  }

  static std::string result_of(const report::Results& results, const std::string& id) {
    for (const auto& rule : results.rules) {
      if (rule.id == id) {
        return rule.result;
      }
    }
    return "(absent)";
  }

  fs::path m_dir;
  Target m_target;
};

using test::error_of;

TEST_F(EvaluateTest, ProbeCheckPassesOnReadableDpkgDatabase) {
  make_dpkg_tree(k_good_status);
  prepare();
  EXPECT_EQ(m_target.packages.dpkg_probe_package, "base-files");
  EXPECT_EQ(check_package_probes(m_target).dpkg, "");
}

TEST_F(EvaluateTest, ForeignArchitectureDpkgDatabaseIsRead) {
  // An arm64 image scanned on another architecture: apt must use the image's architecture.
  std::string status = k_good_status;
  status.replace(status.find("amd64"), 5, "arm64");
  status +=
      "Package: dpkg\nStatus: install ok installed\nPriority: required\nSection: admin\n"
      "Installed-Size: 1\nMaintainer: Nobody <nobody@example.org>\nArchitecture: arm64\n"
      "Version: 1.20.12\nDescription: dpkg\n\n";
  make_dpkg_tree(status);
  prepare();
  EXPECT_EQ(m_target.packages.dpkg_architecture, "arm64");
  EXPECT_EQ(check_package_probes(m_target).dpkg, "");
  const auto results = evaluate_basic_oval();
  EXPECT_EQ(result_of(results, "oval:imgscap.test:def:3"), "fail") << "base-files not found";
}

TEST_F(EvaluateTest, ProbeCheckFailsWhenDpkgProbeSeesNoPackage) {
  // dpkg lists the package as installed, but without a Version apt drops it: the probe would
  // report "not installed" for it. That must be an error, not a pass.
  make_dpkg_tree("Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n\n");
  prepare();
  const auto message = check_package_probes(m_target).dpkg;
  EXPECT_NE(message.find("the dpkg database (var/lib/dpkg/status): the OpenSCAP probe cannot "
                         "read it"),
            std::string::npos)
      << message;
}

TEST_F(EvaluateTest, ProbeCheckFailsWhenAptIsNotIsolated) {
  // The host-style setting that breaks dpkginfo_init (Docker's docker-clean) must be caught.
  make_dpkg_tree(k_good_status);
  prepare();
  std::ofstream(m_target.private_dir / "apt.conf", std::ios::app)
      << "Dir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\n";
  const auto message = check_package_probes(m_target).dpkg;
  EXPECT_NE(message.find("cannot read it"), std::string::npos) << message;
}

TEST_F(EvaluateTest, ProbeCheckPassesOnRealSqliteRpmDatabase) {
  make_rpm_tree(fs::path(IMGSCAP_FIXTURES_DIR) / "rpmdb/mariner2-sqlite/rpmdb.sqlite",
                "rpmdb.sqlite");
  prepare();
  EXPECT_EQ(m_target.packages.rpm, RpmBackend::sqlite);
  EXPECT_EQ(check_package_probes(m_target).rpm, "");
}

TEST_F(EvaluateTest, ProbeCheckFailsWithoutTheRpmDbpathMacro) {
  // Debian's librpm default %_dbpath runs a shell in the image and finds no packages.
  make_rpm_tree(fs::path(IMGSCAP_FIXTURES_DIR) / "rpmdb/mariner2-sqlite/rpmdb.sqlite",
                "rpmdb.sqlite");
  prepare();
  fs::remove(m_target.private_dir / "home/.rpmmacros");
  const auto message = check_package_probes(m_target).rpm;
  EXPECT_NE(message.find("the rpm database (var/lib/rpm, sqlite): the OpenSCAP probe cannot"),
            std::string::npos)
      << message;
}

TEST_F(EvaluateTest, ProbeCheckFailsOnBdbWithoutIndexes) {
  // Listing works from Packages alone, lookups by name do not: an error, not "not installed".
  make_rpm_tree(fs::path(IMGSCAP_FIXTURES_DIR) / "rpmdb/rhel8-bdb/Packages", "Packages");
  prepare();
  EXPECT_EQ(m_target.packages.rpm, RpmBackend::bdb);
  const auto message = check_package_probes(m_target).rpm;
  EXPECT_NE(message.find("Berkeley DB"), std::string::npos) << message;
}

TEST_F(EvaluateTest, BdbDatabaseIsConvertedInTheThrowawayLayerAndThenReadable) {
  make_rpm_tree(fs::path(IMGSCAP_FIXTURES_DIR) / "rpmdb/rhel8-bdb/Packages", "Packages");
  prepare();
  const auto before = tree_listing();
  EXPECT_EQ(prepare_rpm_database(m_target), "");
  EXPECT_EQ(m_target.packages.rpm, RpmBackend::sqlite);
  EXPECT_EQ(check_package_probes(m_target).rpm, "") << "libuuid not found by name";
  EXPECT_EQ(tree_listing(), before) << "the conversion wrote into the image tree";
  EXPECT_TRUE(fs::exists(m_dir / "layer/upper/run/imgscap/rpmdb/rpmdb.sqlite"));
}

TEST_F(EvaluateTest, NdbRpmDatabaseIsAnError) {
  write("var/lib/rpm/Packages.db", "not readable here");
  prepare();
  const auto message = check_package_probes(m_target).rpm;
  EXPECT_NE(message.find("ndb format"), std::string::npos) << message;
}

TEST_F(EvaluateTest, OvalEvaluationSeesFilesPackagesAndContainerVariables) {
  make_dpkg_tree(k_good_status);
  m_target.env = {"PATH=/usr/bin", "LANG=C.UTF-8"};
  prepare();
  const auto before = tree_listing();
  const auto results = evaluate_basic_oval();
  EXPECT_EQ(result_of(results, "oval:imgscap.test:def:1"), "pass");
  EXPECT_EQ(result_of(results, "oval:imgscap.test:def:2"), "pass");
  EXPECT_EQ(result_of(results, "oval:imgscap.test:def:3"), "fail");  // base-files 11 < 99
  EXPECT_EQ(tree_listing(), before) << "apt or a probe wrote into the tree";
}

TEST_F(EvaluateTest, ImageWithoutEnvHasNoVariablesRatherThanAnError) {
  make_dpkg_tree(k_good_status);
  m_target.env = {};
  prepare();
  const auto results = evaluate_basic_oval();
  EXPECT_EQ(result_of(results, "oval:imgscap.test:def:2"), "pass");
}

TEST_F(EvaluateTest, ImageEnvReachesTheEnvironmentVariableProbe) {
  make_dpkg_tree(k_good_status);
  m_target.env = {"PATH=/usr/bin", "IMGSCAP_TEST_SECRET=hunter2"};
  prepare();
  const auto results = evaluate_basic_oval();
  EXPECT_EQ(result_of(results, "oval:imgscap.test:def:2"), "fail");
}

TEST_F(EvaluateTest, UnknownProfileListsTheProfiles) {
  prepare();
  const auto results_dir = m_dir / "results";
  fs::create_directories(results_dir);
  EvalRequest request{detect_content("/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml"),
                      "no_such_profile",
                      std::nullopt,
                      results_dir,
                      {}};
  auto progress = util::make_silent_progress();
  const auto message = error_of([&] { evaluate(m_target, request, *progress); });
  EXPECT_NE(message.find("profile \"no_such_profile\" was not found"), std::string::npos)
      << message;
  EXPECT_NE(message.find("anssi_np_nt28_high"), std::string::npos) << message;
}

TEST(Content, DetectsKindsAndRejectsOthers) {
  EXPECT_EQ(detect_content("/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml").kind,
            ContentKind::datastream);
  EXPECT_EQ(detect_content("/usr/share/xml/scap/ssg/content/ssg-debian11-xccdf.xml").kind,
            ContentKind::xccdf);
  EXPECT_EQ(detect_content(fs::path(IMGSCAP_TEST_DATA_DIR) / "basic-oval.xml").kind,
            ContentKind::oval);
  const auto wrong = error_of(
      [] { detect_content("/usr/share/xml/scap/ssg/content/ssg-debian11-cpe-dictionary.xml"); });
  EXPECT_NE(wrong.find("not a SCAP source datastream"), std::string::npos) << wrong;
  const auto missing = error_of([] { detect_content("/nonexistent/content.xml"); });
  EXPECT_NE(missing.find("/nonexistent/content.xml"), std::string::npos) << missing;
}

}  // namespace
}  // namespace imgscap::scan
