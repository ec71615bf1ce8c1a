// SPDX-License-Identifier: Apache-2.0
// SIGINT/SIGTERM/SIGHUP turned into a flag that long-running work polls, so every exit path
// unwinds normally and removes the work directory.
#pragma once

#include <cstdint>

namespace imgscap::util {

// Installs the handlers (without SA_RESTART, so blocking waits return EINTR).
void install_signal_handlers();

// The first termination signal received, or 0.
int pending_signal() noexcept;

// The scan must end by `seconds` from now (the scan-seconds limit); past it, the work is
// interrupted like by a signal, with an error naming the limit.
void set_deadline_in(std::uint64_t seconds);

// A termination signal arrived or the deadline passed: long-running work must stop.
bool interruption_pending() noexcept;

// Throws imgscap::Error "interrupted by SIGxxx" with exit code 128 + signal when one arrived,
// or the scan-seconds limit error (exit code 1) when the deadline passed.
void throw_if_interrupted();

// For tests: forget a received signal.
void reset_pending_signal() noexcept;

}  // namespace imgscap::util
