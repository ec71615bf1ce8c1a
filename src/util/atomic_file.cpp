// SPDX-License-Identifier: Apache-2.0
// AtomicFile: temp file + fsync + rename.
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <utility>

namespace imgscap::util {

AtomicFile::AtomicFile(std::filesystem::path destination) : m_destination(std::move(destination)) {
  auto pattern =
      (m_destination.parent_path() / ("." + m_destination.filename().string() + ".tmp-XXXXXX"))
          .string();
  m_fd = ::mkstemp(pattern.data());
  if (m_fd < 0) {
    fail("cannot create a temporary file for {}: {}", m_destination.string(), errno_text(errno));
  }
  m_temporary = pattern;
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(m_fd, 0666 & ~mask);
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : m_destination(std::move(other.m_destination)),
      m_temporary(std::move(other.m_temporary)),
      m_fd(std::exchange(other.m_fd, -1)),
      m_committed(std::exchange(other.m_committed, true)) {}

AtomicFile::~AtomicFile() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
  if (!m_committed && !m_temporary.empty()) {
    ::unlink(m_temporary.c_str());
  }
}

void AtomicFile::write(std::string_view data) { write_all(m_fd, data, m_temporary); }

void AtomicFile::write_file(const std::filesystem::path& source) {
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) {
    fail("cannot open {}: {}", source.string(), errno_text(errno));
  }
  std::array<char, 1 << 16> buffer{};
  for (;;) {
    const auto n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail("cannot read {}: {}", source.string(), errno_text(errno));
    }
    if (n == 0) {
      break;
    }
    write_all(m_fd, std::string_view(buffer.data(), static_cast<std::size_t>(n)), m_temporary);
  }
}

void AtomicFile::commit() {
  if (::fsync(m_fd) != 0) {
    fail("cannot sync {}: {}", m_temporary.string(), errno_text(errno));
  }
  ::close(std::exchange(m_fd, -1));
  if (::rename(m_temporary.c_str(), m_destination.c_str()) != 0) {
    fail("cannot rename {} to {}: {}", m_temporary.string(), m_destination.string(),
         errno_text(errno));
  }
  m_committed = true;
}

}  // namespace imgscap::util
