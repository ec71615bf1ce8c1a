// SPDX-License-Identifier: Apache-2.0
// SIGINT/SIGTERM/SIGHUP turned into a flag that long-running work polls, so every exit path
// unwinds normally and removes the work directory.
#pragma once

#include <atomic>
#include <cstdint>

namespace imgscap::util {

// Installs the handlers (without SA_RESTART, so blocking waits return EINTR).
void install_signal_handlers();

// The first termination signal received, or 0.
int pending_signal() noexcept;

// The scan must end by `seconds` from now (the scan-seconds limit); past it, the work is
// interrupted like by a signal, with an error naming the limit.
void set_deadline_in(std::uint64_t seconds);

// A termination signal arrived, the deadline passed, or the calling thread's cancellation flag
// is set: long-running work must stop.
bool interruption_pending() noexcept;

// Throws imgscap::Error "interrupted by SIGxxx" with exit code 128 + signal when one arrived,
// the scan-seconds limit error (exit code 1) when the deadline passed, or "cancelled" when the
// calling thread was cancelled.
void throw_if_interrupted();

// Makes `flag` (owned by the caller, outliving the thread's work) the calling thread's
// cancellation: once set, interruption_pending() is true on that thread. A worker reading ahead
// for a reader that went away stops waiting on the network this way.
void set_thread_cancellation(const std::atomic<bool>* flag) noexcept;

// For tests: forget a received signal.
void reset_pending_signal() noexcept;

}  // namespace imgscap::util
