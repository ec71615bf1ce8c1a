// SPDX-License-Identifier: Apache-2.0
// Whole small files of imgscap's own (configuration it writes, kernel settings it reads), and
// complete writes to a descriptor; not for image content, which is read inside the root with
// rootfs::read_in_root.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace imgscap::util {

// The file's content, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Replaces the file's content. Throws imgscap::Error naming the file.
void write_file(const std::filesystem::path& path, std::string_view text);

// Writes all of `data` to `fd`, through short writes and EINTR. Throws imgscap::Error naming
// `path` (the file behind fd).
void write_all(int fd, std::string_view data, const std::filesystem::path& path);

// An environment variable's value, "" when it is unset.
std::string env_text(const char* name);

// Where users keep configuration, as the XDG spec says: $XDG_CONFIG_HOME when absolute, else
// $HOME/.config when HOME is absolute; nullopt when neither is.
std::optional<std::filesystem::path> config_home();

}  // namespace imgscap::util
