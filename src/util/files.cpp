// SPDX-License-Identifier: Apache-2.0
// read_file / write_file with streams; errors name the file.
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <fstream>
#include <sstream>

namespace imgscap::util {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    fail("cannot write {}", path.string());
  }
}

}  // namespace imgscap::util
