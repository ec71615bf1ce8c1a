// SPDX-License-Identifier: Apache-2.0
// Tests for facts read from a root: os-release, dpkg status, and confinement of those reads.
#include "support/temp_dir.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/scan/facts.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

TEST(OsRelease, ParsesQuotedAndPlainValues) {
  const auto os = parse_os_release(
      "# comment\nPRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME='Debian GNU/Linux'\n"
      "VERSION_ID=\"11\"\nID=debian\n\nBROKEN LINE\n");
  EXPECT_EQ(os.id, "debian");
  EXPECT_EQ(os.version_id, "11");
  EXPECT_EQ(os.pretty_name, "Debian GNU/Linux 11 (bullseye)");
  EXPECT_EQ(os.name, "Debian GNU/Linux");
}

TEST(DpkgStatus, CountsInstalledAndFindsArchitecture) {
  PackageDatabases dbs;
  parse_dpkg_status(
      "Package: libc6\nStatus: install ok installed\nArchitecture: arm64\n\n"
      "Package: removed-thing\nStatus: deinstall ok config-files\nArchitecture: arm64\n\n"
      "Package: dpkg\nStatus: install ok installed\nArchitecture: arm64\nVersion: 1.20\n",
      dbs);
  EXPECT_TRUE(dbs.dpkg);
  EXPECT_EQ(dbs.dpkg_installed, 2U);
  EXPECT_EQ(dbs.dpkg_architecture, "arm64");
  EXPECT_EQ(dbs.dpkg_probe_package, "dpkg");
}

TEST(DpkgStatus, IgnoresUnsafePackageNamesForTheProbeCheck) {
  PackageDatabases dbs;
  parse_dpkg_status("Package: <evil>\nStatus: install ok installed\n", dbs);
  EXPECT_EQ(dbs.dpkg_installed, 1U);
  EXPECT_TRUE(dbs.dpkg_probe_package.empty());
}

TEST(DpkgArchitecture, MapsOciNames) {
  EXPECT_EQ(dpkg_architecture_for("amd64", ""), "amd64");
  EXPECT_EQ(dpkg_architecture_for("arm", "v7"), "armhf");
  EXPECT_EQ(dpkg_architecture_for("arm", "v5"), "armel");
  EXPECT_EQ(dpkg_architecture_for("386", ""), "i386");
  EXPECT_EQ(dpkg_architecture_for("ppc64le", ""), "ppc64el");
}

class RootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-facts");
    fs::create_directories(m_dir / "root/etc");
    std::ofstream(m_dir / "secret") << "ID=host-secret\n";
  }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path m_dir;
};

TEST_F(RootTest, AbsoluteSymlinkResolvesInsideTheRoot) {
  // etc/os-release -> /secret must read <root>/secret (absent), never the host's m_dir/secret.
  fs::create_symlink(m_dir / "secret", m_dir / "root/etc/os-release");
  fs::create_symlink("../../secret", m_dir / "root/etc/alt");
  const auto root = rootfs::open_root(m_dir / "root");
  EXPECT_FALSE(read_os_release(root).has_value());
  EXPECT_FALSE(rootfs::read_in_root(root, "etc/alt", 1024).has_value());
  std::ofstream(m_dir / "root/secret") << "ID=inside\n";
  EXPECT_EQ(rootfs::read_in_root(root, "etc/alt", 1024).value_or(""), "ID=inside\n");
}

TEST_F(RootTest, FifoIsNotRead) {
  ASSERT_EQ(::mkfifo((m_dir / "root/etc/os-release").c_str(), 0644), 0);
  const auto root = rootfs::open_root(m_dir / "root");
  EXPECT_FALSE(read_os_release(root).has_value());
}

TEST_F(RootTest, FindsRpmBackends) {
  const auto root = rootfs::open_root(m_dir / "root");
  EXPECT_EQ(find_package_databases(root).rpm, RpmBackend::none);
  fs::create_directories(m_dir / "root/var/lib/rpm");
  std::ofstream(m_dir / "root/var/lib/rpm/Packages.db") << "x";
  EXPECT_EQ(find_package_databases(root).rpm, RpmBackend::ndb);
  std::ofstream(m_dir / "root/var/lib/rpm/rpmdb.sqlite") << "x";
  EXPECT_EQ(find_package_databases(root).rpm, RpmBackend::sqlite);
}

TEST_F(RootTest, ContainerMarkerIsAddedOnce) {
  const auto root = rootfs::open_root(m_dir / "root");
  EXPECT_EQ(find_container_marker(root), std::nullopt);
  EXPECT_EQ(add_container_marker(root), "run/.containerenv");
  EXPECT_TRUE(fs::exists(m_dir / "root/run/.containerenv"));
  EXPECT_EQ(add_container_marker(root), "run/.containerenv") << "a second evaluation reuses it";
  EXPECT_EQ(find_container_marker(root), "run/.containerenv");
}

TEST_F(RootTest, ImageMarkerIsFound) {
  std::ofstream(m_dir / "root/.dockerenv") << "";
  const auto root = rootfs::open_root(m_dir / "root");
  EXPECT_EQ(find_container_marker(root), ".dockerenv");
  EXPECT_FALSE(fs::exists(m_dir / "root/run"));
}

TEST_F(RootTest, DanglingRunSymlinkFallsBackToDockerenvInsideTheRoot) {
  fs::create_symlink("/var/run", m_dir / "root/run");  // var/run absent in the image
  const auto root = rootfs::open_root(m_dir / "root");
  EXPECT_EQ(add_container_marker(root), ".dockerenv");
  EXPECT_TRUE(fs::exists(m_dir / "root/.dockerenv"));
  EXPECT_EQ(add_container_marker(root), ".dockerenv");
}

TEST_F(RootTest, RunSymlinkToHostDirectoryStaysInside) {
  fs::create_directories(m_dir / "hostrun");
  fs::create_symlink(m_dir / "hostrun", m_dir / "root/run");
  const auto root = rootfs::open_root(m_dir / "root");
  add_container_marker(root);
  EXPECT_FALSE(fs::exists(m_dir / "hostrun/.containerenv")) << "marker written outside the root";
}

}  // namespace
}  // namespace imgscap::scan
