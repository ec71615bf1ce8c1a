// SPDX-License-Identifier: Apache-2.0
// The file facts: an ordered map of the entries some fact lists, so that removing a directory
// removes the range of paths below it.
#include <imgscap/rootfs/file_facts.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <vector>

namespace imgscap::rootfs {
namespace {

constexpr unsigned k_notable_mode = S_ISUID | S_ISGID | S_IWOTH;
constexpr std::size_t k_read_chunk = 256 * 1024;
// A marker is a few dozen bytes; this much of a chunk is searched again with the next one.
constexpr std::size_t k_overlap = 4096;

bool ends_with(std::string_view name, std::string_view suffix) {
  return name.size() > suffix.size() && name.ends_with(suffix);
}

bool is_key_name(std::string_view name) {
  return name == "id_rsa" || name == "id_dsa" || name == "id_ecdsa" || name == "id_ed25519" ||
         ends_with(name, ".pem") || ends_with(name, ".key");
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// What the "modes" fact lists (a symlink's mode means nothing).
bool has_notable_mode(FileType type, unsigned mode) {
  return type != FileType::symlink && (mode & k_notable_mode) != 0;
}

bool is_listed(FileType type, unsigned mode, std::string_view path) {
  return has_notable_mode(type, mode) || is_notable_name(base_name(path));
}

std::string fact_path(std::string_view path) {
  std::string out = "/";
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool is_upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// After "-----BEGIN ": ([A-Z0-9]+ )* then "PRIVATE KEY-----".
bool private_key_label_at(std::string_view rest) {
  constexpr std::string_view k_end = "PRIVATE KEY-----";
  for (;;) {
    if (rest.starts_with(k_end)) {
      return true;
    }
    std::size_t word = 0;
    while (word < rest.size() && is_upper_or_digit(rest[word])) {
      ++word;
    }
    if (word == 0 || word >= rest.size() || rest[word] != ' ') {
      return false;
    }
    rest.remove_prefix(word + 1);
  }
}

// Reads the regular file `fd` in chunks, searching each with the tail of the one before.
bool file_has_private_key(int fd) {
  std::string window;
  std::vector<char> buffer(k_read_chunk);
  for (;;) {
    const auto n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    window.append(buffer.data(), static_cast<std::size_t>(n));
    if (has_private_key_marker(window)) {
      return true;
    }
    if (window.size() > k_overlap) {
      window.erase(0, window.size() - k_overlap);
    }
  }
}

class Walker {
 public:
  explicit Walker(FileFacts& facts) : m_facts(facts) {}

  void walk(const util::Fd& dir, const std::string& prefix, std::size_t depth) {
    if (depth > util::limit(util::Limit::path_depth)) {
      util::limit_exceeded(util::Limit::path_depth,
                           fmt::format("/{} is deeper than {} directories", prefix,
                                       util::limit(util::Limit::path_depth)));
    }
    for (const auto& name : list_directory(dir.get())) {
      const auto path = prefix.empty() ? name : prefix + "/" + name;
      count();
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        fail("cannot stat /{}: {}", path, errno_text(errno));
      }
      const auto type = file_type_of(st.st_mode);
      m_facts.record(path, type, st.st_mode & 07777U, st.st_uid, st.st_gid);
      if (type == FileType::directory) {
        const util::Fd child(
            ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!child) {
          fail("cannot open directory /{}: {}", path, errno_text(errno));
        }
        walk(child, path, depth + 1);
      }
    }
  }

 private:
  void count() {
    if (++m_entries > util::limit(util::Limit::entries_per_layer)) {
      util::limit_exceeded(util::Limit::entries_per_layer,
                           fmt::format("the directory has more than {} entries",
                                       util::limit(util::Limit::entries_per_layer)));
    }
  }

  FileFacts& m_facts;
  std::uint64_t m_entries = 0;
};

}  // namespace

std::string_view file_type_name(FileType type) {
  switch (type) {
    case FileType::regular:
      return "regular";
    case FileType::directory:
      return "directory";
    case FileType::symlink:
      return "symlink";
    case FileType::fifo:
      return "fifo";
    case FileType::socket:
      return "socket";
    case FileType::char_device:
      return "char";
    case FileType::block_device:
      return "block";
  }
  return "regular";
}

FileType file_type_of(unsigned st_mode) {
  switch (st_mode & S_IFMT) {
    case S_IFDIR:
      return FileType::directory;
    case S_IFLNK:
      return FileType::symlink;
    case S_IFIFO:
      return FileType::fifo;
    case S_IFSOCK:
      return FileType::socket;
    case S_IFCHR:
      return FileType::char_device;
    case S_IFBLK:
      return FileType::block_device;
    default:
      return FileType::regular;
  }
}

bool is_notable_name(std::string_view name) {
  return name == ".git" || name == ".svn" || name == ".hg" || name == ".DS_Store" ||
         name == "Thumbs.db" || name == ".env" || is_key_name(name);
}

bool has_private_key_marker(std::string_view text) {
  constexpr std::string_view k_begin = "-----BEGIN ";
  for (auto at = text.find(k_begin); at != std::string_view::npos;
       at = text.find(k_begin, at + 1)) {
    if (private_key_label_at(text.substr(at + k_begin.size()))) {
      return true;
    }
  }
  return false;
}

void FileFacts::record(std::string_view path, FileType type, unsigned mode, std::uint64_t uid,
                       std::uint64_t gid) {
  const auto it = m_entries.find(path);
  if (!is_listed(type, mode, path)) {
    if (it != m_entries.end()) {
      m_entries.erase(it);
    }
    return;
  }
  const Entry entry{type, mode & 07777U, uid, gid};
  if (it != m_entries.end()) {
    it->second = entry;
  } else {
    m_entries.emplace(std::string(path), entry);
  }
}

void FileFacts::record_link(std::string_view path, std::string_view target, FileType type,
                            unsigned mode, std::uint64_t uid, std::uint64_t gid) {
  if (const auto it = m_entries.find(target); it != m_entries.end()) {
    const auto entry = it->second;
    record(path, entry.type, entry.mode, entry.uid, entry.gid);
  } else {
    record(path, type, mode, uid, gid);
  }
}

void FileFacts::remove(std::string_view path) {
  if (path.empty()) {
    m_entries.clear();
    return;
  }
  const std::string below = std::string(path) + "/";
  const std::string after = std::string(path) + "0";  // '0' follows '/'
  m_entries.erase(std::string(path));
  m_entries.erase(m_entries.lower_bound(below), m_entries.lower_bound(after));
}

void FileFacts::inspect_contents(const util::Fd& root) {
  m_private_keys.clear();
  for (const auto& [path, entry] : m_entries) {
    if (entry.type == FileType::directory || !is_key_name(base_name(path))) {
      continue;
    }
    const auto fd = open_in_root(root, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st {};
    if (fd && ::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) &&
        file_has_private_key(fd.get())) {
      m_private_keys.insert(path);
    }
  }
}

FileFactFiles FileFacts::files() const {
  std::string modes;
  std::string names;
  for (const auto& [path, entry] : m_entries) {
    if (has_notable_mode(entry.type, entry.mode)) {
      modes += fmt::format("{:04o} {} {}:{} {}\n", entry.mode, file_type_name(entry.type),
                           entry.uid, entry.gid, fact_path(path));
    }
    if (is_notable_name(base_name(path))) {
      names += fmt::format("{} {}\n", file_type_name(entry.type), fact_path(path));
    }
  }
  std::string keys;
  for (const auto& path : m_private_keys) {
    keys += fact_path(path) + "\n";
  }
  return {{"modes", modes}, {"names", names}, {"private_keys", keys}};
}

FileFacts walk_file_facts(const util::Fd& root) {
  FileFacts facts;
  const util::Fd dir(::openat(root.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    fail("cannot open the root: {}", errno_text(errno));
  }
  Walker(facts).walk(dir, "", 0);
  facts.inspect_contents(root);
  return facts;
}

}  // namespace imgscap::rootfs
