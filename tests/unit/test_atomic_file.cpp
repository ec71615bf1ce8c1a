// SPDX-License-Identifier: Apache-2.0
// Tests for AtomicFile: nothing at the destination until commit, no temporary left behind.
#include "support/temp_dir.hpp"

#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace imgscap::util {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override { m_dir = test::make_temp_dir("imgscap-atomic"); }
  void TearDown() override { fs::remove_all(m_dir); }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(m_dir), {}));
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path m_dir;
};

TEST_F(AtomicFileTest, InvisibleUntilCommit) {
  AtomicFile file(m_dir / "summary.txt");
  file.write("hello");
  EXPECT_FALSE(fs::exists(m_dir / "summary.txt"));
  file.commit();
  EXPECT_EQ(read(m_dir / "summary.txt"), "hello");
  EXPECT_EQ(entries(), 1U);
}

TEST_F(AtomicFileTest, AbandonedFileLeavesNothingAndKeepsTheOldOne) {
  std::ofstream(m_dir / "arf.xml") << "previous complete report";
  {
    AtomicFile file(m_dir / "arf.xml");
    file.write("half a rep");
  }
  EXPECT_EQ(read(m_dir / "arf.xml"), "previous complete report");
  EXPECT_EQ(entries(), 1U);
}

TEST_F(AtomicFileTest, CopiesAFile) {
  std::ofstream(m_dir / "src") << std::string(200000, 'x');
  AtomicFile file(m_dir / "dst");
  file.write_file(m_dir / "src");
  file.commit();
  EXPECT_EQ(fs::file_size(m_dir / "dst"), 200000U);
}

TEST_F(AtomicFileTest, MissingDirectoryIsAnError) {
  EXPECT_THROW(AtomicFile(m_dir / "no/such/dir/file"), Error);
}

}  // namespace
}  // namespace imgscap::util
