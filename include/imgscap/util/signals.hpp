// SPDX-License-Identifier: Apache-2.0
// SIGINT/SIGTERM/SIGHUP turned into a flag that long-running work polls, so every exit path
// unwinds normally and removes the work directory.
#pragma once

namespace imgscap::util {

// Installs the handlers (without SA_RESTART, so blocking waits return EINTR).
void install_signal_handlers();

// The first termination signal received, or 0.
int pending_signal() noexcept;

// Throws imgscap::Error "interrupted by SIGxxx" with exit code 128 + signal when one arrived.
void throw_if_interrupted();

// For tests: forget a received signal.
void reset_pending_signal() noexcept;

}  // namespace imgscap::util
