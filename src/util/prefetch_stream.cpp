// SPDX-License-Identifier: Apache-2.0
// The read-ahead worker and its bounded queue of chunks.
#include <imgscap/util/prefetch_stream.hpp>
#include <imgscap/util/signals.hpp>

#include <algorithm>
#include <cstring>

namespace imgscap::util {

PrefetchStream::PrefetchStream(std::unique_ptr<ByteStream> inner, std::size_t chunk,
                               std::size_t depth)
    : m_inner(std::move(inner)), m_chunk(chunk), m_depth(std::max<std::size_t>(depth, 1)) {
  m_worker = std::thread([this] { work(); });
}

PrefetchStream::~PrefetchStream() {
  m_cancel = true;
  {
    const std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  m_worker.join();
}

void PrefetchStream::work() {
  set_thread_cancellation(&m_cancel);
  for (;;) {
    std::vector<std::byte> chunk(m_chunk);
    std::size_t n = 0;
    std::exception_ptr error;
    try {
      n = m_inner->read(chunk);
    } catch (...) {
      error = std::current_exception();
    }
    std::unique_lock lock(m_mutex);
    if (error || n == 0) {
      m_error = error;
      m_end = true;
      m_changed.notify_all();
      return;
    }
    chunk.resize(n);
    m_changed.wait(lock, [this] { return m_stop || m_ready.size() < m_depth; });
    if (m_stop) {
      return;
    }
    m_ready.push_back(std::move(chunk));
    m_changed.notify_all();
  }
}

std::size_t PrefetchStream::read(std::span<std::byte> buffer) {
  if (m_offset == m_current.size()) {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] { return !m_ready.empty() || m_end; });
    if (m_ready.empty()) {
      if (m_error) {
        std::rethrow_exception(m_error);
      }
      return 0;
    }
    m_current = std::move(m_ready.front());
    m_ready.pop_front();
    m_offset = 0;
    m_changed.notify_all();
  }
  const auto n = std::min(buffer.size(), m_current.size() - m_offset);
  std::memcpy(buffer.data(), m_current.data() + m_offset, n);
  m_offset += n;
  return n;
}

}  // namespace imgscap::util
