// SPDX-License-Identifier: Apache-2.0
// Termination signal handling: the handler only records the signal; callers poll and unwind.
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/signals.hpp>

#include <chrono>
#include <csignal>
#include <cstring>
#include <optional>

namespace imgscap::util {
namespace {

volatile std::sig_atomic_t g_signal = 0;
std::optional<std::chrono::steady_clock::time_point> g_deadline;
std::uint64_t g_deadline_seconds = 0;

bool deadline_passed() noexcept {
  return g_deadline && std::chrono::steady_clock::now() > *g_deadline;
}

extern "C" void record_signal(int signal_number) {
  if (g_signal == 0) {
    g_signal = signal_number;
  }
}

}  // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: poll()/waitpid() return EINTR
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    sigaction(signal_number, &action, nullptr);
  }
}

int pending_signal() noexcept { return g_signal; }

void reset_pending_signal() noexcept { g_signal = 0; }

void set_deadline_in(std::uint64_t seconds) {
  g_deadline_seconds = seconds;
  g_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
}

namespace {
thread_local const std::atomic<bool>* t_cancellation = nullptr;

bool thread_cancelled() noexcept {
  return t_cancellation != nullptr && t_cancellation->load(std::memory_order_relaxed);
}
}  // namespace

void set_thread_cancellation(const std::atomic<bool>* flag) noexcept { t_cancellation = flag; }

bool interruption_pending() noexcept {
  return g_signal != 0 || deadline_passed() || thread_cancelled();
}

void throw_if_interrupted() {
  const int signal_number = g_signal;
  if (signal_number != 0) {
    throw Error(
        fmt::format("interrupted by SIG{}", sigabbrev_np(signal_number)),
        static_cast<ExitCode>(static_cast<int>(ExitCode::interrupted_base) + signal_number));
  }
  if (deadline_passed()) {
    limit_exceeded(Limit::scan_seconds,
                   fmt::format("the scan took longer than {} seconds", g_deadline_seconds));
  }
  if (thread_cancelled()) {
    throw Error("cancelled: the reader of this stream went away");
  }
}

}  // namespace imgscap::util
