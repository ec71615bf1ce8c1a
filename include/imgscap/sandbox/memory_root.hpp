// SPDX-License-Identifier: Apache-2.0
// A RAM-backed root for the unpacked image: a tmpfs of bounded size mounted over the work
// directory's rootfs/ in a mount namespace private to imgscap (inside its user namespace).
// Creating hundreds of thousands of files there costs no journal, and the whole tree goes away
// with one unmount instead of an unlink per file. When the image does not fit, the caller
// unpacks again on disk.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace imgscap::sandbox {

// A quarter of the memory this process can use: /proc/meminfo's MemAvailable, or what the cgroup
// (v2) limit leaves (memory.max - memory.current) when lower; at most 8 GiB.
std::uint64_t default_memory_budget();
std::uint64_t memory_budget_from(std::string_view meminfo, std::string_view cgroup_max,
                                 std::string_view cgroup_current);

class MemoryRoot {
 public:
  // Moves this (single-threaded) process into a private mount namespace, if it is not in one
  // yet, and mounts a tmpfs of at most `bytes` bytes (and one inode per 4 KiB of them) on `dir`.
  // nullopt, with the reason logged, when the kernel refuses.
  static std::optional<MemoryRoot> mount(const std::filesystem::path& dir, std::uint64_t bytes);

  MemoryRoot(const MemoryRoot&) = delete;
  MemoryRoot& operator=(const MemoryRoot&) = delete;
  MemoryRoot(MemoryRoot&& other) noexcept;
  MemoryRoot& operator=(MemoryRoot&&) = delete;
  // Unmounts (lazily: the children that still use it keep it until they end); `dir` is then
  // the empty directory on disk again.
  ~MemoryRoot();

  [[nodiscard]] std::uint64_t size_bytes() const noexcept { return m_bytes; }

 private:
  MemoryRoot(std::filesystem::path dir, std::uint64_t bytes)
      : m_dir(std::move(dir)), m_bytes(bytes) {}
  std::filesystem::path m_dir;
  std::uint64_t m_bytes = 0;
};

}  // namespace imgscap::sandbox
