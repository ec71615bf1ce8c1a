// SPDX-License-Identifier: Apache-2.0
// Whole small files of imgscap's own (configuration it writes, kernel settings it reads); not
// for image content, which is read inside the root with rootfs::read_in_root.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace imgscap::util {

// The file's content, or "" when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Replaces the file's content. Throws imgscap::Error naming the file.
void write_file(const std::filesystem::path& path, std::string_view text);

}  // namespace imgscap::util
