// SPDX-License-Identifier: Apache-2.0
// Removing directory trees by file descriptor: never follows symlinks, copes with directories
// whose modes forbid writing (0555, 0000).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::rootfs {

// Removes `dir` and everything below it; a missing path is not an error. Throws imgscap::Error.
void remove_tree(const std::filesystem::path& dir);

// Removes the entry `name` (a single component) of the directory `dir_fd`, recursively when it
// is a directory. A missing entry is not an error. Throws imgscap::Error.
void remove_at(int dir_fd, std::string_view name);

// The names in the directory `dir_fd` (an O_PATH descriptor is fine), without "." and "..".
std::vector<std::string> list_directory(int dir_fd);

}  // namespace imgscap::rootfs
