// SPDX-License-Identifier: Apache-2.0
// What the built-in baseline needs to know about every file of an image, gathered in imgscap's own
// pass instead of by OpenSCAP's file probes walking the tree: entries with setuid, setgid or
// world-writable modes, entries with names the baseline looks for, and which key-named files
// hold a private key. Recorded while the layers are applied (later layers replace and remove
// what earlier ones recorded) or, for a directory, in one walk of the tree. Shown to OVAL as
// the files under /run/imgscap/files/ (imgscap(1), FILE FACTS).
#pragma once

#include <imgscap/util/fd.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace imgscap::rootfs {

enum class FileType { regular, directory, symlink, fifo, socket, char_device, block_device };

// "regular", "directory", "symlink", "fifo", "socket", "char", "block".
std::string_view file_type_name(FileType type);

// The type of a stat(2) st_mode.
FileType file_type_of(unsigned st_mode);

// The fact files' names under run/imgscap/files/ -> their text.
using FileFactFiles = std::map<std::string, std::string>;

class FileFacts {
 public:
  // The entry now at `path` (relative to the root, no leading slash) has these attributes;
  // what was recorded at `path` itself is replaced (not what is below it).
  void record(std::string_view path, FileType type, unsigned mode, std::uint64_t uid,
              std::uint64_t gid);

  // A hard link at `path` to `target`: what was recorded for the target, else these attributes
  // (the target's inode's).
  void record_link(std::string_view path, std::string_view target, FileType type, unsigned mode,
                   std::uint64_t uid, std::uint64_t gid);

  // `path` and everything below it are gone.
  void remove(std::string_view path);

  // Reads the key-named entries' contents inside the root (following the image's symlinks
  // inside it) and notes which hold a PEM private key. Call once, after the last layer.
  void inspect_contents(const util::Fd& root);

  // modes: "MODE TYPE UID:GID /PATH" for every entry but a symlink with a setuid, setgid or
  //        world-writable bit (MODE four octal digits);
  // names: "TYPE /PATH" for every entry named .git, .svn, .hg, .DS_Store, Thumbs.db, .env,
  //        id_rsa, id_dsa, id_ecdsa, id_ed25519, *.pem or *.key;
  // private_keys: "/PATH" for each of those that is not a directory and holds
  //        "-----BEGIN [WORDS ]PRIVATE KEY-----" (inspect_contents).
  // Paths escape a backslash as "\\" and other control bytes as "\xNN", so no name can add a
  // line.
  [[nodiscard]] FileFactFiles files() const;

  [[nodiscard]] std::size_t notable_entries() const { return m_entries.size(); }

 private:
  struct Entry {
    FileType type;
    unsigned mode;
    std::uint64_t uid, gid;
  };
  std::map<std::string, Entry, std::less<>> m_entries;  // only entries some fact lists
  std::set<std::string> m_private_keys;
};

// Whether the name is one the baseline looks for (FileFacts' "names").
bool is_notable_name(std::string_view name);

// Does `text` hold "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----"?
bool has_private_key_marker(std::string_view text);

// The facts of an unpacked tree (dir: input), in one walk that never follows symlinks; the
// entries limit bounds it. Throws imgscap::Error.
FileFacts walk_file_facts(const util::Fd& root);

}  // namespace imgscap::rootfs
