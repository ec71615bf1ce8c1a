// SPDX-License-Identifier: Apache-2.0
// The tmpfs root: budget from /proc/meminfo and the cgroup, mount namespace, mount and unmount.
#include <imgscap/sandbox/memory_root.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/text.hpp>

#include <spdlog/spdlog.h>

#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <utility>

namespace imgscap::sandbox {
namespace {

constexpr std::uint64_t k_max_budget = 8ULL << 30;
constexpr std::uint64_t k_page = 4096;

// "MemAvailable:   123456 kB" -> bytes.
std::optional<std::uint64_t> mem_available(std::string_view meminfo) {
  constexpr std::string_view k_key = "MemAvailable:";
  const auto at = meminfo.find(k_key);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  auto rest = util::trim(meminfo.substr(at + k_key.size()));
  std::uint64_t kb = 0;
  const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
  if (ec != std::errc()) {
    return std::nullopt;
  }
  return kb * 1024;
}

std::optional<std::uint64_t> number(std::string_view text) {
  text = util::trim(text);
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return std::nullopt;  // also "max": no limit
  }
  return value;
}

bool g_private_mounts = false;

bool enter_private_mounts() {
  if (g_private_mounts) {
    return true;
  }
  if (::unshare(CLONE_NEWNS) != 0) {
    spdlog::debug("RAM-backed root not used: unshare(CLONE_NEWNS): {}", errno_text(errno));
    return false;
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    spdlog::debug("RAM-backed root not used: private mounts: {}", errno_text(errno));
    return false;
  }
  g_private_mounts = true;
  return true;
}

}  // namespace

std::uint64_t memory_budget_from(std::string_view meminfo, std::string_view cgroup_max,
                                 std::string_view cgroup_current) {
  auto available = mem_available(meminfo).value_or(0);
  const auto max = number(cgroup_max);
  const auto current = number(cgroup_current);
  if (max && current) {
    available = std::min(available, *max > *current ? *max - *current : 0);
  }
  return std::min(available / 4, k_max_budget) / k_page * k_page;
}

std::uint64_t default_memory_budget() {
  // The cgroup of this process (v2: one line "0::/path").
  std::string group = "/";
  const auto self = util::read_file("/proc/self/cgroup");
  if (const auto at = self.find("0::"); at != std::string::npos) {
    group = std::string(
        util::trim(std::string_view(self).substr(at + 3, self.find('\n', at) - at - 3)));
  }
  const std::filesystem::path dir = std::filesystem::path("/sys/fs/cgroup") / group.substr(1);
  return memory_budget_from(util::read_file("/proc/meminfo"), util::read_file(dir / "memory.max"),
                            util::read_file(dir / "memory.current"));
}

std::optional<MemoryRoot> MemoryRoot::mount(const std::filesystem::path& dir, std::uint64_t bytes) {
  if (bytes < k_page || !enter_private_mounts()) {
    return std::nullopt;
  }
  const auto options = fmt::format("size={},nr_inodes={},mode=0755", bytes,
                                   std::max<std::uint64_t>(bytes / k_page, 1024));
  if (::mount("imgscap-root", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    spdlog::debug("RAM-backed root not used: mount tmpfs: {}", errno_text(errno));
    return std::nullopt;
  }
  return MemoryRoot(dir, bytes);
}

MemoryRoot::MemoryRoot(MemoryRoot&& other) noexcept
    : m_dir(std::exchange(other.m_dir, {})), m_bytes(other.m_bytes) {}

MemoryRoot::~MemoryRoot() {
  if (!m_dir.empty() && ::umount2(m_dir.c_str(), MNT_DETACH) != 0) {
    spdlog::warn("cannot unmount the RAM-backed root {}: {}", m_dir.string(), errno_text(errno));
  }
}

}  // namespace imgscap::sandbox
