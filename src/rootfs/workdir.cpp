// SPDX-License-Identifier: Apache-2.0
// Creation and guaranteed removal of the private work directory.
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/rootfs/workdir.hpp>
#include <imgscap/util/error.hpp>

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

namespace imgscap::rootfs {

WorkDir WorkDir::create(const std::optional<std::filesystem::path>& parent) {
  std::filesystem::path base;
  if (parent) {
    base = *parent;
  } else if (const char* tmpdir = std::getenv("TMPDIR"); tmpdir != nullptr && *tmpdir != '\0') {
    base = tmpdir;
  } else {
    base = "/tmp";
  }
  std::string pattern = (std::filesystem::absolute(base) / "imgscap-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    fail("cannot create a work directory in {}: {}", base.string(), errno_text(errno));
  }
  ::chmod(pattern.c_str(), 0700);
  WorkDir dir{std::filesystem::path(pattern)};
  for (const auto& sub :
       {dir.rootfs(), dir.private_dir(), dir.results_dir(), dir.layer_dir(), dir.staging_dir()}) {
    if (::mkdir(sub.c_str(), 0700) != 0) {
      fail("cannot create {}: {}", sub.string(), errno_text(errno));
    }
  }
  return dir;
}

WorkDir::WorkDir(WorkDir&& other) noexcept
    : m_path(std::exchange(other.m_path, {})), m_keep(other.m_keep) {}

WorkDir::~WorkDir() {
  if (m_path.empty() || m_keep) {
    return;
  }
  try {
    remove_tree(m_path);
  } catch (const std::exception& e) {
    spdlog::error("cannot remove the work directory {}: {}", m_path.string(), e.what());
  }
}

}  // namespace imgscap::rootfs
