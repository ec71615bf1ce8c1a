// SPDX-License-Identifier: Apache-2.0
// In-process CLI tests: exit codes and the messages users see, without running the binary.
#include "support/tar_builder.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/cli/cli.hpp>

#include <imgscap/util/digest.hpp>
#include <imgscap/util/files.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>
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
  // and the libopenscap it runs with, as `oscap --version` states it
  EXPECT_THAT(r.out, ::testing::MatchesRegex(
                         "imgscap [0-9.]+ \\(libopenscap [0-9]+\\.[0-9]+\\.[0-9]+\\)\n"));
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

// Settings from a configuration file and IMGSCAP_ variables, in a private XDG_CONFIG_HOME.
class ConfigTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    m_file = m_dir / "imgscap" / "config.yaml";
    fs::create_directories(m_file.parent_path());
    ::setenv("XDG_CONFIG_HOME", m_dir.c_str(), 1);
  }
  void TearDown() override {
    for (const char* name : {"XDG_CONFIG_HOME", "IMGSCAP_FAIL_ON", "IMGSCAP_CVE", "IMGSCAP_CREDS",
                             "IMGSCAP_CONTENT"}) {
      ::unsetenv(name);
    }
    CliTest::TearDown();
  }
  // The "option: value  # source" line `config show` prints for an option.
  static std::string line_of(const std::string& shown, const std::string& option) {
    const auto at = shown.find("\n" + option + ":");
    return at == std::string::npos ? "(absent)"
                                   : shown.substr(at + 1, shown.find('\n', at + 1) - at - 1);
  }
  fs::path m_file;
};

TEST_F(ConfigTest, FlagsOverEnvironmentOverFileOverDefaults) {
  util::write_file(m_file,
                   "fail-on: low\ncve: auto\njobs: 3\ncontent: [a.xml, b.xml]\nquiet: true\n");
  ::setenv("IMGSCAP_FAIL_ON", "medium", 1);
  ::setenv("IMGSCAP_CVE", "off", 1);
  ::setenv("IMGSCAP_CREDS", "robot:s3cret", 1);
  const auto r = run_cli({"config", "show", "--cve", "https://feeds.example/x.xml"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto file = m_file.string();
  EXPECT_THAT(line_of(r.out, "fail-on"), ::testing::HasSubstr("medium"));
  EXPECT_THAT(line_of(r.out, "fail-on"), ::testing::HasSubstr("# environment IMGSCAP_FAIL_ON"));
  EXPECT_THAT(line_of(r.out, "cve"), ::testing::HasSubstr("https://feeds.example/x.xml"));
  EXPECT_THAT(line_of(r.out, "cve"), ::testing::HasSubstr("# command line"));
  EXPECT_THAT(line_of(r.out, "jobs"), ::testing::HasSubstr("# " + file + " line 3"));
  EXPECT_THAT(line_of(r.out, "content"), ::testing::HasSubstr("a.xml,b.xml"));
  EXPECT_THAT(line_of(r.out, "quiet"), ::testing::HasSubstr("true"));
  EXPECT_THAT(line_of(r.out, "profile"), ::testing::HasSubstr("# default"));
  EXPECT_THAT(line_of(r.out, "creds"), ::testing::HasSubstr("robot:****"));
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos) << r.out;
}

TEST_F(ConfigTest, SettingsReachTheCommand) {
  // --fail-on from the file is checked as the flag would be.
  util::write_file(m_file, "fail-on: severe\n");
  const auto bad = run_cli({"scan", (m_dir / "nope.tar").string()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, ::testing::HasSubstr("--fail-on"));
  // The flag wins: the file's value is never used.
  const auto flag = run_cli({"scan", (m_dir / "nope.tar").string(), "--fail-on", "high"});
  EXPECT_EQ(flag.code, 1);
  EXPECT_THAT(flag.err, ::testing::HasSubstr("nope.tar"));
  // A list from the environment: each value is a content file, checked before the image.
  util::write_file(m_file, "");
  ::setenv("IMGSCAP_CONTENT", "/no/such/a.xml,/no/such/b.xml", 1);
  const auto listed = run_cli({"scan", (m_dir / "nope.tar").string()});
  EXPECT_EQ(listed.code, 1);
  EXPECT_THAT(listed.err, ::testing::HasSubstr("/no/such/a.xml"));
}

TEST_F(ConfigTest, UnknownKeysAndBadFilesAreErrorsNamingThem) {
  util::write_file(m_file, "fail-on: high\nfial-on: low\n");
  const auto r = run_cli({"config", "show"});
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err,
              ::testing::HasSubstr(m_file.string() + ": line 2: unknown option \"fial-on\""));
  util::write_file(m_file, "fail-on: high\nquiet: true\nfail-on: low\n");
  EXPECT_THAT(run_cli({"config", "show"}).err,
              ::testing::HasSubstr(m_file.string() + ": line 3: \"fail-on\" is given twice"));
  util::write_file(m_file, "fail-on: [high\n");
  EXPECT_THAT(run_cli({"config", "show"}).err, ::testing::HasSubstr(m_file.string() + ": line "));
  const auto missing = run_cli({"--config", (m_dir / "none.yaml").string(), "config", "show"});
  EXPECT_EQ(missing.code, 1);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("none.yaml: no such file"));
  // --config names another file; the default one is then not read.
  const auto other = m_dir / "other.yaml";
  util::write_file(other, "fail-on: critical\n");
  const auto given = run_cli({"config", "show", "--config", other.string()});
  EXPECT_EQ(given.code, 0) << given.err;
  EXPECT_THAT(line_of(given.out, "fail-on"), ::testing::HasSubstr("critical"));
}

// Whole scans in the test process, for the exit codes of their verdicts: a docker-archive made
// here, the small OVAL content of tests/data, no sandbox (a test process may not enter a user
// namespace, and dir: trees are refused without one).
class ScanExitTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    ::setenv("XDG_CONFIG_HOME", (m_dir / "config").c_str(), 1);  // no user settings
    ::setenv("XDG_CACHE_HOME", (m_dir / "cache").c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("XDG_CONFIG_HOME");
    ::unsetenv("XDG_CACHE_HOME");
    CliTest::TearDown();
  }
  // "docker-archive:PATH" of one layer: os-release and `env` in the config; with `broken_dpkg`,
  // var/lib/dpkg/status is a directory the package probe cannot read (else there is none).
  std::string image(const std::vector<std::string>& env, bool broken_dpkg = false) {
    test::TarBuilder layer;
    layer.file("etc/os-release", "ID=testos\nVERSION_ID=1\nPRETTY_NAME=\"Test OS 1\"\n");
    if (broken_dpkg) {
      layer.dir("var/lib/dpkg/status");
    }
    const auto layer_tar = layer.finish();
    const nlohmann::json config = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config", {{"Env", env}}},
        {"rootfs", {{"type", "layers"}, {"diff_ids", {util::sha256_of(layer_tar).str()}}}}};
    const nlohmann::json manifest = nlohmann::json::array(
        {{{"Config", "config.json"}, {"RepoTags", {"test/exit:1"}}, {"Layers", {"layer.tar"}}}});
    test::TarBuilder archive;
    archive.file("manifest.json", manifest.dump())
        .file("config.json", config.dump())
        .file("layer.tar", layer_tar);
    const auto path = m_dir / ("image-" + std::to_string(++m_images) + ".tar");
    util::write_file(path, archive.finish());
    return "docker-archive:" + path.string();
  }
  cli::Run scan(const std::string& image_ref, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"scan",
                                  image_ref,
                                  "--content",
                                  std::string(IMGSCAP_TEST_DATA_DIR) + "/basic-oval.xml",
                                  "--unsafe-no-sandbox",
                                  "--format",
                                  "json",
                                  "-o",
                                  (m_dir / ("out-" + std::to_string(++m_scans))).string()};
    args.insert(args.end(), more.begin(), more.end());
    return run_cli(args);
  }
  static nlohmann::json summary(const cli::Run& r) { return nlohmann::json::parse(r.out); }
  int m_images = 0;
  int m_scans = 0;
};

TEST_F(ScanExitTest, CompliantImageExitsZero) {
  const auto r = scan(image({"PATH=/usr/bin"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(summary(r)["verdict"], "compliant");
}

TEST_F(ScanExitTest, FailedRuleAtFailOnExitsTwoAndNotBelowIt) {
  // The content's "no IMGSCAP_TEST_SECRET in the environment" rule fails.
  const auto ref = image({"IMGSCAP_TEST_SECRET=1"});
  const auto r = scan(ref);
  ASSERT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(summary(r)["verdict"], "non-compliant");
  EXPECT_EQ(scan(ref, {"--fail-on", "none"}).code, 0);
}

TEST_F(ScanExitTest, RuleThatCannotBeEvaluatedExitsThree) {
  // The package rule cannot read a dpkg status that is a directory: an error, not "absent".
  const auto r = scan(image({}, true));
  ASSERT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(summary(r)["verdict"], "incomplete");
  // Incomplete outranks non-compliant (Summary::exit_code): a failure beside it does not hide
  // that a rule went unevaluated; --fail-on none ends both.
  const auto ref = image({"IMGSCAP_TEST_SECRET=1"}, true);
  EXPECT_EQ(scan(ref).code, 3);
  EXPECT_EQ(scan(ref, {"--fail-on", "none"}).code, 0);
}

TEST_F(ScanExitTest, NoCveFeedForTheOsExitsFour) {
  const auto r = scan(image({}), {"--cve", "auto", "--offline"});
  ASSERT_EQ(r.code, 4) << r.err;
  EXPECT_THAT(r.err, ::testing::HasSubstr("testos"));
}

}  // namespace
}  // namespace imgscap::cli
