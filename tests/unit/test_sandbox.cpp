// SPDX-License-Identifier: Apache-2.0
// The sandbox on real namespaces: each test forks, enters the user namespace and the sandbox in
// the child, and reports what the child could see and do. Host sentinel files, a listening
// loopback socket and a read-only bind are the things it must not reach or change.
#include "support/errors.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/sandbox/memory_root.hpp>
#include <imgscap/sandbox/sandbox.hpp>
#include <imgscap/sandbox/user_namespace.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

namespace imgscap::sandbox {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs body() in a forked child; returns the lines it wrote ("key=value") as a map, plus
// "exit" = the child's exit status.
std::map<std::string, std::string> in_child(
    const std::function<void(std::map<std::string, std::string>&)>& body) {
  std::array<int, 2> fds{};
  EXPECT_EQ(::pipe(fds.data()), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::map<std::string, std::string> out;
    int code = 0;
    try {
      body(out);
    } catch (const std::exception& e) {
      out["error"] = e.what();
      code = 3;
    }
    std::string text;
    for (const auto& [key, value] : out) {
      text += key + "=" + value + "\n";
    }
    [[maybe_unused]] const auto n = ::write(fds[1], text.data(), text.size());
    ::_exit(code);
  }
  ::close(fds[1]);
  std::string text;
  std::array<char, 4096> buffer{};
  ssize_t n = 0;
  while ((n = ::read(fds[0], buffer.data(), buffer.size())) > 0) {
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    out[line.substr(0, eq)] = eq == std::string::npos ? "" : line.substr(eq + 1);
  }
  out["exit"] = std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return out;
}

std::string open_errno(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return "opened";
  }
  return std::to_string(errno);
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir = test::make_temp_dir("imgscap-sandbox");
    fs::create_directories(m_dir / "lower/etc");
    fs::create_directories(m_dir / "staging");
    fs::create_directories(m_dir / "data");
    std::ofstream(m_dir / "lower/etc/os-release") << "ID=sandboxtest\n";
    // A host file the image points at by absolute path: it must stay out of reach.
    m_secret = m_dir / "host-secret";
    std::ofstream(m_secret) << "host secret\n";
    fs::create_symlink(m_secret, m_dir / "lower/etc/passwd");
    fs::create_symlink("/etc/hostname", m_dir / "lower/etc/hostname");
    std::ofstream(m_dir / "data/readme") << "bound\n";
    m_spec.lower = m_dir / "lower";
    m_spec.layer = m_dir / "layer";
    m_spec.staging = m_dir / "staging";
    m_spec.binds = {{m_dir / "data", "data", false}, {m_dir / "out", "out", true}};
    m_spec.hostname = "sandboxed-image";
    m_spec.private_name = new_private_name();
    fs::create_directories(m_dir / "out");
  }
  void TearDown() override { fs::remove_all(m_dir); }

  fs::path m_dir;
  fs::path m_secret;
  Spec m_spec;
};

TEST_F(SandboxTest, SeesTheImageAndBindsButNoHostFiles) {
  const auto r = in_child([&](auto& out) {
    enter_user_namespace();
    const auto view = enter(m_spec);
    out["image"] = view.image().string();
    out["os_release"] = slurp(view.image() / "etc/os-release").substr(0, 16);
    out["passwd_via_symlink"] = open_errno((view.image() / "etc/passwd").c_str());
    out["hostname_via_symlink"] = open_errno((view.image() / "etc/hostname").c_str());
    out["host_secret"] = open_errno(m_secret.c_str());
    out["etc_shadow"] = open_errno("/etc/shadow");
    out["proc"] = open_errno("/proc/self/status");
    out["dev_zero"] = open_errno("/dev/zero");
    out["bound"] = slurp(view.place("data") / "readme");
    out["pid"] = std::to_string(::getpid());
    std::array<char, 64> name{};
    ::gethostname(name.data(), name.size());
    out["hostname"] = name.data();
  });
  ASSERT_EQ(r.at("exit"), "0") << (r.count("error") ? r.at("error") : "");
  EXPECT_EQ(r.at("image"), "/image");
  EXPECT_EQ(r.at("os_release"), "ID=sandboxtest");
  EXPECT_EQ(r.at("passwd_via_symlink"), std::to_string(ENOENT));
  EXPECT_EQ(r.at("hostname_via_symlink"), std::to_string(ENOENT));
  EXPECT_EQ(r.at("host_secret"), std::to_string(ENOENT));
  EXPECT_EQ(r.at("etc_shadow"), std::to_string(ENOENT));
  EXPECT_EQ(r.at("proc"), std::to_string(ENOENT));
  EXPECT_EQ(r.at("dev_zero"), std::to_string(ENOENT));
  EXPECT_EQ(r.at("bound"), "bound");
  EXPECT_EQ(r.at("pid"), "1");
  EXPECT_EQ(r.at("hostname"), "sandboxed-image");
}

TEST_F(SandboxTest, WritesLandInTheThrowawayLayerAndReadOnlyBindsStayUnchanged) {
  const auto r = in_child([&](auto& out) {
    enter_user_namespace();
    const auto view = enter(m_spec);
    std::ofstream(view.image() / "etc/os-release", std::ios::app) << "CHANGED=1\n";
    std::ofstream(view.image() / "new-file") << "new\n";
    std::ofstream(view.place("out") / "result") << "written\n";
    out["ro_bind_write"] = std::to_string(
        ::open((view.place("data") / "x").c_str(), O_CREAT | O_WRONLY, 0600) < 0 ? errno : 0);
  });
  ASSERT_EQ(r.at("exit"), "0") << (r.count("error") ? r.at("error") : "");
  EXPECT_EQ(r.at("ro_bind_write"), std::to_string(EROFS));
  EXPECT_EQ(slurp(m_dir / "lower/etc/os-release"), "ID=sandboxtest\n");
  EXPECT_FALSE(fs::exists(m_dir / "lower/new-file"));
  EXPECT_TRUE(fs::exists(m_dir / "layer/upper/new-file"));
  EXPECT_EQ(slurp(m_dir / "out/result"), "written\n");
  EXPECT_FALSE(fs::exists(m_dir / "data/x"));
}

TEST_F(SandboxTest, HasNoNetworkAndCannotMount) {
  // A server on the host's loopback the sandbox must not reach.
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(server, 1), 0);
  socklen_t length = sizeof address;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&address), &length);
  const auto r = in_child([&](auto& out) {
    enter_user_namespace();
    enter(m_spec);
    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    out["connect"] = std::to_string(
        ::connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 ? 0 : errno);
    out["mount"] = std::to_string(::mount("tmpfs", "/image", "tmpfs", 0, nullptr) == 0 ? 0 : errno);
  });
  ::close(server);
  ASSERT_EQ(r.at("exit"), "0") << (r.count("error") ? r.at("error") : "");
  EXPECT_NE(r.at("connect"), "0") << "the sandbox reached the host's loopback";
  EXPECT_EQ(r.at("mount"), std::to_string(EPERM));
}

TEST(SubordinateIds, FindsRangesByNameOrId) {
  const std::string text = "alice:100000:65536\n# comment\n1001:200000:65536\nbob:bad:1\n";
  const auto alice = find_subordinate_range(text, "alice", 1000);
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->start, 100000U);
  EXPECT_EQ(alice->count, 65536U);
  const auto by_id = find_subordinate_range(text, "carol", 1001);
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->start, 200000U);
  EXPECT_FALSE(find_subordinate_range(text, "bob", 1002).has_value());
  EXPECT_FALSE(find_subordinate_range(text, "", 5).has_value());
}

TEST(MemoryBudget, AQuarterOfWhatIsAvailableCgroupIncludedAtMost8G) {
  const std::string meminfo = "MemTotal: 24000000 kB\nMemAvailable:    4194304 kB\n";
  EXPECT_EQ(memory_budget_from(meminfo, "max\n", "123\n"), 1ULL << 30);
  EXPECT_EQ(memory_budget_from(meminfo, "", ""), 1ULL << 30) << "no cgroup v2 files";
  EXPECT_EQ(memory_budget_from(meminfo, "2147483648\n", "1073741824\n"), 256ULL << 20)
      << "the cgroup leaves 1 GiB";
  EXPECT_EQ(memory_budget_from(meminfo, "100\n", "200\n"), 0U) << "the cgroup is over its limit";
  EXPECT_EQ(memory_budget_from("MemAvailable: 104857600 kB\n", "max", "0"), 8ULL << 30);
  EXPECT_EQ(memory_budget_from("no such line", "max", "0"), 0U);
}

}  // namespace
}  // namespace imgscap::sandbox
