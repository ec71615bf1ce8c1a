// SPDX-License-Identifier: Apache-2.0
// fd-based recursive removal.
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

namespace imgscap::rootfs {
namespace {

struct DirClose {
  void operator()(DIR* d) const noexcept { ::closedir(d); }
};

}  // namespace

std::vector<std::string> list_directory(int dir_fd) {
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::unique_ptr<DIR, DirClose> dir(fd >= 0 ? ::fdopendir(fd) : nullptr);
  if (!dir) {
    if (fd >= 0) {
      ::close(fd);
    }
    fail("cannot list a directory: {}", errno_text(errno));
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view name(entry->d_name);
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  return names;
}

void remove_at(int dir_fd, std::string_view name_view) {
  const std::string name(name_view);
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return;
    }
    fail("cannot stat {}: {}", name, errno_text(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      fail("cannot remove {}: {}", name, errno_text(errno));
    }
    return;
  }
  if ((st.st_mode & S_IRWXU) != S_IRWXU) {
    ::fchmodat(dir_fd, name.c_str(), (st.st_mode & 07777) | S_IRWXU, 0);
  }
  {
    util::Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child) {
      fail("cannot open directory {}: {}", name, errno_text(errno));
    }
    for (const auto& entry : list_directory(child.get())) {
      remove_at(child.get(), entry);
    }
  }
  if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    fail("cannot remove directory {}: {}", name, errno_text(errno));
  }
}

void remove_tree(const std::filesystem::path& dir) {
  const auto absolute = std::filesystem::absolute(dir).lexically_normal();
  auto parent = absolute.parent_path();
  util::Fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent_fd) {
    if (errno == ENOENT) {
      return;
    }
    fail("cannot open {}: {}", parent.string(), errno_text(errno));
  }
  with_context("removing " + absolute.string(),
               [&] { remove_at(parent_fd.get(), absolute.filename().string()); });
}

}  // namespace imgscap::rootfs
