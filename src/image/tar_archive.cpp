// SPDX-License-Identifier: Apache-2.0
// libarchive-backed reading of the outer image tarball.
#include "tar_archive.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/stream_archive.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <sys/stat.h>

#include <algorithm>
#include <set>

namespace imgscap::image {
namespace {

constexpr std::size_t k_block_size = 64 * 1024;

using ArchivePtr = util::ArchiveReadPtr;

ArchivePtr open_archive(const std::filesystem::path& path) {
  ArchivePtr a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_none(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), k_block_size) != ARCHIVE_OK) {
    fail("cannot read {}: {}", path.string(), util::archive_reason(a.get()));
  }
  return a;
}

class EntryStream final : public util::ByteStream {
 public:
  EntryStream(ArchivePtr a, std::string name) : m_archive(std::move(a)), m_name(std::move(name)) {}
  std::size_t read(std::span<std::byte> buffer) override {
    const auto n = archive_read_data(m_archive.get(), buffer.data(), buffer.size());
    if (n < 0) {
      fail("cannot read {} from the archive: {}", m_name, util::archive_reason(m_archive.get()));
    }
    return static_cast<std::size_t>(n);
  }

 private:
  ArchivePtr m_archive;
  std::string m_name;
};

}  // namespace

std::string normalise_entry_name(std::string_view name) {
  std::string out;
  while (!name.empty()) {
    const auto slash = name.find('/');
    const auto part = name.substr(0, slash);
    name = slash == std::string_view::npos ? std::string_view() : name.substr(slash + 1);
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      return {};
    }
    if (!out.empty()) {
      out.push_back('/');
    }
    out.append(part);
  }
  return out;
}

TarArchive::TarArchive(std::filesystem::path path) : m_path(std::move(path)) {
  struct stat st {};
  if (::stat(m_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    fail("{}: not a regular file", m_path.string());
  }
  auto a = open_archive(m_path);
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK ||
         status == ARCHIVE_WARN) {
    if (m_all_names.size() >= util::limit(util::Limit::archive_entries)) {
      util::limit_exceeded(
          util::Limit::archive_entries,
          fmt::format("{} has more than {} entries", m_path.string(), m_all_names.size()));
    }
    const char* raw = archive_entry_pathname(entry);
    const auto name = normalise_entry_name(raw != nullptr ? raw : "");
    m_all_names.push_back(name);
    if (!name.empty() && archive_entry_filetype(entry) == AE_IFREG) {
      m_files[name] = archive_entry_size(entry);
    }
    archive_read_data_skip(a.get());
  }
  if (status != ARCHIVE_EOF) {
    fail("{}: not a readable tar archive ({})", m_path.string(), util::archive_reason(a.get()));
  }
  if (m_all_names.empty()) {
    fail("{}: an empty archive", m_path.string());
  }
}

std::vector<std::string> TarArchive::top_level_names() const {
  std::set<std::string> names;
  for (const auto& name : m_all_names) {
    if (!name.empty()) {
      names.insert(name.substr(0, name.find('/')));
    }
  }
  return {names.begin(), names.end()};
}

bool TarArchive::contains(const std::string& name) const { return m_files.contains(name); }

std::int64_t TarArchive::size_of(const std::string& name) const {
  const auto it = m_files.find(name);
  return it == m_files.end() ? -1 : it->second;
}

std::unique_ptr<util::ByteStream> TarArchive::open(const std::string& name) const {
  if (!contains(name)) {
    fail("{} is not in {}", name, m_path.string());
  }
  auto a = open_archive(m_path);
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
    const char* raw = archive_entry_pathname(entry);
    if (archive_entry_filetype(entry) == AE_IFREG &&
        normalise_entry_name(raw != nullptr ? raw : "") == name) {
      return std::make_unique<EntryStream>(std::move(a), name);
    }
    archive_read_data_skip(a.get());
  }
  fail("{} is not in {}", name, m_path.string());
}

}  // namespace imgscap::image
