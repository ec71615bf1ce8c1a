// SPDX-License-Identifier: Apache-2.0
// Tests for the dpkg database model: stanzas, source packages, merging status.d, the
// source-package view and Debian version order.
#include <imgscap/scan/dpkg.hpp>

#include <gtest/gtest.h>

namespace imgscap::scan {
namespace {

constexpr const char* k_status = R"(Package: libssl1.1
Status: install ok installed
Priority: optional
Architecture: amd64
Source: openssl
Version: 1.1.1n-0+deb11u3
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation.
 Source: not-a-field (continuation lines are text)

Package: libfoo1
status: install ok installed
Architecture: amd64
Source: foo (1.2-3)
Version: 1.2-3+b1

Package: gzip
Status: install ok installed
Architecture: amd64
Version: 1.10-4

Package: openssl
Status: install ok unpacked
Architecture: amd64
Source: openssl
Version: 1.1.1n-0+deb11u5

Package: old-tool
Status: deinstall ok config-files
Architecture: amd64
Source: gzip
Version: 1.9-3

Package: bad-source
Status: install ok installed
Architecture: amd64
Source: BAD_NAME (1.0)
Version: 1.0
)";

TEST(Dpkg, ParsesStanzasWithSourceFields) {
  const auto packages = parse_dpkg_packages(k_status);
  ASSERT_EQ(packages.size(), 6U);
  EXPECT_EQ(packages[0].name, "libssl1.1");
  EXPECT_EQ(packages[0].source, "openssl");
  EXPECT_EQ(packages[0].source_version, "1.1.1n-0+deb11u3");  // no version: the binary's
  EXPECT_EQ(packages[1].status, "install ok installed");      // field names ignore case
  EXPECT_EQ(packages[1].source, "foo");
  EXPECT_EQ(packages[1].source_version, "1.2-3");  // binNMU: the source version in parentheses
  EXPECT_EQ(packages[2].source, "gzip");           // no Source field: its own name
  EXPECT_EQ(packages[2].source_version, "1.10-4");
  EXPECT_TRUE(packages[3].on_system());  // unpacked: its files are there
  EXPECT_FALSE(packages[4].on_system());
}

TEST(Dpkg, SourcePackagesTakeTheLowestSourceVersionOfTheirBinaries) {
  const auto packages = parse_dpkg_packages(k_status);
  const auto sources = source_packages(packages);
  ASSERT_EQ(sources.size(), 3U);  // BAD_NAME is not a Debian package name; old-tool is gone
  EXPECT_EQ(sources[0].name, "foo");
  EXPECT_EQ(sources[0].version, "1.2-3");
  EXPECT_EQ(sources[1].name, "gzip");
  EXPECT_EQ(sources[1].version, "1.10-4");
  ASSERT_EQ(sources[1].binaries.size(), 1U);  // config-files old-tool does not count
  EXPECT_EQ(sources[2].name, "openssl");
  EXPECT_EQ(sources[2].version, "1.1.1n-0+deb11u3");  // libssl1.1 is older than openssl
  ASSERT_EQ(sources[2].binaries.size(), 2U);
  EXPECT_EQ(sources[2].binaries[0]->name, "libssl1.1");
  EXPECT_EQ(sources[2].binaries[1]->name, "openssl");
}

TEST(Dpkg, SourceViewIsAStatusFileOfSources) {
  const auto packages = parse_dpkg_packages(k_status);
  const auto text = source_view_status(source_packages(packages), "arm64");
  const auto view = parse_dpkg_packages(text);
  ASSERT_EQ(view.size(), 3U);
  EXPECT_EQ(view[2].name, "openssl");
  EXPECT_EQ(view[2].version, "1.1.1n-0+deb11u3");
  EXPECT_EQ(view[2].architecture, "arm64");
  EXPECT_EQ(view[2].status, "install ok installed");
}

TEST(Dpkg, MergesStatusDStanzasAfterTheStatusFile) {
  const auto merged =
      merge_dpkg_status("Package: a\nVersion: 1\n\n",
                        "Package: a\nVersion: 2\n\nPackage: b\nVersion: 3\n\n\nPackage: c\n");
  const auto packages = parse_dpkg_packages(merged);
  ASSERT_EQ(packages.size(), 3U);
  EXPECT_EQ(packages[0].version, "1");  // the status file's stanza wins
  EXPECT_EQ(packages[1].name, "b");
  EXPECT_EQ(packages[2].name, "c");
  EXPECT_EQ(parse_dpkg_packages(merge_dpkg_status("", "Package: d\n")).size(), 1U);
}

TEST(Dpkg, ComparesVersionsLikeDpkg) {
  EXPECT_LT(compare_debian_versions("2.31-13+deb11u3", "2.31-13+deb11u4"), 0);
  EXPECT_GT(compare_debian_versions("1:1.2.11.dfsg-2", "1.2.12-1"), 0);  // epoch
  EXPECT_LT(compare_debian_versions("1.2~rc1-1", "1.2-1"), 0);           // tilde sorts first
  EXPECT_LT(compare_debian_versions("1.2-3", "1.2-3+b1"), 0);
  EXPECT_EQ(compare_debian_versions("0:1.0-1", "1.0-1"), 0);
}

}  // namespace
}  // namespace imgscap::scan
