// SPDX-License-Identifier: Apache-2.0
// read_file / write_file with streams, write_all with write(2); errors name the file.
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <unistd.h>

#include <cerrno>
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

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot write {}: {}", path.string(), errno_text(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace imgscap::util
