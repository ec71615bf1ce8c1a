// SPDX-License-Identifier: Apache-2.0
// The one error type of imgscap, its exit codes, and helpers that add context as errors rise.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace imgscap {

// Every exit code imgscap returns. Documented in README.md, --help and docs/man/imgscap.1.
enum class ExitCode : int {
  compliant = 0,           // scan finished, nothing at or above --fail-on failed
  error = 1,               // bad usage, unreadable or invalid image or content, evaluation failure
  noncompliant = 2,        // scan finished, a rule at or above --fail-on failed
  incomplete = 3,          // scan finished, a rule at or above --fail-on could not be evaluated
  cve_unsupported = 4,     // --cve auto: no feed for the image's OS, nothing else failed
  interrupted_base = 128,  // 128 + signal number: SIGHUP 129, SIGINT 130, SIGTERM 143
};

// What went wrong, where a caller acts on it (never told from the message).
enum class ErrorKind {
  general,
  stalled,  // a child process stopped making progress and was killed (run it once more)
};

// A failure imgscap reports to the user. The message reads as the tail of
// "imgscap: error: ..." and carries its context ("layer 2 (sha256:ab12...): entry x: ...");
// error_number() is the errno of the system call that failed (0 when none did), for callers
// that act on it (a full RAM-backed root is unpacked again on disk).
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::error, int error_number = 0,
                 ErrorKind kind = ErrorKind::general)
      : std::runtime_error(message), m_code(code), m_errno(error_number), m_kind(kind) {}
  [[nodiscard]] ExitCode code() const noexcept { return m_code; }
  [[nodiscard]] int error_number() const noexcept { return m_errno; }
  [[nodiscard]] ErrorKind kind() const noexcept { return m_kind; }

 private:
  ExitCode m_code;
  int m_errno;
  ErrorKind m_kind;
};

// errno as text, for messages: "open foo: No such file or directory".
std::string errno_text(int err);

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// A failed system call: "<what>: <errno text>", with the errno kept in the Error.
template <typename... Args>
[[noreturn]] void fail_errno(int err, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...) + ": " + errno_text(err),
              ExitCode::error, err);
}

// Runs f(); an Error thrown by it is rethrown with "context: " in front of its message.
template <typename F>
decltype(auto) with_context(const std::string& context, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const Error& e) {
    throw Error(context + ": " + e.what(), e.code(), e.error_number(), e.kind());
  }
}

}  // namespace imgscap
