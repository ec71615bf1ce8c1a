// SPDX-License-Identifier: Apache-2.0
// libarchive reading from a ByteStream with exception capture.
#include <imgscap/util/error.hpp>
#include <imgscap/util/stream_archive.hpp>

#include <archive.h>

namespace imgscap::util {

void ArchiveReadFree::operator()(::archive* a) const noexcept { archive_read_free(a); }

StreamArchive::StreamArchive(ByteStream& stream, Kind kind)
    : m_stream(stream), m_archive(archive_read_new()) {
  if (kind == Kind::tar) {
    archive_read_support_format_tar(m_archive.get());
    archive_read_support_filter_none(m_archive.get());
  } else {
    archive_read_support_format_raw(m_archive.get());
    archive_read_append_filter(m_archive.get(), ARCHIVE_FILTER_ZSTD);
  }
  const int status =
      archive_read_open(m_archive.get(), this, nullptr, &StreamArchive::read_callback, nullptr);
  check(status != ARCHIVE_OK, "cannot start reading");
}

StreamArchive::~StreamArchive() = default;

const char* archive_reason(::archive* a) {
  const char* reason = archive_error_string(a);
  return reason != nullptr ? reason : "corrupt data";
}

std::ptrdiff_t StreamArchive::read_callback(::archive*, void* self, const void** out) {
  auto* me = static_cast<StreamArchive*>(self);
  try {
    const auto n = me->m_stream.read(me->m_buffer);
    me->m_consumed += n;
    *out = me->m_buffer.data();
    return static_cast<std::ptrdiff_t>(n);
  } catch (...) {
    me->m_error = std::current_exception();
    return -1;
  }
}

void StreamArchive::check(bool failed, std::string_view what) {
  if (m_error) {
    std::rethrow_exception(m_error);
  }
  if (failed) {
    fail("{}: {}", what, archive_reason(m_archive.get()));
  }
}

}  // namespace imgscap::util
