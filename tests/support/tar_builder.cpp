// SPDX-License-Identifier: Apache-2.0
// In-memory tar writing for tests.
#include "tar_builder.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <stdexcept>

namespace imgscap::test {
namespace {

la_ssize_t append(archive*, void* data, const void* buffer, size_t length) {
  static_cast<std::string*>(data)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

}  // namespace

TarBuilder::TarBuilder() : m_archive(archive_write_new()) {
  archive_write_set_format_pax_restricted(m_archive);
  archive_write_set_bytes_in_last_block(m_archive, 1);
  archive_write_open(m_archive, &m_data, nullptr, append, nullptr);
}

TarBuilder::~TarBuilder() { archive_write_free(m_archive); }

void TarBuilder::add(const std::string& name, unsigned type, unsigned mode,
                     const std::string& content, const std::string& link, bool hard, long long uid,
                     long long gid) {
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, type);
  archive_entry_set_perm(entry, mode);
  archive_entry_set_uid(entry, uid);
  archive_entry_set_gid(entry, gid);
  archive_entry_set_mtime(entry, 1700000000, 0);
  if (hard) {
    archive_entry_set_hardlink(entry, link.c_str());
  } else if (!link.empty()) {
    archive_entry_set_symlink(entry, link.c_str());
  }
  archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
  if (archive_write_header(m_archive, entry) != ARCHIVE_OK) {
    throw std::runtime_error(archive_error_string(m_archive));
  }
  if (!content.empty()) {
    archive_write_data(m_archive, content.data(), content.size());
  }
  archive_entry_free(entry);
}

TarBuilder& TarBuilder::file(const std::string& name, const std::string& content, unsigned mode) {
  add(name, AE_IFREG, mode, content, "", false);
  return *this;
}
TarBuilder& TarBuilder::dir(const std::string& name, unsigned mode) {
  add(name, AE_IFDIR, mode, "", "", false);
  return *this;
}
TarBuilder& TarBuilder::symlink(const std::string& name, const std::string& target) {
  add(name, AE_IFLNK, 0777, "", target, false);
  return *this;
}
TarBuilder& TarBuilder::hardlink(const std::string& name, const std::string& target) {
  add(name, AE_IFREG, 0644, "", target, true);
  return *this;
}
TarBuilder& TarBuilder::special(const std::string& name, unsigned type) {
  add(name, type, 0644, "", "", false);
  return *this;
}
TarBuilder& TarBuilder::owned_file(const std::string& name, long long uid, long long gid) {
  add(name, AE_IFREG, 0644, "x", "", false, uid, gid);
  return *this;
}

std::string TarBuilder::finish() {
  archive_write_close(m_archive);
  return m_data;
}

}  // namespace imgscap::test
