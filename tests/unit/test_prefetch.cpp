// SPDX-License-Identifier: Apache-2.0
// PrefetchStream: data arrives in order, errors reach the reader, and a worker waiting on a
// slow source (a registry that stalls) is cancelled when the reader goes away.
#include <imgscap/util/error.hpp>
#include <imgscap/util/prefetch_stream.hpp>
#include <imgscap/util/signals.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

namespace imgscap {
namespace {

// Waits for data that never comes, as a stream on a stalled connection does, until told to stop.
class StalledStream final : public util::ByteStream {
 public:
  explicit StalledStream(std::atomic<bool>& cancelled) : m_cancelled(cancelled) {}
  std::size_t read(std::span<std::byte>) override {
    while (!util::interruption_pending()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m_cancelled = true;
    util::throw_if_interrupted();
    return 0;
  }

 private:
  std::atomic<bool>& m_cancelled;
};

class CountingStream final : public util::ByteStream {
 public:
  std::size_t read(std::span<std::byte> buffer) override {
    if (m_left == 0) {
      throw Error("source failed at its end");
    }
    const auto n = std::min<std::size_t>(buffer.size(), std::min<std::size_t>(m_left, 7));
    for (std::size_t i = 0; i < n; ++i) {
      buffer[i] = static_cast<std::byte>(m_next++);
    }
    m_left -= n;
    return n;
  }

 private:
  std::size_t m_left = 1000;
  unsigned char m_next = 0;
};

TEST(PrefetchStream, DeliversInOrderThenTheSourcesError) {
  util::PrefetchStream stream(std::make_unique<CountingStream>(), 64, 2);
  std::byte buffer[13];
  unsigned char expected = 0;
  std::size_t total = 0;
  try {
    while (const auto n = stream.read(buffer)) {
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(static_cast<unsigned char>(buffer[i]), expected++);
      }
      total += n;
    }
    FAIL() << "the source's error was lost";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "source failed at its end");
  }
  EXPECT_EQ(total, 1000U);
}

TEST(PrefetchStream, AReaderGoingAwayCancelsAWorkerWaitingOnItsSource) {
  std::atomic<bool> cancelled{false};
  const auto start = std::chrono::steady_clock::now();
  {
    util::PrefetchStream stream(std::make_unique<StalledStream>(cancelled), 64, 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(cancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // The cancellation belonged to the worker: this thread is not interrupted.
  EXPECT_FALSE(util::interruption_pending());
}

}  // namespace
}  // namespace imgscap
