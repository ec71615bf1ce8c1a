// SPDX-License-Identifier: Apache-2.0
// Layer application on real directories: OCI whiteouts and opaque directories, in-image
// symlinks, and hostile entries that must stay inside the root (a host sentinel next to the
// root is checked unchanged after each).
#include "support/errors.hpp"
#include "support/tar_builder.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/rootfs/apply.hpp>
#include <imgscap/rootfs/file_facts.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <archive_entry.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace imgscap::rootfs {
namespace {

namespace fs = std::filesystem;
using test::StringStream;
using test::TarBuilder;

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-apply");
    fs::create_directories(m_dir / "root");
    std::ofstream(m_dir / "sentinel") << "host data";
    ::chmod((m_dir / "sentinel").c_str(), 0600);
    ::stat((m_dir / "sentinel").c_str(), &m_sentinel);
    m_root = open_root(m_dir / "root");
  }
  void TearDown() override {
    struct stat now {};
    ASSERT_EQ(::stat((m_dir / "sentinel").c_str(), &now), 0) << "host sentinel removed";
    EXPECT_EQ(now.st_mode, m_sentinel.st_mode);
    EXPECT_EQ(now.st_nlink, m_sentinel.st_nlink);
    EXPECT_EQ(now.st_uid, m_sentinel.st_uid);
    EXPECT_EQ(read(m_dir / "sentinel"), "host data");
    EXPECT_EQ(std::distance(fs::directory_iterator(m_dir), {}), 2)
        << "something written beside the root";
    remove_tree(m_dir);
  }

  ApplyStats apply(TarBuilder& tar, FileFacts* facts = nullptr) {
    StringStream stream(tar.finish());
    ApplyOptions options;
    options.facts = facts;
    return apply_layer(m_root, stream, options);
  }
  std::string apply_error(TarBuilder& tar) {
    try {
      apply(tar);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path root() const { return m_dir / "root"; }
  bool present(const std::string& rel) const {
    return fs::exists(fs::symlink_status(root() / rel));
  }

  fs::path m_dir;
  util::Fd m_root;
  struct stat m_sentinel {};
};

TEST_F(ApplyTest, CreatesFilesDirsLinksWithModes) {
  TarBuilder tar;
  tar.dir("./usr/", 0755)
      .dir("usr/bin", 0755)
      .file("usr/bin/tool", "#!/bin/sh\n", 04755)
      .symlink("usr/bin/alias", "tool")
      .hardlink("usr/bin/tool2", "usr/bin/tool")
      .dir("ro", 0555)
      .file("ro/inside", "x");
  const auto stats = apply(tar);
  EXPECT_EQ(read(root() / "usr/bin/tool"), "#!/bin/sh\n");
  EXPECT_EQ(fs::status(root() / "usr/bin/tool").permissions() & fs::perms::set_uid,
            fs::perms::set_uid);
  EXPECT_EQ(fs::read_symlink(root() / "usr/bin/alias"), "tool");
  struct stat a {
  }, b{};
  ::stat((root() / "usr/bin/tool").c_str(), &a);
  ::stat((root() / "usr/bin/tool2").c_str(), &b);
  EXPECT_EQ(a.st_ino, b.st_ino) << "hard link is not the same inode";
  EXPECT_EQ(read(root() / "ro/inside"), "x");
  struct stat ro {};
  ::stat((root() / "ro").c_str(), &ro);
  EXPECT_EQ(ro.st_mode & 07777, 0555U) << "deferred directory mode";
  EXPECT_EQ(stats.entries, 7U);
}

TEST_F(ApplyTest, WhiteoutsRemoveLowerFilesAndTrees) {
  TarBuilder lower;
  lower.file("etc/motd", "hi").file("opt/tree/a/b", "deep").file("etc/keep", "k");
  apply(lower);
  TarBuilder upper;
  upper.file("etc/.wh.motd", "").file("opt/.wh.tree", "");
  apply(upper);
  EXPECT_FALSE(present("etc/motd"));
  EXPECT_FALSE(present("opt/tree"));
  EXPECT_FALSE(present("etc/.wh.motd")) << "whiteout files are never created";
  EXPECT_TRUE(present("etc/keep"));
  TarBuilder again;
  again.file("etc/motd", "back");
  apply(again);
  EXPECT_EQ(read(root() / "etc/motd"), "back");
}

TEST_F(ApplyTest, OpaqueDirectoryKeepsOnlyThisLayersEntriesInEitherOrder) {
  for (const bool marker_first : {true, false}) {
    remove_tree(root());
    fs::create_directories(root());
    m_root = open_root(root());
    TarBuilder lower;
    lower.file("d/old", "1").file("d/sub/old", "2").file("other", "3");
    apply(lower);
    TarBuilder upper;
    if (marker_first) {
      upper.file("d/.wh..wh..opq", "").file("d/new", "n").file("d/sub/new", "m");
    } else {
      upper.file("d/new", "n").file("d/sub/new", "m").file("d/.wh..wh..opq", "");
    }
    apply(upper);
    EXPECT_FALSE(present("d/old")) << marker_first;
    EXPECT_FALSE(present("d/sub/old")) << marker_first;
    EXPECT_EQ(read(root() / "d/new"), "n") << marker_first;
    EXPECT_EQ(read(root() / "d/sub/new"), "m") << marker_first;
    EXPECT_TRUE(present("other"));
    EXPECT_FALSE(present("d/.wh..wh..opq"));
  }
}

TEST_F(ApplyTest, InImageAbsoluteSymlinkParentResolvesInsideTheRoot) {
  TarBuilder lower;
  lower.dir("usr/lib").symlink("lib", "/usr/lib");
  apply(lower);
  TarBuilder upper;
  upper.file("lib/x/y", "through the link");
  apply(upper);
  EXPECT_EQ(read(root() / "usr/lib/x/y"), "through the link");
  EXPECT_TRUE(fs::is_symlink(root() / "lib"));
}

TEST_F(ApplyTest, SymlinkToOutsideCannotBeWrittenThrough) {
  TarBuilder lower;
  lower.symlink("x", "../../..").symlink("abs", "/").symlink("sentinel", "../sentinel");
  apply(lower);
  TarBuilder upper;
  upper.file("x/escape", "e1").file("abs/escape2", "e2").file("sentinel", "overwritten");
  apply(upper);
  EXPECT_EQ(read(root() / "escape"), "e1");
  EXPECT_EQ(read(root() / "escape2"), "e2");
  EXPECT_FALSE(fs::is_symlink(root() / "sentinel")) << "the link itself is replaced, not followed";
}

TEST_F(ApplyTest, DotDotAboveTheRootIsRefused) {
  TarBuilder tar;
  tar.file("../escape", "x");
  const auto message = apply_error(tar);
  EXPECT_NE(message.find("entry ../escape"), std::string::npos) << message;
  EXPECT_NE(message.find("climbs out of the root"), std::string::npos) << message;
}

TEST_F(ApplyTest, AbsoluteNamesLandInsideTheRoot) {
  TarBuilder tar;
  tar.file("/etc/absolute", "inside");
  apply(tar);
  EXPECT_EQ(read(root() / "etc/absolute"), "inside");
}

TEST_F(ApplyTest, HardlinkOutsideIsRefused) {
  TarBuilder tar;
  tar.hardlink("stolen", "../sentinel");
  const auto message = apply_error(tar);
  EXPECT_NE(message.find("entry stolen"), std::string::npos) << message;
  EXPECT_FALSE(present("stolen"));
}

TEST_F(ApplyTest, HardlinkThroughSymlinkStaysInside) {
  TarBuilder tar;
  tar.symlink("out", "/").file("target", "t").hardlink("link", "out/../../sentinel");
  const auto message = apply_error(tar);
  EXPECT_NE(message.find("entry link"), std::string::npos) << message;
}

TEST_F(ApplyTest, DeviceNodesAndFifosAreRecordedNotCreated) {
  TarBuilder tar;
  tar.special("dev/null", AE_IFCHR).special("etc/passwd", AE_IFIFO).special("dev/sda", AE_IFBLK);
  const auto stats = apply(tar);
  EXPECT_FALSE(present("dev/null"));
  EXPECT_FALSE(present("etc/passwd"));
  ASSERT_EQ(stats.skipped.size(), 3U);
  EXPECT_EQ(stats.skipped[1].path, "etc/passwd");
  EXPECT_EQ(stats.skipped[1].kind, "fifo");
}

TEST_F(ApplyTest, MalformedWhiteoutsAreRefused) {
  for (const char* name : {"etc/.wh.", "etc/.wh..", "etc/.wh..wh.other"}) {
    TarBuilder tar;
    tar.file(name, "");
    const auto message = apply_error(tar);
    EXPECT_NE(message.find("invalid whiteout"), std::string::npos) << name << ": " << message;
  }
}

TEST_F(ApplyTest, WhiteoutThroughSymlinkCannotDeleteOutside) {
  TarBuilder lower;
  lower.symlink("up", "..");
  apply(lower);
  TarBuilder upper;
  upper.file("up/.wh.sentinel", "");
  apply(upper);  // resolves to <root>/.wh.sentinel: nothing to remove inside; TearDown checks
  EXPECT_TRUE(fs::is_symlink(root() / "up"));
}

TEST_F(ApplyTest, RootReplacedBySymlinkIsRefused) {
  TarBuilder tar;
  tar.symlink(".", "/etc");
  const auto message = apply_error(tar);
  EXPECT_NE(message.find("root entry is not a directory"), std::string::npos) << message;
}

TEST_F(ApplyTest, OwnershipPreservedAndHugeIdsRefused) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root";
  }
  TarBuilder tar;
  tar.owned_file("owned", 1234, 5678);
  StringStream stream(tar.finish());
  ApplyOptions options;
  options.preserve_ownership = true;
  apply_layer(m_root, stream, options);
  struct stat st {};
  ::stat((root() / "owned").c_str(), &st);
  EXPECT_EQ(st.st_uid, 1234U);
  EXPECT_EQ(st.st_gid, 5678U);
  TarBuilder huge;
  huge.owned_file("huge", 4294967296LL, 0);
  StringStream huge_stream(huge.finish());
  try {
    apply_layer(m_root, huge_stream, options);
    FAIL() << "uid 2^32 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

// Sets one limit for the test's duration.
class LimitGuard {
 public:
  explicit LimitGuard(const char* assignment) {
    util::Limits limits;
    limits.set(assignment);
    util::set_limits(limits);
  }
  LimitGuard(const LimitGuard&) = delete;
  LimitGuard& operator=(const LimitGuard&) = delete;
  ~LimitGuard() { util::set_limits(util::Limits()); }
};

TEST_F(ApplyTest, TrailingDataAfterTheArchiveIsBounded) {
  const LimitGuard guard("trailing-bytes=1M");
  TarBuilder tar;
  tar.file("a", "b");
  auto data = tar.finish();
  data.append((2U << 20), '\0');  // beyond libarchive's read-ahead
  StringStream stream(std::move(data));
  const auto message = test::error_of([&] { apply_layer(m_root, stream, {}); });
  EXPECT_NE(message.find("after the end of the tar archive (limit trailing-bytes=1048576; raise "
                         "it with --limit trailing-bytes=...)"),
            std::string::npos)
      << message;
}

TEST_F(ApplyTest, EntriesPerLayerAreBounded) {
  const LimitGuard guard("entries-per-layer=3");
  TarBuilder tar;
  for (const char* name : {"a", "b", "c", "d"}) {
    tar.file(name, "x");
  }
  StringStream stream(tar.finish());
  const auto message = test::error_of([&] { apply_layer(m_root, stream, {}); });
  EXPECT_NE(message.find("more than 3 entries (limit entries-per-layer=3"), std::string::npos)
      << message;
}

TEST_F(ApplyTest, LayerBytesAndImageBudgetAreBounded) {
  const LimitGuard guard("layer-bytes=64K");
  TarBuilder tar;
  tar.file("big", std::string(200 * 1024, 'x'));
  StringStream stream(tar.finish());
  const auto message = test::error_of([&] { apply_layer(m_root, stream, {}); });
  EXPECT_NE(message.find("larger than 65536 bytes uncompressed (limit layer-bytes=65536"),
            std::string::npos)
      << message;
  TarBuilder small;
  small.file("small", std::string(40 * 1024, 'x'));
  StringStream second(small.finish());
  ApplyOptions options;
  options.image_bytes_left = 10 * 1024;
  const auto image_message = test::error_of([&] { apply_layer(m_root, second, options); });
  EXPECT_NE(image_message.find("(limit image-bytes="), std::string::npos) << image_message;
}

TEST_F(ApplyTest, PathLengthAndDepthAreBounded) {
  {
    const LimitGuard guard("path-depth=4");
    TarBuilder tar;
    tar.file("a/b/c/d/e", "x");
    StringStream stream(tar.finish());
    const auto message = test::error_of([&] { apply_layer(m_root, stream, {}); });
    EXPECT_NE(message.find("path deeper than 4 directories (limit path-depth=4"), std::string::npos)
        << message;
  }
  const LimitGuard guard("path-bytes=16");
  TarBuilder tar;
  tar.file("a-name-longer-than-sixteen-bytes", "x");
  StringStream stream(tar.finish());
  const auto message = test::error_of([&] { apply_layer(m_root, stream, {}); });
  EXPECT_NE(message.find("(limit path-bytes=16"), std::string::npos) << message;
}

TEST(RemoveTree, RemovesUnwritableDirectoriesWithoutFollowingLinks) {
  const auto dir = test::make_temp_dir("imgscap-rm");
  fs::create_directories(dir / "t/a/b");
  std::ofstream(dir / "keep") << "k";
  fs::create_symlink(dir / "keep", dir / "t/link");
  fs::create_directory_symlink(dir, dir / "t/a/up");
  ::chmod((dir / "t/a/b").c_str(), 0);
  ::chmod((dir / "t/a").c_str(), 0555);
  remove_tree(dir / "t");
  EXPECT_FALSE(fs::exists(dir / "t"));
  EXPECT_TRUE(fs::exists(dir / "keep"));
  fs::remove_all(dir);
}

// The facts recorded while layers are applied follow what later layers do, and equal those of
// one walk of the resulting tree.
TEST_F(ApplyTest, FileFactsFollowLaterLayersAndMatchAWalkOfTheTree) {
  FileFacts facts;
  TarBuilder lower;
  lower.file("usr/bin/tool", "#!/bin/sh\n", 04755)
      .file("usr/bin/gone", "x", 02755)
      .dir("srv/drop", 0777)
      .file("srv/drop/inside", "x", 0666)
      .dir("srv/app/.git")
      .file("root/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nAA\n")
      .file("etc/ssl/ca.pem", "-----BEGIN CERTIFICATE-----\nAA\n");
  apply(lower, &facts);
  TarBuilder upper;
  upper.file("usr/bin/.wh.gone", "")
      .file("srv/.wh.drop", "")
      .file("srv/drop", "a file now", 0644)
      .hardlink("opt/tool", "usr/bin/tool")
      .file("srv/app/.wh..wh..opq", "")
      .symlink("srv/app/.env", "../../root/.ssh/id_rsa")
      .symlink("etc/app.key", "/root/.ssh/id_rsa");
  apply(upper, &facts);
  facts.inspect_contents(m_root);
  const auto files = facts.files();
  EXPECT_EQ(files.at("modes"), "4755 regular 0:0 /opt/tool\n4755 regular 0:0 /usr/bin/tool\n");
  EXPECT_EQ(files.at("names"),
            "symlink /etc/app.key\nregular /etc/ssl/ca.pem\nregular /root/.ssh/id_rsa\n"
            "symlink /srv/app/.env\n");
  EXPECT_EQ(files.at("private_keys"), "/etc/app.key\n/root/.ssh/id_rsa\n");
  auto walked = walk_file_facts(m_root).files();
  // The walk sees owners on disk (the unpacking user's), the layers the declared ones (0:0).
  const auto self = fmt::format("{}:{}", ::geteuid(), ::getegid());
  auto& modes = walked["modes"];
  for (auto at = modes.find(" " + self + " "); at != std::string::npos;
       at = modes.find(" " + self + " ", at + 1)) {
    modes.replace(at + 1, self.size(), "0:0");
  }
  EXPECT_EQ(walked, files);
}

TEST(FileFacts, PathsCannotAddLinesAndKeyMarkersAreMatchedAsThePattern) {
  FileFacts facts;
  facts.record("tmp/x\n4755 regular 0:0 /usr/bin/passwd", FileType::regular, 04755, 0, 0);
  facts.record("a\\b", FileType::directory, 0777, 1, 2);
  facts.record("a/.svn", FileType::symlink, 0777, 0, 0);  // a symlink's mode is not listed
  EXPECT_EQ(facts.files().at("modes"),
            "0777 directory 1:2 /a\\\\b\n"
            "4755 regular 0:0 /tmp/x\\x0a4755 regular 0:0 /usr/bin/passwd\n");
  EXPECT_EQ(facts.files().at("names"), "symlink /a/.svn\n");
  facts.remove("a");
  EXPECT_EQ(facts.files().at("names"), "") << "removing a directory removes what is below it";
  EXPECT_TRUE(has_private_key_marker("x\n-----BEGIN PRIVATE KEY-----\n"));
  EXPECT_TRUE(has_private_key_marker("-----BEGIN EC PRIVATE KEY-----"));
  EXPECT_TRUE(has_private_key_marker("-----BEGIN OPENSSH PRIVATE KEY-----"));
  EXPECT_FALSE(has_private_key_marker("-----BEGIN CERTIFICATE-----"));
  EXPECT_FALSE(has_private_key_marker("-----BEGIN ec PRIVATE KEY-----"));
  EXPECT_FALSE(has_private_key_marker("-----BEGIN  PRIVATE KEY-----"));
  EXPECT_FALSE(has_private_key_marker("-----BEGIN PRIVATE KEY----"));
}

}  // namespace
}  // namespace imgscap::rootfs
