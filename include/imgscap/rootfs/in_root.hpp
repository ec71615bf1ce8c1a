// SPDX-License-Identifier: Apache-2.0
// Reading inside an unpacked root: every lookup resolves with openat2(RESOLVE_IN_ROOT), so an
// image symlink such as etc/os-release -> /etc/shadow resolves inside the image, never on the host.
#pragma once

#include <imgscap/util/fd.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace imgscap::rootfs {

// Opens a directory as a root handle (O_PATH|O_DIRECTORY). Throws imgscap::Error.
util::Fd open_root(const std::filesystem::path& dir);

// openat2(root, path, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS); returns an invalid Fd
// with errno set on failure.
util::Fd open_in_root(const util::Fd& root, std::string_view path, int flags);

// The content of a regular file inside the root, or nullopt when it is absent or not a regular
// file. Throws imgscap::Error when it is larger than max_bytes.
std::optional<std::string> read_in_root(const util::Fd& root, std::string_view path,
                                        std::size_t max_bytes);

// Creates the directory `path` and its missing parents inside the root (mode 0755); existing
// directories, also in-image symlinks to directories inside the root, count. Throws
// imgscap::Error naming the component that could not be made.
void make_dirs_in_root(const util::Fd& root, std::string_view path);

// Whether `path` exists inside the root (following in-image symlinks inside the root).
bool exists_in_root(const util::Fd& root, std::string_view path);

}  // namespace imgscap::rootfs
