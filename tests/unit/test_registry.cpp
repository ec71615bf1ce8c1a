// SPDX-License-Identifier: Apache-2.0
// Registry names as the containers tools expand them, credentials in their lookup order, the
// helper runner, and platform matching for indexes.
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

#include "../../src/image/manifest.hpp"
#include "../../src/registry/responses.hpp"

#include <imgscap/registry/credentials.hpp>
#include <imgscap/registry/name.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/process.hpp>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace imgscap {
namespace {

namespace fs = std::filesystem;
using registry::parse_image_name;

const std::string k_digest =
    "sha256:0ac307a004314262a0b6a8f3510135dd20f1f3cc64bef5c00fa4e81d25562399";

TEST(ImageName, DockerHubShortNamesExpandAsDockerAndPodmanDo) {
  const auto a = parse_image_name("debian:12");
  EXPECT_EQ(a.registry, "docker.io");
  EXPECT_EQ(a.repository, "library/debian");
  EXPECT_EQ(a.tag, "12");
  EXPECT_EQ(a.api_host(), "registry-1.docker.io");
  EXPECT_EQ(parse_image_name("debian").tag, "latest");
  EXPECT_EQ(parse_image_name("bitnami/nginx").repository, "bitnami/nginx");
  EXPECT_EQ(parse_image_name("docker.io/debian").repository, "library/debian");
  EXPECT_EQ(parse_image_name("index.docker.io/team/app").str(), "docker.io/team/app:latest");
}

TEST(ImageName, RegistryIsTheFirstComponentWithADotColonOrLocalhost) {
  const auto a = parse_image_name("localhost:5000/app:1.4");
  EXPECT_EQ(a.registry, "localhost:5000");
  EXPECT_EQ(a.repository, "app");
  EXPECT_EQ(a.hostname(), "localhost");
  EXPECT_TRUE(a.is_loopback());
  EXPECT_EQ(parse_image_name("localhost/app").registry, "localhost");
  const auto b = parse_image_name("registry.example.com/team/sub/app@" + k_digest);
  EXPECT_EQ(b.registry, "registry.example.com");
  EXPECT_EQ(b.repository, "team/sub/app");
  EXPECT_EQ(b.tag, "");
  EXPECT_EQ(b.manifest_reference(), k_digest);
  EXPECT_FALSE(b.is_loopback());
  EXPECT_TRUE(parse_image_name("127.0.0.1:5000/app").is_loopback());
  // A tag beside the digest is kept for the record; the digest is what is pulled.
  const auto c = parse_image_name("quay.io/team/app:1@" + k_digest);
  EXPECT_EQ(c.tag, "1");
  EXPECT_EQ(c.manifest_reference(), k_digest);
  EXPECT_EQ(c.str(), "quay.io/team/app:1@" + k_digest);
}

TEST(ImageName, LoopbackIsAnAddressNotAPrefix) {
  EXPECT_TRUE(registry::is_loopback_host("localhost"));
  EXPECT_TRUE(registry::is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(registry::is_loopback_host("127.1.2.3"));
  EXPECT_FALSE(registry::is_loopback_host("127.example.com"));
  EXPECT_FALSE(registry::is_loopback_host("127.0.0.256"));
  EXPECT_FALSE(registry::is_loopback_host("localhost.example.com"));
  EXPECT_FALSE(parse_image_name("127.example.com/app").is_loopback());
}

TEST(ImageName, InvalidNamesSayWhatIsWrong) {
  EXPECT_NE(test::error_of([] { parse_image_name("Team/App"); }).find("not a repository name"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_image_name("team//app"); }).find("not a repository name"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_image_name("app:bad/tag:"); }).find("not a tag"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_image_name("app:.x"); }).find("not a tag"),
            std::string::npos);
  EXPECT_NE(test::error_of([] { parse_image_name("app@sha256:1234"); }), "(no error)");
  EXPECT_NE(test::error_of([] { parse_image_name(""); }), "(no error)");
  EXPECT_NE(test::error_of([] { parse_image_name("-bad.host:5000/app"); }).find("registry"),
            std::string::npos);
}

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-creds");
    for (const char* name : {"HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG",
                             "REGISTRY_AUTH_FILE", "PATH"}) {
      const char* value = std::getenv(name);
      m_saved.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
      ::unsetenv(name);
    }
    ::setenv("HOME", (m_dir / "home").c_str(), 1);
    ::setenv("PATH", ((m_dir / "bin").string() + ":/usr/bin:/bin").c_str(), 1);
    fs::create_directories(m_dir / "bin");
  }
  void TearDown() override {
    for (const auto& [name, value] : m_saved) {
      value ? ::setenv(name.c_str(), value->c_str(), 1) : ::unsetenv(name.c_str());
    }
    fs::remove_all(m_dir);
  }
  void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    util::write_file(path, text);
  }
  static std::string auth(const std::string& user_password) {
    // base64 of a few fixed strings, as docker writes them
    if (user_password == "u:right") {
      return "dTpyaWdodA==";
    }
    return "dTp3cm9uZw==";  // u:wrong
  }
  fs::path m_dir;
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

TEST_F(CredentialsTest, NoneAnywhereIsAnonymous) {
  EXPECT_FALSE(registry::find_credentials({}, parse_image_name("localhost:5000/app")));
}

TEST_F(CredentialsTest, FilesInTheContainersToolsOrder) {
  const auto name = parse_image_name("reg.example.com/team/app");
  write(m_dir / "home/.docker/config.json",
        R"({"auths": {"https://reg.example.com": {"auth": ")" + auth("u:wrong") + R"("}}})");
  auto found = registry::find_credentials({}, name);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->secret, "wrong");
  EXPECT_NE(found->origin.find(".docker/config.json"), std::string::npos);
  write(m_dir / "home/.config/containers/auth.json",
        R"({"auths": {"reg.example.com": {"auth": ")" + auth("u:right") + R"("}}})");
  found = registry::find_credentials({}, name);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "u");
  EXPECT_EQ(found->secret, "right");
  ::setenv("XDG_RUNTIME_DIR", (m_dir / "run").c_str(), 1);
  write(m_dir / "run/containers/auth.json",
        R"({"auths": {"reg.example.com": {"auth": ")" + auth("u:wrong") + R"("}}})");
  EXPECT_EQ(registry::find_credentials({}, name)->secret, "wrong");
  // An explicit file is the only one read.
  write(m_dir / "explicit.json", R"({"auths": {}})");
  registry::CredentialOptions options;
  options.authfile = m_dir / "explicit.json";
  EXPECT_FALSE(registry::find_credentials(options, name));
  ::setenv("REGISTRY_AUTH_FILE", (m_dir / "explicit.json").c_str(), 1);
  EXPECT_FALSE(registry::find_credentials({}, name));
  options.explicit_credentials = registry::Credentials{"x", "y", "--creds"};
  EXPECT_EQ(registry::find_credentials(options, name)->origin, "--creds");
}

TEST_F(CredentialsTest, MostSpecificKeyWinsAndDockerHubKeysAreNormalised) {
  write(m_dir / "home/.config/containers/auth.json",
        R"({"auths": {"reg.example.com": {"auth": ")" + auth("u:wrong") +
            R"("}, "reg.example.com/team": {"auth": ")" + auth("u:right") +
            R"("}, "https://index.docker.io/v1/": {"auth": ")" + auth("u:right") + R"("}}})");
  EXPECT_EQ(registry::find_credentials({}, parse_image_name("reg.example.com/team/app"))->secret,
            "right");
  EXPECT_EQ(registry::find_credentials({}, parse_image_name("reg.example.com/other/app"))->secret,
            "wrong");
  EXPECT_EQ(registry::find_credentials({}, parse_image_name("debian:12"))->secret, "right");
}

TEST_F(CredentialsTest, HelpersAreAskedAndNotFoundIsAnonymous) {
  write(m_dir / "bin/docker-credential-fake",
        "#!/bin/sh\nread -r server\n"
        "if [ \"$server\" = reg.example.com ]; then\n"
        "  echo '{\"ServerURL\":\"reg.example.com\",\"Username\":\"h\",\"Secret\":\"s3\"}'\n"
        "else echo 'credentials not found in native keychain'; exit 1; fi\n");
  fs::permissions(m_dir / "bin/docker-credential-fake", fs::perms::owner_all);
  write(m_dir / "home/.docker/config.json", R"({"credsStore": "fake"})");
  const auto found = registry::find_credentials({}, parse_image_name("reg.example.com/app"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->username, "h");
  EXPECT_EQ(found->secret, "s3");
  EXPECT_EQ(found->origin, "credential helper docker-credential-fake");
  EXPECT_FALSE(registry::find_credentials({}, parse_image_name("other.example.com/app")));
  write(m_dir / "home/.docker/config.json", R"({"credHelpers": {"reg.example.com": "absent"}})");
  EXPECT_NE(test::error_of([&] {
              registry::find_credentials({}, parse_image_name("reg.example.com/app"));
            }).find("docker-credential-absent"),
            std::string::npos);
}

TEST_F(CredentialsTest, EmptyHelpersAndEmptyAuthMeanTheFileAlone) {
  write(m_dir / "home/.docker/config.json",
        R"({"credsStore": "", "credHelpers": {"reg.example.com": ""},
            "auths": {"reg.example.com": {"auth": ""}, "other.example.com": {"auth": ")" +
            auth("u:right") + R"("}}})");
  EXPECT_FALSE(registry::find_credentials({}, parse_image_name("reg.example.com/app")));
  EXPECT_EQ(registry::find_credentials({}, parse_image_name("other.example.com/app"))->secret,
            "right");
}

TEST_F(CredentialsTest, MalformedFilesNameThemselvesNotTheirSecrets) {
  write(m_dir / "home/.config/containers/auth.json",
        R"({"auths": {"reg.example.com": {"auth": "not base64!"}}})");
  const auto message =
      test::error_of([] { registry::find_credentials({}, parse_image_name("reg.example.com/a")); });
  EXPECT_NE(message.find("auth.json"), std::string::npos);
  EXPECT_NE(message.find("base64"), std::string::npos);
  EXPECT_EQ(message.find("not base64!"), std::string::npos);
  registry::CredentialOptions options;
  options.authfile = m_dir / "absent.json";
  EXPECT_NE(test::error_of([&] {
              registry::find_credentials(options, parse_image_name("reg.example.com/a"));
            }).find("no such file"),
            std::string::npos);
}

TEST(Creds, UserPasswordOrPasswordFromStdin) {
  std::istringstream none;
  const auto a = registry::parse_creds("user:pa:ss", none);
  EXPECT_EQ(a.username, "user");
  EXPECT_EQ(a.secret, "pa:ss");
  std::istringstream in("from-stdin\n");
  EXPECT_EQ(registry::parse_creds("user", in).secret, "from-stdin");
  std::istringstream empty;
  EXPECT_NE(test::error_of([&] { registry::parse_creds("user", empty); }).find("stdin"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { registry::parse_creds(":pw", empty); }), "(no error)");
}

TEST(Process, CapturesStdoutBoundedAndReportsAbsentPrograms) {
  const auto r = util::run_process({"sh", "-c", "cat; echo done; exit 3"}, "in\n", 1024, 10);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.out, "in\ndone\n");
  try {
    util::run_process({"imgscap-no-such-program"}, "", 1024, 10);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.error_number(), ENOENT);
  }
  EXPECT_NE(test::error_of([] { util::run_process({"yes"}, "", 4096, 10); }).find("more than"),
            std::string::npos);
  EXPECT_NE(test::error_of([] {
              util::run_process({"sleep", "5"}, "", 10, 1);
            }).find("did not finish"),
            std::string::npos);
  // A helper that exits without reading its input does not end imgscap with SIGPIPE.
  const std::string big(1 << 20, 'x');
  EXPECT_EQ(util::run_process({"true"}, big, 10, 10).exit_status, 0);
}

TEST(Platform, MatchesAsTheContainersToolsDo) {
  EXPECT_TRUE(image::platform_matches("linux/amd64", "linux/amd64"));
  EXPECT_FALSE(image::platform_matches("linux/amd64", "linux/arm64"));
  EXPECT_TRUE(image::platform_matches("linux/arm64", "linux/arm64/v8"));
  EXPECT_TRUE(image::platform_matches("linux/arm64/v8", "linux/arm64"));
  EXPECT_TRUE(image::platform_matches("linux/arm", "linux/arm/v7"));
  EXPECT_FALSE(image::platform_matches("linux/arm/v6", "linux/arm/v7"));
  EXPECT_FALSE(image::platform_matches("windows/amd64", "linux/amd64"));
  EXPECT_EQ(image::host_platform().rfind("linux/", 0), 0U);
}

TEST(RegistryResponses, NextPageFollowsOnlyTheApisOwnLinks) {
  EXPECT_EQ(registry::next_page(R"(</v2/_catalog?last=fleet%2Fok&n=1000>; rel="next")"),
            "/v2/_catalog?last=fleet%2Fok&n=1000");
  EXPECT_EQ(registry::next_page(
                R"(<https://reg.example.com/v2/team/app/tags/list?last=9&n=2>; rel="next")"),
            "/v2/team/app/tags/list?last=9&n=2");
  EXPECT_EQ(registry::next_page(""), "");
  EXPECT_EQ(registry::next_page(R"(</v2/_catalog?last=a>; rel="prev")"), "");
  EXPECT_EQ(registry::next_page(R"(</token?x=1>; rel="next")"), "") << "a page outside the API";
  EXPECT_EQ(registry::next_page(R"(<https://evil.example.com>; rel="next")"), "");
  EXPECT_EQ(registry::next_page("<</v2/"), "");
}

}  // namespace
}  // namespace imgscap
