// SPDX-License-Identifier: Apache-2.0
// read_file / write_file with streams, write_all with write(2); errors name the file.
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
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

std::string env_text(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::optional<std::filesystem::path> config_home() {
  if (const auto xdg = env_text("XDG_CONFIG_HOME"); xdg.starts_with('/')) {
    return std::filesystem::path(xdg);
  }
  if (const auto home = env_text("HOME"); home.starts_with('/')) {
    return std::filesystem::path(home) / ".config";
  }
  return std::nullopt;
}

}  // namespace imgscap::util
