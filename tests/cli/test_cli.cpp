// SPDX-License-Identifier: Apache-2.0
// In-process CLI tests: exit codes and the messages users see, without running the binary.
#include "support/temp_dir.hpp"

#include <imgscap/cli/cli.hpp>

#include <imgscap/util/files.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace imgscap::cli {
namespace {

namespace fs = std::filesystem;

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run_cli(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = run(args, Streams{out, err, false});
  return {code, out.str(), err.str()};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override { m_dir = test::make_temp_dir("imgscap-cli-test"); }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path m_dir;
};

TEST_F(CliTest, NoArgumentsIsUsageError) {
  const auto r = run_cli({});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("imgscap: error:"), std::string::npos) << r.err;
}

TEST_F(CliTest, HelpListsExitCodesAndExitsZero) {
  const auto r = run_cli({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Exit codes:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("non-compliant"), std::string::npos);
}

TEST_F(CliTest, ScanHelpShowsScanOptions) {
  const auto r = run_cli({"scan", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--fail-on"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--tailoring-file"), std::string::npos);
  EXPECT_NE(r.out.find("--format text|json"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("->"), std::string::npos) << "internal enum values leak into --help";
}

TEST_F(CliTest, VersionPrintsVersion) {
  const auto r = run_cli({"--version"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find(IMGSCAP_VERSION), std::string::npos) << r.out;
}

TEST_F(CliTest, UnknownOptionIsUsageError) {
  const auto r = run_cli({"scan", "x", "--content", "y", "--no-such-option"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
}

TEST_F(CliTest, BadFailOnIsUsageError) {
  const auto r = run_cli({"scan", "x", "--content", "y", "--fail-on", "severe"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--fail-on"), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingImageIsUsageError) {
  const auto r = run_cli({"scan", "--content", "auto"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("IMAGE"), std::string::npos) << r.err;
}

TEST_F(CliTest, MissingContentFileIsNamedBeforeTheImageIsRead) {
  const auto r = run_cli({"scan", "oci:/nonexistent", "--content", "/nonexistent/content.xml"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent"), std::string::npos) << r.err;
}

TEST_F(CliTest, TailoringWithAutoNeedsAProfile) {
  const auto tailoring = m_dir / "tailoring.xml";
  std::ofstream(tailoring) << "<x/>";
  const auto r = run_cli({"scan", "oci:/nonexistent", "--tailoring-file", tailoring.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--tailoring-file with --content auto needs --profile"), std::string::npos)
      << r.err;
}

TEST_F(CliTest, NonexistentImageNamesThePath) {
  const auto r = run_cli({"scan", (m_dir / "nope.tar").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("imgscap: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nope.tar"), std::string::npos) << r.err;
}

TEST_F(CliTest, NonImageFileIsRejected) {
  const auto file = m_dir / "notes.txt";
  std::ofstream(file) << "just some text\n";
  const auto r = run_cli({"scan", file.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not a container image"), std::string::npos) << r.err;
}

TEST_F(CliTest, RegistryOptionsAreShownAndChecked) {
  const auto help = run_cli({"inspect", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* option :
       {"--platform", "--authfile", "--creds", "--cert-dir", "--tls-verify", "--retry-times"}) {
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
  }
  const auto retries = run_cli({"scan", "docker://localhost:1/app", "--retry-times", "99"});
  EXPECT_EQ(retries.code, 1);
  EXPECT_NE(retries.err.find("--retry-times"), std::string::npos) << retries.err;
  const auto name = run_cli({"inspect", "docker://localhost:1/App"});
  EXPECT_EQ(name.code, 1);
  EXPECT_NE(name.err.find("not a repository name"), std::string::npos) << name.err;
  const auto creds = run_cli({"inspect", "docker://localhost:1/app", "--creds", ":secret"});
  EXPECT_EQ(creds.code, 1);
  EXPECT_NE(creds.err.find("no user name"), std::string::npos) << creds.err;
  EXPECT_EQ(creds.err.find("secret"), std::string::npos) << "the password is echoed";
}

TEST_F(CliTest, DockerDirWithoutVersionIsNotAnImage) {
  util::write_file(m_dir / "manifest.json", "{}");
  const auto r = run_cli({"inspect", m_dir.string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("manifest.json and version"), std::string::npos) << r.err;
}

TEST_F(CliTest, InspectNonexistentImageFails) {
  const auto r = run_cli({"inspect", "oci:" + (m_dir / "missing").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("imgscap: error:"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace imgscap::cli
