// SPDX-License-Identifier: Apache-2.0
// Layer application: libarchive parses the tar, every write goes through a parent directory
// resolved inside the root with openat2(RESOLVE_IN_ROOT) and acts on the final component
// without following it.
#include <imgscap/rootfs/apply.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/stream_archive.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <unordered_set>

namespace imgscap::rootfs {
namespace {

constexpr std::size_t k_chunk = 64 * 1024;
constexpr std::string_view k_whiteout = ".wh.";
constexpr std::string_view k_opaque = ".wh..wh..opq";
constexpr std::int64_t k_max_id = 0xFFFFFFFELL;

// "./a//b/../c" -> {"a", "c"}. Throws when ".." would climb above the root.
std::vector<std::string> clean_name(std::string_view raw) {
  if (raw.size() > util::limit(util::Limit::path_bytes)) {
    util::limit_exceeded(
        util::Limit::path_bytes,
        fmt::format("path longer than {} bytes", util::limit(util::Limit::path_bytes)));
  }
  std::vector<std::string> parts;
  while (!raw.empty()) {
    const auto slash = raw.find('/');
    const auto part = raw.substr(0, slash);
    raw = slash == std::string_view::npos ? std::string_view() : raw.substr(slash + 1);
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (parts.empty()) {
        fail("path climbs out of the root with \"..\"");
      }
      parts.pop_back();
      continue;
    }
    parts.emplace_back(part);
  }
  if (parts.size() > util::limit(util::Limit::path_depth)) {
    util::limit_exceeded(
        util::Limit::path_depth,
        fmt::format("path deeper than {} directories", util::limit(util::Limit::path_depth)));
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) {
      out.push_back('/');
    }
    out += parts[i];
  }
  return out;
}

struct DeferredDir {
  std::string path;
  unsigned mode;
  timespec mtime;
};

class Applier {
 public:
  Applier(const util::Fd& root, util::ByteStream& layer, const ApplyOptions& options)
      : m_root(root),
        m_layer(layer),
        m_options(options),
        m_archive(layer, util::StreamArchive::Kind::tar) {}

  ApplyStats run() {
    archive_entry* entry = nullptr;
    std::string previous;  // names where a damaged archive stops being readable
    for (;;) {
      const int status = archive_read_next_header(m_archive.get(), &entry);
      m_archive.check(status != ARCHIVE_OK && status != ARCHIVE_WARN && status != ARCHIVE_EOF,
                      previous.empty() ? std::string("not a valid tar layer")
                                       : "not a valid tar layer after entry " + previous);
      if (status == ARCHIVE_EOF) {
        break;
      }
      if (m_options.interrupted && m_options.interrupted()) {
        fail("interrupted");
      }
      if (++m_stats.entries > util::limit(util::Limit::entries_per_layer)) {
        util::limit_exceeded(util::Limit::entries_per_layer,
                             fmt::format("the layer has more than {} entries",
                                         util::limit(util::Limit::entries_per_layer)));
      }
      const char* raw = archive_entry_pathname(entry);
      const std::string name = raw != nullptr ? raw : "";
      with_context("entry " + name, [&] { apply_entry(entry, name); });
      previous = name;
      check_size();
      if (m_options.on_progress) {
        m_options.on_progress(m_archive.consumed());
      }
    }
    drain();
    finish_dirs();
    m_stats.tar_bytes = m_archive.consumed();
    return std::move(m_stats);
  }

 private:
  // The layer's uncompressed bytes so far against the layer-bytes limit and what is left of
  // the image-bytes limit.
  void check_size() {
    const auto consumed = m_archive.consumed();
    if (consumed > util::limit(util::Limit::layer_bytes)) {
      util::limit_exceeded(util::Limit::layer_bytes,
                           fmt::format("the layer is larger than {} bytes uncompressed",
                                       util::limit(util::Limit::layer_bytes)));
    }
    if (consumed > m_options.image_bytes_left) {
      util::limit_exceeded(util::Limit::image_bytes,
                           fmt::format("the layers are larger than {} bytes uncompressed",
                                       util::limit(util::Limit::image_bytes)));
    }
  }

  // Reads what follows the tar's end marker so the digests are checked, within a bound.
  void drain() {
    std::uint64_t trailing = 0;
    std::array<std::byte, k_chunk> buffer{};
    const auto limit = util::limit(util::Limit::trailing_bytes);
    while (const auto n = m_layer.read(buffer)) {
      trailing += n;
      if (trailing > limit) {
        util::limit_exceeded(
            util::Limit::trailing_bytes,
            fmt::format("more than {} bytes of data after the end of the tar archive", limit));
      }
    }
  }

  // Resolves (creating as needed) the directory holding parts[0..count) inside the root.
  util::Fd open_dir(const std::vector<std::string>& parts, std::size_t count, bool create) {
    util::Fd current(::dup(m_root.get()));
    for (std::size_t i = 1; i <= count; ++i) {
      const auto prefix = join(parts, i);
      auto next = open_in_root(m_root, prefix, O_PATH | O_DIRECTORY);
      if (!next && errno == ENOENT && create) {
        if (::mkdirat(current.get(), parts[i - 1].c_str(), 0755) != 0 && errno != EEXIST) {
          fail("cannot create directory {}: {}", prefix, errno_text(errno));
        }
        mark_created(prefix);
        next = open_in_root(m_root, prefix, O_PATH | O_DIRECTORY);
      }
      if (!next) {
        const int err = errno;
        fail("cannot open directory {}: {}", prefix, describe_missing(current, parts[i - 1], err));
      }
      current = std::move(next);
    }
    return current;
  }

  // Why a path component does not open as a directory inside the root.
  static std::string describe_missing(const util::Fd& dir, const std::string& name, int err) {
    std::array<char, 4096> target{};
    const auto n = ::readlinkat(dir.get(), name.c_str(), target.data(), target.size() - 1);
    if (n > 0) {
      return fmt::format("it is a symlink to {}, which is not a directory inside the image",
                         std::string_view(target.data(), static_cast<std::size_t>(n)));
    }
    return errno_text(err);
  }

  void mark_created(const std::string& path) {
    m_created.insert(path);
    for (auto slash = path.rfind('/'); slash != std::string::npos;
         slash = path.rfind('/', slash - 1)) {
      if (!m_touched.insert(path.substr(0, slash)).second || slash == 0) {
        break;
      }
    }
  }

  void apply_entry(archive_entry* entry, const std::string& raw_name) {
    const auto parts = clean_name(raw_name);
    const auto type = archive_entry_filetype(entry);
    if (parts.empty()) {
      if (type != AE_IFDIR) {
        fail("the root entry is not a directory");
      }
      return;
    }
    const auto& base = parts.back();
    if (base.starts_with(k_whiteout)) {
      apply_whiteout(parts);
      return;
    }
    const auto path = join(parts, parts.size());
    auto parent = open_dir(parts, parts.size() - 1, true);
    if (archive_entry_hardlink(entry) != nullptr) {  // tar hard links may carry no file type
      make_hardlink(parent, base, entry);
      mark_created(path);
      return;
    }
    switch (type) {
      case AE_IFDIR:
        make_directory(parent, base, path, entry);
        break;
      case AE_IFREG:
        make_file(parent, base, entry);
        break;
      case AE_IFLNK:
        make_symlink(parent, base, entry);
        break;
      default:
        record_special(path, type, entry);
        return;
    }
    mark_created(path);
  }

  void apply_whiteout(const std::vector<std::string>& parts) {
    const auto& base = parts.back();
    const auto dir_path = join(parts, parts.size() - 1);
    if (base == k_opaque) {
      auto dir = open_dir(parts, parts.size() - 1, true);
      remove_lower_children(dir, dir_path);
      return;
    }
    const auto target = base.substr(k_whiteout.size());
    if (target.empty() || target == "." || target == ".." || target.starts_with(k_whiteout)) {
      fail("invalid whiteout \"{}\"", base);
    }
    const auto target_path = dir_path.empty() ? target : dir_path + "/" + target;
    auto dir = open_in_root(m_root, dir_path.empty() ? "." : dir_path, O_PATH | O_DIRECTORY);
    if (!dir) {
      return;  // nothing below to hide
    }
    remove_lower(dir, target, target_path);
  }

  // Removes `name` from lower layers: whole, unless this layer wrote it or below it.
  void remove_lower(const util::Fd& dir, const std::string& name, const std::string& path) {
    if (!m_created.contains(path) && !m_touched.contains(path)) {
      remove_at(dir.get(), name);
      return;
    }
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
      util::Fd child(
          ::openat(dir.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child) {
        remove_lower_children(child, path);
      }
    }
  }

  void remove_lower_children(const util::Fd& dir, const std::string& dir_path) {
    for (const auto& name : list_directory(dir.get())) {
      remove_lower(dir, name, dir_path.empty() ? name : dir_path + "/" + name);
    }
  }

  // Clears the way for a non-directory (or directory) entry at parent/base.
  void replace_existing(const util::Fd& parent, const std::string& base, bool keep_directory) {
    struct stat st {};
    if (::fstatat(parent.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return;
    }
    if (S_ISDIR(st.st_mode) && keep_directory) {
      return;
    }
    remove_at(parent.get(), base);
  }

  void set_owner(const util::Fd& parent, const std::string& base, archive_entry* entry) {
    if (!m_options.preserve_ownership) {
      return;
    }
    const auto uid = archive_entry_uid(entry);
    const auto gid = archive_entry_gid(entry);
    if (uid < 0 || gid < 0 || uid > k_max_id || gid > k_max_id) {
      fail("owner {}:{} is out of range", uid, gid);
    }
    if (static_cast<std::uint64_t>(uid) >= m_options.owner_id_limit ||
        static_cast<std::uint64_t>(gid) >= m_options.owner_id_limit) {
      ++m_stats.unmapped_owners;
      return;
    }
    if (::fchownat(parent.get(), base.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid),
                   AT_SYMLINK_NOFOLLOW) != 0) {
      fail("cannot set owner: {}", errno_text(errno));
    }
  }

  static timespec mtime_of(archive_entry* entry) {
    return {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  }

  void make_directory(const util::Fd& parent, const std::string& base, const std::string& path,
                      archive_entry* entry) {
    replace_existing(parent, base, true);
    if (::mkdirat(parent.get(), base.c_str(), 0700) != 0 && errno != EEXIST) {
      fail("cannot create directory: {}", errno_text(errno));
    }
    set_owner(parent, base, entry);
    m_dirs.push_back(
        {path, static_cast<unsigned>(archive_entry_perm(entry)) & 07777U, mtime_of(entry)});
  }

  void make_file(const util::Fd& parent, const std::string& base, archive_entry* entry) {
    replace_existing(parent, base, false);
    util::Fd fd(::openat(parent.get(), base.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd) {
      fail("cannot create file: {}", errno_text(errno));
    }
    write_data(fd);
    if (::ftruncate(fd.get(), archive_entry_size(entry)) != 0) {
      fail("cannot size file: {}", errno_text(errno));
    }
    set_owner(parent, base, entry);
    if (::fchmod(fd.get(), static_cast<mode_t>(archive_entry_perm(entry) & 07777)) != 0) {
      fail("cannot set mode: {}", errno_text(errno));
    }
    const timespec times[2] = {mtime_of(entry), mtime_of(entry)};
    ::futimens(fd.get(), times);
  }

  void write_data(const util::Fd& fd) {
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      const int status = archive_read_data_block(m_archive.get(), &block, &size, &offset);
      m_archive.check(status != ARCHIVE_OK && status != ARCHIVE_WARN && status != ARCHIVE_EOF,
                      "cannot read file data");
      if (status == ARCHIVE_EOF) {
        return;
      }
      const auto* bytes = static_cast<const char*>(block);
      while (size > 0) {
        const auto n = ::pwrite(fd.get(), bytes, size, offset);
        if (n < 0) {
          if (errno == EINTR) {
            continue;
          }
          fail("cannot write file: {}", errno_text(errno));
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
        m_stats.bytes_written += static_cast<std::uint64_t>(n);
      }
      check_size();  // a single huge file must not run past the limits either
    }
  }

  void make_symlink(const util::Fd& parent, const std::string& base, archive_entry* entry) {
    const char* target = archive_entry_symlink(entry);
    if (target == nullptr || *target == '\0') {
      fail("symlink without a target");
    }
    replace_existing(parent, base, false);
    if (::symlinkat(target, parent.get(), base.c_str()) != 0) {
      fail("cannot create symlink: {}", errno_text(errno));
    }
    set_owner(parent, base, entry);
    const timespec times[2] = {mtime_of(entry), mtime_of(entry)};
    ::utimensat(parent.get(), base.c_str(), times, AT_SYMLINK_NOFOLLOW);
  }

  void make_hardlink(const util::Fd& parent, const std::string& base, archive_entry* entry) {
    const auto target =
        with_context("hard link target", [&] { return clean_name(archive_entry_hardlink(entry)); });
    if (target.empty()) {
      fail("hard link to the root");
    }
    auto target_parent = with_context(
        fmt::format("hard link target {} does not exist in the image", join(target, target.size())),
        [&] { return open_dir(target, target.size() - 1, false); });
    struct stat st {};
    if (::fstatat(target_parent.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail("hard link target {} does not exist in the image", join(target, target.size()));
    }
    if (S_ISDIR(st.st_mode)) {
      fail("hard link target {} is a directory", join(target, target.size()));
    }
    replace_existing(parent, base, false);
    if (::linkat(target_parent.get(), target.back().c_str(), parent.get(), base.c_str(), 0) != 0) {
      fail("cannot create hard link: {}", errno_text(errno));
    }
  }

  void record_special(const std::string& path, unsigned type, archive_entry* entry) {
    const char* kind = type == AE_IFCHR    ? "character device"
                       : type == AE_IFBLK  ? "block device"
                       : type == AE_IFIFO  ? "fifo"
                       : type == AE_IFSOCK ? "socket"
                                           : "unknown type";
    m_stats.skipped.push_back({path, kind, static_cast<unsigned>(archive_entry_perm(entry)),
                               static_cast<std::uint64_t>(archive_entry_uid(entry)),
                               static_cast<std::uint64_t>(archive_entry_gid(entry))});
  }

  // Directory modes and times last: a 0555 directory still received its children.
  void finish_dirs() {
    for (auto it = m_dirs.rbegin(); it != m_dirs.rend(); ++it) {
      auto fd = open_in_root(m_root, it->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (!fd) {
        continue;  // removed or replaced later in the layer
      }
      ::fchmod(fd.get(), static_cast<mode_t>(it->mode));
      const timespec times[2] = {it->mtime, it->mtime};
      ::futimens(fd.get(), times);
    }
  }

  const util::Fd& m_root;
  util::ByteStream& m_layer;
  const ApplyOptions& m_options;
  util::StreamArchive m_archive;
  ApplyStats m_stats;
  std::unordered_set<std::string> m_created;
  std::unordered_set<std::string> m_touched;  // proper ancestors of created paths
  std::vector<DeferredDir> m_dirs;
};

}  // namespace

ApplyStats apply_layer(const util::Fd& root, util::ByteStream& layer, const ApplyOptions& options) {
  return Applier(root, layer, options).run();
}

}  // namespace imgscap::rootfs
