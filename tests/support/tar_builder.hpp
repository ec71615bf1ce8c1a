// SPDX-License-Identifier: Apache-2.0
// Test helpers: build tar layers in memory with libarchive's writer, and serve strings as
// ByteStreams.
#pragma once

#include <imgscap/util/byte_stream.hpp>

#include <cstring>

struct archive;
#include <string>

namespace imgscap::test {

class TarBuilder {
 public:
  TarBuilder();
  TarBuilder(const TarBuilder&) = delete;
  TarBuilder& operator=(const TarBuilder&) = delete;
  ~TarBuilder();
  TarBuilder& file(const std::string& name, const std::string& content, unsigned mode = 0644);
  TarBuilder& dir(const std::string& name, unsigned mode = 0755);
  TarBuilder& symlink(const std::string& name, const std::string& target);
  TarBuilder& hardlink(const std::string& name, const std::string& target);
  TarBuilder& special(const std::string& name, unsigned type);  // AE_IFIFO, AE_IFCHR, ...
  TarBuilder& owned_file(const std::string& name, long long uid, long long gid);
  // Closes the archive and returns its bytes.
  std::string finish();

 private:
  void add(const std::string& name, unsigned type, unsigned mode, const std::string& content,
           const std::string& link, bool hard, long long uid = 0, long long gid = 0);
  ::archive* m_archive;
  std::string m_data;
};

class StringStream final : public util::ByteStream {
 public:
  explicit StringStream(std::string data) : m_data(std::move(data)) {}
  std::size_t read(std::span<std::byte> buffer) override {
    const auto n = std::min(buffer.size(), m_data.size() - m_pos);
    std::memcpy(buffer.data(), m_data.data() + m_pos, n);
    m_pos += n;
    return n;
  }

 private:
  std::string m_data;
  std::size_t m_pos = 0;
};

}  // namespace imgscap::test
