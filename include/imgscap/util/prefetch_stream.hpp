// SPDX-License-Identifier: Apache-2.0
// PrefetchStream: reads another stream on a worker thread, a few chunks ahead of its reader, so
// that reading, verifying and decompressing a layer overlap with writing its files. The worker
// is joined before the object goes away (imgscap forks only when no such thread runs).
#pragma once

#include <imgscap/util/byte_stream.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace imgscap::util {

class PrefetchStream final : public ByteStream {
 public:
  // Keeps up to `depth` chunks of `chunk` bytes read ahead of the reader.
  explicit PrefetchStream(std::unique_ptr<ByteStream> inner, std::size_t chunk = 1 << 20,
                          std::size_t depth = 8);
  ~PrefetchStream() override;

  // The inner stream's bytes in order; its errors (an imgscap::Error on a digest mismatch, ...)
  // are rethrown here once the chunks read before them are consumed.
  std::size_t read(std::span<std::byte> buffer) override;

 private:
  void work();

  std::unique_ptr<ByteStream> m_inner;
  std::size_t m_chunk;
  std::size_t m_depth;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<std::vector<std::byte>> m_ready;  // read ahead, not yet consumed
  std::vector<std::byte> m_current;            // being consumed
  std::size_t m_offset = 0;
  bool m_end = false;   // the inner stream ended (or failed: m_error)
  bool m_stop = false;  // the reader went away
  // The same, for the worker blocked in m_inner->read() (a registry stream waiting on the
  // network polls it through util::interruption_pending()).
  std::atomic<bool> m_cancel{false};
  std::exception_ptr m_error;
  std::thread m_worker;
};

}  // namespace imgscap::util
