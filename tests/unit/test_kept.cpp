// SPDX-License-Identifier: Apache-2.0
// What a fleet keeps of an image for later CVE feeds (pipeline/kept.cpp), on a real tree: the
// package databases and release files copied out of the root as the probes would read them
// (image symlinks resolved inside the root, never on the host), every path looked for recorded,
// and which feeds that can answer exactly.
#include "../../src/pipeline/steps.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/util/files.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

class KeptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-kept-test");
    const auto root = m_dir / "image";
    for (const char* dir : {"etc", "usr/lib", "var/lib/dpkg", "var/lib/rpm/sub", "snap"}) {
      fs::create_directories(root / dir);
    }
    util::write_file(root / "usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    fs::create_symlink("../usr/lib/os-release", root / "etc/os-release");
    fs::create_symlink("/etc/shadow", root / "etc/lsb-release");  // the host's must not be read
    util::write_file(root / "var/lib/dpkg/status", "Package: dpkg\n");
    util::write_file(root / "var/lib/rpm/rpmdb.sqlite", "db");
    util::write_file(root / "var/lib/rpm/sub/x", "x");
    util::write_file(root / "etc/marker", "vulnerable=yes\n");
    util::write_file(root / "snap/tool", "#!/bin/sh\n");
    ::mkfifo((root / "etc/fifo").c_str(), 0644);
    const auto fd = rootfs::open_root(root);
    scan::Target target;
    target.label = "img@sha256:1";
    target.packages.dpkg_architecture = "amd64";
    feeds::FileNeeds needs;
    needs.content = {"/etc/marker", "/etc/missing", "/etc/fifo"};
    needs.metadata = {"/snap/absent", "/snap/tool"};
    keep_feed_inputs(fd, needs, target, m_dir / "kept");
    auto kept = read_kept_part(m_dir / "kept");
    ASSERT_TRUE(kept.has_value());
    m_kept = std::move(*kept);
  }
  void TearDown() override { fs::remove_all(m_dir); }

  static feeds::FileNeeds content(std::vector<std::string> paths) {
    feeds::FileNeeds needs;
    needs.content = std::move(paths);
    return needs;
  }

  fs::path m_dir;
  KeptPart m_kept;
};

TEST_F(KeptTest, KeepsWhatTheProbesReadAsTheyReadIt) {
  const auto root = m_dir / "kept/root";
  EXPECT_EQ(util::read_file(root / "etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n")
      << "a symlink is kept as what it resolves to inside the image";
  EXPECT_FALSE(fs::is_symlink(root / "etc/os-release"));
  EXPECT_EQ(util::read_file(root / "var/lib/dpkg/status"), "Package: dpkg\n");
  EXPECT_EQ(util::read_file(root / "var/lib/rpm/sub/x"), "x");
  EXPECT_EQ(util::read_file(root / "etc/marker"), "vulnerable=yes\n");
  EXPECT_FALSE(fs::exists(root / "etc/lsb-release")) << "resolved inside the image: absent";
  EXPECT_EQ(m_kept.files.at("etc/lsb-release"), "absent");
  EXPECT_EQ(m_kept.files.at("etc/marker"), "content");
  EXPECT_EQ(m_kept.files.at("etc/missing"), "absent");
  EXPECT_EQ(m_kept.files.at("etc/fifo"), "not kept");
  EXPECT_EQ(m_kept.files.at("snap/tool"), "content");
  EXPECT_EQ(m_kept.dirs.at("var/lib/rpm"), "content");
  EXPECT_EQ(m_kept.dirs.at("var/lib/dpkg/status.d"), "absent");
  EXPECT_EQ(m_kept.label, "img@sha256:1");
  EXPECT_EQ(m_kept.dpkg_architecture, "amd64");
}

TEST_F(KeptTest, AnswersOnlyFeedsWhoseEveryFileWasKeptOrAbsent) {
  EXPECT_EQ(m_kept.cannot_answer(content({"/etc/marker", "/etc/missing", "/etc/os-release"})), "");
  EXPECT_EQ(m_kept.cannot_answer(content({"/var/lib/rpm/anything"})), "") << "a kept directory";
  EXPECT_NE(m_kept.cannot_answer(content({"/etc/hostname"})), "") << "never looked for";
  EXPECT_NE(m_kept.cannot_answer(content({"/etc/fifo"})), "") << "not a regular file";
  feeds::FileNeeds metadata;
  metadata.metadata = {"/snap/absent"};
  EXPECT_EQ(m_kept.cannot_answer(metadata), "");
  metadata.metadata = {"/snap/tool"};
  EXPECT_NE(m_kept.cannot_answer(metadata).find("attributes"), std::string::npos)
      << "a copy has other owners and times";
  auto inexact = content({"/etc/marker"});
  inexact.inexact = "its object x is a rpmverifyfile_object";
  EXPECT_EQ(m_kept.cannot_answer(inexact), inexact.inexact);
}

TEST_F(KeptTest, AnotherFormatOrNothingIsNoKeptPart) {
  EXPECT_FALSE(read_kept_part(m_dir / "nothing").has_value());
  util::write_file(m_dir / "kept/kept.json", R"({"format": 99})");
  EXPECT_FALSE(read_kept_part(m_dir / "kept").has_value());
}

}  // namespace
}  // namespace imgscap::pipeline
