// SPDX-License-Identifier: Apache-2.0
// openat2-confined lookups used to read facts (os-release, package databases) from a root.
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/util/error.hpp>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace imgscap::rootfs {
namespace {

constexpr int k_eagain_retries = 16;

}  // namespace

util::Fd open_root(const std::filesystem::path& dir) {
  util::Fd fd(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) {
    fail("cannot open root directory {}: {}", dir.string(), errno_text(errno));
  }
  return fd;
}

util::Fd open_in_root(const util::Fd& root, std::string_view path, int flags) {
  std::string relative(path);
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < k_eagain_retries; ++attempt) {
    const auto fd = ::syscall(SYS_openat2, root.get(), relative.c_str(), &how, sizeof how);
    if (fd >= 0) {
      return util::Fd(static_cast<int>(fd));
    }
    if (errno != EAGAIN) {
      break;
    }
  }
  return util::Fd();
}

std::optional<std::string> read_in_root(const util::Fd& root, std::string_view path,
                                        std::size_t max_bytes) {
  auto fd = open_in_root(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (!fd) {
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return std::nullopt;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    fail("{} in the image is {} bytes, more than the {} imgscap reads", path, st.st_size,
         max_bytes);
  }
  std::string content;
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const auto n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot read {} in the image: {}", path, errno_text(errno));
    }
    if (n == 0) {
      break;
    }
    content.append(buffer.data(), static_cast<std::size_t>(n));
    if (content.size() > max_bytes) {
      fail("{} in the image is more than the {} bytes imgscap reads", path, max_bytes);
    }
  }
  return content;
}

void make_dirs_in_root(const util::Fd& root, std::string_view path) {
  std::string prefix;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty()) {
      continue;
    }
    const auto parent = open_in_root(root, prefix.empty() ? "." : prefix, O_PATH | O_DIRECTORY);
    if (!parent) {
      fail("cannot open directory /{}: {}", prefix, errno_text(errno));
    }
    prefix += prefix.empty() ? std::string(part) : "/" + std::string(part);
    if (::mkdirat(parent.get(), std::string(part).c_str(), 0755) != 0 && errno != EEXIST) {
      fail("cannot create directory /{}: {}", prefix, errno_text(errno));
    }
  }
  if (!open_in_root(root, prefix, O_PATH | O_DIRECTORY)) {
    fail("/{} is not a directory: {}", prefix, errno_text(errno));
  }
}

bool exists_in_root(const util::Fd& root, std::string_view path) {
  return open_in_root(root, path, O_PATH).valid();
}

}  // namespace imgscap::rootfs
