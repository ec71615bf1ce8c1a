// SPDX-License-Identifier: Apache-2.0
// The part of an image a fleet keeps for later feeds: the package databases, the release files
// and every file the scan's feed reads by name, copied out of the unpacked root (inside it:
// symlinks resolve within the image, as the probes resolve them) into DIR/root, with DIR/
// kept.json saying which paths were looked for and how each was kept. A later feed can be
// answered from it when every file the feed reads was kept or was absent from the image.
#include "steps.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <array>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr int k_kept_format = 1;
// What a kept part may take; an image whose databases are larger keeps nothing (its feed
// changes are evaluated by scanning it again).
constexpr std::uint64_t k_kept_bytes = 512ULL << 20;
constexpr int k_max_depth = 8;

// Kept whole: the package databases the probes read.
constexpr std::array<const char*, 2> k_kept_dirs = {"var/lib/rpm", "var/lib/dpkg/status.d"};
// Kept when present: the dpkg status and tables, and the release files feeds test.
constexpr std::array<const char*, 17> k_kept_files = {
    "var/lib/dpkg/status",    "usr/share/dpkg/cputable", "usr/share/dpkg/tupletable",
    "etc/os-release",         "usr/lib/os-release",      "etc/lsb-release",
    "etc/debian_version",     "etc/redhat-release",      "etc/system-release",
    "etc/system-release-cpe", "etc/centos-release",      "etc/fedora-release",
    "etc/almalinux-release",  "etc/rocky-release",       "etc/oracle-release",
    "etc/alpine-release",     "etc/SuSE-release"};

class Keeper {
 public:
  Keeper(const util::Fd& root, fs::path to) : m_root(root), m_to(std::move(to)) {}

  // "content" (a regular file, copied), "absent", or "not kept" (another kind of file).
  std::string file(const std::string& path) {
    // Looked at before it is opened for reading: a device node is never opened.
    const auto at = rootfs::open_in_root(m_root, path, O_PATH | O_CLOEXEC);
    if (!at) {
      return errno == ENOENT || errno == ENOTDIR ? "absent" : "not kept";
    }
    struct stat st {};
    if (::fstat(at.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return "not kept";
    }
    const auto fd =
        rootfs::open_in_root(m_root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    return fd && copy(fd, path) ? "content" : "not kept";
  }

  // "content" (every regular file below it copied), "absent", or "not kept".
  std::string dir(const std::string& path, int depth = 0) {
    if (depth > k_max_depth) {
      return "not kept";
    }
    const auto fd =
        rootfs::open_in_root(m_root, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
    if (!fd) {
      return errno == ENOENT ? "absent" : "not kept";
    }
    fs::create_directories(m_to / path);
    return walk(fd, path, depth) ? "content" : "not kept";
  }

 private:
  bool copy(const util::Fd& from, const std::string& path) {
    struct stat st {};
    if (::fstat(from.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
        m_bytes + static_cast<std::uint64_t>(st.st_size) > k_kept_bytes) {
      return false;
    }
    fs::create_directories((m_to / path).parent_path());
    const util::Fd to(
        ::open((m_to / path).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!to) {
      fail_errno(errno, "cannot create {}", (m_to / path).string());
    }
    std::array<char, 1 << 16> buffer{};
    for (;;) {
      const auto n = ::read(from.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n < 0) {
        fail_errno(errno, "cannot read /{} in the image", path);
      }
      if (n == 0) {
        return true;
      }
      m_bytes += static_cast<std::uint64_t>(n);
      if (m_bytes > k_kept_bytes) {
        ::unlink((m_to / path).c_str());  // no partial copy is left to be read as the file
        return false;
      }
      util::write_all(to.get(), {buffer.data(), static_cast<std::size_t>(n)}, m_to / path);
    }
  }

  // Every entry of the directory kept; false when one cannot be (or the listing failed).
  bool walk(const util::Fd& dir, const std::string& path, int depth) {
    std::vector<std::string> names;
    util::Fd copy(::dup(dir.get()));
    DIR* stream = copy ? ::fdopendir(copy.get()) : nullptr;
    if (stream == nullptr) {
      return false;
    }
    copy.release();  // closedir closes it
    errno = 0;
    while (const auto* entry = ::readdir(stream)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") {
        names.push_back(name);
      }
      errno = 0;
    }
    const bool listed = errno == 0;
    ::closedir(stream);
    if (!listed) {
      return false;
    }
    for (const auto& name : names) {
      const auto rel = path + "/" + name;
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return false;
      }
      const bool ok =
          S_ISDIR(st.st_mode) ? this->dir(rel, depth + 1) == "content" : file(rel) != "not kept";
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  const util::Fd& m_root;
  fs::path m_to;
  std::uint64_t m_bytes = 0;
};

std::string relative(const std::string& absolute) {
  auto path = absolute;
  while (path.starts_with('/')) {
    path.erase(0, 1);
  }
  return path;
}

bool under(const std::string& path, const std::string& dir) { return path.starts_with(dir + "/"); }

}  // namespace

void keep_feed_inputs(const util::Fd& root, const feeds::FileNeeds& needs,
                      const scan::Target& target, const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir / "root");
  Keeper keeper(root, dir / "root");
  nlohmann::json files = nlohmann::json::object();
  nlohmann::json dirs = nlohmann::json::object();
  for (const char* path : k_kept_dirs) {
    dirs[path] = keeper.dir(path);
  }
  std::vector<std::string> wanted(k_kept_files.begin(), k_kept_files.end());
  for (const auto* list : {&needs.content, &needs.metadata}) {
    for (const auto& path : *list) {
      wanted.push_back(relative(path));
    }
  }
  for (const auto& path : wanted) {
    if (!files.contains(path) &&
        std::none_of(k_kept_dirs.begin(), k_kept_dirs.end(),
                     [&path](const char* d) { return path == d || under(path, d); })) {
      files[path] = keeper.file(path);
    }
  }
  // The databases and release files every feed reads must be kept as they are, or the kept
  // part would answer as an image without them.
  for (const auto& [path, how] : dirs.items()) {
    if (how == "not kept") {
      fail("/{} is larger than imgscap keeps, or not a plain directory", path);
    }
  }
  for (const char* path : k_kept_files) {
    if (files[path] == "not kept") {
      fail("/{} is larger than imgscap keeps, or not a regular file", path);
    }
  }
  const nlohmann::json meta = {{"format", k_kept_format},
                               {"label", target.label},
                               {"dpkg_architecture", target.packages.dpkg_architecture},
                               {"env", target.env},
                               {"files", files},
                               {"dirs", dirs}};
  util::write_file(dir / "kept.json", meta.dump(2) + "\n");
}

std::optional<KeptPart> read_kept_part(const fs::path& dir) {
  try {
    const auto meta = nlohmann::json::parse(util::read_file(dir / "kept.json"));
    if (meta.value("format", 0) != k_kept_format) {
      return std::nullopt;
    }
    KeptPart kept;
    kept.root = dir / "root";
    kept.label = meta.at("label").get<std::string>();
    kept.dpkg_architecture = meta.at("dpkg_architecture").get<std::string>();
    kept.env = meta.at("env").get<std::vector<std::string>>();
    kept.files = meta.at("files").get<std::map<std::string, std::string>>();
    kept.dirs = meta.at("dirs").get<std::map<std::string, std::string>>();
    return kept;
  } catch (const nlohmann::json::exception& e) {
    spdlog::debug("kept part {}: {}", dir.string(), e.what());
    return std::nullopt;
  }
}

std::string KeptPart::cannot_answer(const feeds::FileNeeds& needs) const {
  if (!needs.inexact.empty()) {
    return needs.inexact;
  }
  const auto how = [this](const std::string& path) -> std::string {
    for (const auto& [dir, kept] : dirs) {
      if (path == dir || under(path, dir)) {
        return kept;
      }
    }
    const auto it = files.find(path);
    return it == files.end() ? "not looked for" : it->second;
  };
  for (const auto& path : needs.content) {
    if (const auto kept = how(relative(path)); kept != "content" && kept != "absent") {
      return fmt::format("it reads {}, which the scan did not keep ({})", path, kept);
    }
  }
  for (const auto& path : needs.metadata) {
    // A copy has other owners and times: only a file the image lacks is answered exactly.
    if (const auto kept = how(relative(path)); kept != "absent") {
      return fmt::format("it looks at the attributes of {}, which a copy does not keep", path);
    }
  }
  return {};
}

}  // namespace imgscap::pipeline
