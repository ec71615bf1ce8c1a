// SPDX-License-Identifier: Apache-2.0
// Layer application: libarchive parses the tar, every write goes through a parent directory
// resolved inside the root with openat2(RESOLVE_IN_ROOT) and acts on the final component
// without following it.
#include <imgscap/rootfs/apply.hpp>
#include <imgscap/rootfs/file_facts.hpp>
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
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace imgscap::rootfs {
namespace {

constexpr std::size_t k_chunk = 64 * 1024;
constexpr std::string_view k_whiteout = ".wh.";
constexpr std::string_view k_opaque = ".wh..wh..opq";
constexpr std::int64_t k_max_id = 0xFFFFFFFELL;
// Directory handles kept for the entries that follow (tar entries come grouped by directory).
constexpr std::size_t k_dir_cache_size = 256;

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
        m_archive(layer, util::StreamArchive::Kind::tar) {
    forget_dirs();
  }

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

  using DirHandle = std::shared_ptr<const util::Fd>;

  // The directory parts[0..count) inside the root, created (mode 0755) as needed. Each component
  // is opened from its parent's handle without following it; a symlink is resolved from the
  // root with RESOLVE_IN_ROOT. Handles are cached by path until anything that could be a
  // directory on some cached path is removed (forget_dirs), so a cached handle always is what
  // resolving its path inside the root would give.
  DirHandle open_dir(const std::vector<std::string>& parts, std::size_t count, bool create) {
    auto path = join(parts, count);
    if (const auto it = m_dirs_open.find(path); it != m_dirs_open.end()) {
      return it->second;
    }
    const auto parent = open_dir(parts, count - 1, create);  // count > 0: "" is always cached
    const auto& name = parts[count - 1];
    auto next = open_child_dir(*parent, name, path);
    if (!next && errno == ENOENT && create) {
      if (::mkdirat(parent->get(), name.c_str(), 0755) != 0 && errno != EEXIST) {
        fail_errno(errno, "cannot create directory {}", path);
      }
      mark_created(path);
      next = open_child_dir(*parent, name, path);
    }
    if (!next) {
      const int err = errno;
      fail("cannot open directory {}: {}", path, describe_missing(*parent, name, err));
    }
    if (m_dirs_open.size() >= k_dir_cache_size) {
      forget_dirs();
    }
    auto handle = std::make_shared<const util::Fd>(std::move(next));
    m_dirs_open.emplace(std::move(path), handle);
    return handle;
  }

  util::Fd open_child_dir(const util::Fd& parent, const std::string& name,
                          const std::string& path) {
    util::Fd fd(
        ::openat(parent.get(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd && (errno == ENOTDIR || errno == ELOOP)) {  // a symlink, or not a directory
      fd = open_in_root(m_root, path, O_PATH | O_DIRECTORY);
    }
    return fd;
  }

  // Drops every cached directory handle but the root's.
  void forget_dirs() {
    m_dirs_open.clear();
    m_dirs_open.emplace("", std::make_shared<const util::Fd>(::dup(m_root.get())));
  }

  // Removes `name` of `dir` (at `path`) and what is below it, on disk and in the facts.
  void remove_entry(const util::Fd& dir, const std::string& name, const std::string& path,
                    bool may_be_directory) {
    remove_at(dir.get(), name);
    if (may_be_directory) {
      forget_dirs();
    }
    if (m_options.facts != nullptr) {
      m_options.facts->remove(path);
    }
  }

  void record(const std::string& path, FileType type, archive_entry* entry) {
    if (m_options.facts != nullptr) {
      m_options.facts->record(path, type, static_cast<unsigned>(archive_entry_perm(entry)),
                              static_cast<std::uint64_t>(archive_entry_uid(entry)),
                              static_cast<std::uint64_t>(archive_entry_gid(entry)));
    }
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
    const auto parent = open_dir(parts, parts.size() - 1, true);
    const Place place{*parent, base, path};
    if (archive_entry_hardlink(entry) != nullptr) {  // tar hard links may carry no file type
      make_hardlink(place, entry);
      mark_created(path);
      return;
    }
    switch (type) {
      case AE_IFDIR:
        make_directory(place, entry);
        break;
      case AE_IFREG:
        make_file(place, entry);
        break;
      case AE_IFLNK:
        make_symlink(place, entry);
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
      const auto dir = open_dir(parts, parts.size() - 1, true);
      remove_lower_children(*dir, dir_path);
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
      remove_entry(dir, name, path, true);
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

  // Where an entry goes: its parent directory's handle, its name there, its path in the root.
  struct Place {
    const util::Fd& parent;
    const std::string& base;
    const std::string& path;
  };

  // Clears the way for an entry at `place`; a directory stays for a directory entry.
  void replace_existing(const Place& place, bool keep_directory) {
    struct stat st {};
    if (::fstatat(place.parent.get(), place.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return;
    }
    if (S_ISDIR(st.st_mode) && keep_directory) {
      return;
    }
    remove_entry(place.parent, place.base, place.path, S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode));
  }

  // The declared owner, or nullopt when it is not to be (or cannot be) set.
  std::optional<std::pair<uid_t, gid_t>> owner_of(archive_entry* entry) {
    if (!m_options.preserve_ownership) {
      return std::nullopt;
    }
    const auto uid = archive_entry_uid(entry);
    const auto gid = archive_entry_gid(entry);
    if (uid < 0 || gid < 0 || uid > k_max_id || gid > k_max_id) {
      fail("owner {}:{} is out of range", uid, gid);
    }
    if (static_cast<std::uint64_t>(uid) >= m_options.owner_id_limit ||
        static_cast<std::uint64_t>(gid) >= m_options.owner_id_limit) {
      ++m_stats.unmapped_owners;
      return std::nullopt;
    }
    return std::pair{static_cast<uid_t>(uid), static_cast<gid_t>(gid)};
  }

  void set_owner(const Place& place, archive_entry* entry) {
    if (const auto owner = owner_of(entry);
        owner && ::fchownat(place.parent.get(), place.base.c_str(), owner->first, owner->second,
                            AT_SYMLINK_NOFOLLOW) != 0) {
      fail_errno(errno, "cannot set owner");
    }
  }

  static timespec mtime_of(archive_entry* entry) {
    return {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  }

  void make_directory(const Place& place, archive_entry* entry) {
    replace_existing(place, true);
    if (::mkdirat(place.parent.get(), place.base.c_str(), 0700) != 0 && errno != EEXIST) {
      fail_errno(errno, "cannot create directory");
    }
    set_owner(place, entry);
    m_dirs.push_back(
        {place.path, static_cast<unsigned>(archive_entry_perm(entry)) & 07777U, mtime_of(entry)});
    record(place.path, FileType::directory, entry);
  }

  // Creates the file; what is in the way is removed first (only looked for when it is there).
  util::Fd create_file(const Place& place) {
    constexpr int k_flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    util::Fd fd(::openat(place.parent.get(), place.base.c_str(), k_flags, 0600));
    if (!fd && errno == EEXIST) {
      replace_existing(place, false);
      fd.reset(::openat(place.parent.get(), place.base.c_str(), k_flags, 0600));
    }
    if (!fd) {
      fail_errno(errno, "cannot create file");
    }
    return fd;
  }

  void make_file(const Place& place, archive_entry* entry) {
    const auto fd = create_file(place);
    const auto size = archive_entry_size(entry);
    if (write_data(fd) != size && ::ftruncate(fd.get(), size) != 0) {  // a sparse file's tail
      fail_errno(errno, "cannot size file");
    }
    if (const auto owner = owner_of(entry);
        owner && ::fchown(fd.get(), owner->first, owner->second) != 0) {
      fail_errno(errno, "cannot set owner");
    }
    if (::fchmod(fd.get(), static_cast<mode_t>(archive_entry_perm(entry) & 07777)) != 0) {
      fail_errno(errno, "cannot set mode");
    }
    const timespec times[2] = {mtime_of(entry), mtime_of(entry)};
    ::futimens(fd.get(), times);
    record(place.path, FileType::regular, entry);
  }

  // Writes the entry's data; returns the offset after the last byte written.
  la_int64_t write_data(const util::Fd& fd) {
    const void* block = nullptr;
    std::size_t size = 0;
    la_int64_t offset = 0;
    la_int64_t end = 0;
    for (;;) {
      const int status = archive_read_data_block(m_archive.get(), &block, &size, &offset);
      m_archive.check(status != ARCHIVE_OK && status != ARCHIVE_WARN && status != ARCHIVE_EOF,
                      "cannot read file data");
      if (status == ARCHIVE_EOF) {
        return end;
      }
      const auto* bytes = static_cast<const char*>(block);
      while (size > 0) {
        const auto n = ::pwrite(fd.get(), bytes, size, offset);
        if (n < 0) {
          if (errno == EINTR) {
            continue;
          }
          fail_errno(errno, "cannot write file");
        }
        bytes += n;
        size -= static_cast<std::size_t>(n);
        offset += n;
        m_stats.bytes_written += static_cast<std::uint64_t>(n);
      }
      end = offset;
      check_size();  // a single huge file must not run past the limits either
    }
  }

  void make_symlink(const Place& place, archive_entry* entry) {
    const char* target = archive_entry_symlink(entry);
    if (target == nullptr || *target == '\0') {
      fail("symlink without a target");
    }
    replace_existing(place, false);
    if (::symlinkat(target, place.parent.get(), place.base.c_str()) != 0) {
      fail_errno(errno, "cannot create symlink");
    }
    set_owner(place, entry);
    const timespec times[2] = {mtime_of(entry), mtime_of(entry)};
    ::utimensat(place.parent.get(), place.base.c_str(), times, AT_SYMLINK_NOFOLLOW);
    record(place.path, FileType::symlink, entry);
  }

  void make_hardlink(const Place& place, archive_entry* entry) {
    const auto target =
        with_context("hard link target", [&] { return clean_name(archive_entry_hardlink(entry)); });
    if (target.empty()) {
      fail("hard link to the root");
    }
    const auto target_path = join(target, target.size());
    const auto target_parent =
        with_context(fmt::format("hard link target {} does not exist in the image", target_path),
                     [&] { return open_dir(target, target.size() - 1, false); });
    struct stat st {};
    if (::fstatat(target_parent->get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      fail("hard link target {} does not exist in the image", target_path);
    }
    if (S_ISDIR(st.st_mode)) {
      fail("hard link target {} is a directory", target_path);
    }
    replace_existing(place, false);
    if (::linkat(target_parent->get(), target.back().c_str(), place.parent.get(),
                 place.base.c_str(), 0) != 0) {
      fail_errno(errno, "cannot create hard link");
    }
    if (m_options.facts != nullptr) {  // the link is the target's inode: its type, mode, owner
      m_options.facts->record_link(place.path, target_path, file_type_of(st.st_mode),
                                   st.st_mode & 07777U, st.st_uid, st.st_gid);
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
  std::unordered_map<std::string, DirHandle> m_dirs_open;
};

}  // namespace

ApplyStats apply_layer(const util::Fd& root, util::ByteStream& layer, const ApplyOptions& options) {
  return Applier(root, layer, options).run();
}

}  // namespace imgscap::rootfs
