// SPDX-License-Identifier: Apache-2.0
// A child process that reports to its parent line by line over a pipe ("rule", "done",
// "error" messages); the parent forwards lines, honours termination signals and kills the child.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace imgscap::util {
class PhaseClock;
}

namespace imgscap::scan {

// Writes one protocol line ("kind\tpayload\n") to the parent. Usable only in the child.
void send_line(int fd, std::string_view kind, std::string_view payload);

// The child's last line: `done` (what it produced) with its time and peak memory per phase.
void send_done(int fd, nlohmann::json& done, const util::PhaseClock& clock);

class ChildReader;

// A child started and not yet finished: its reports wait in its pipe while the parent does other
// work (another child). Killed if it goes away unfinished.
class Child {
 public:
  Child(const std::function<void(int fd)>& body, std::filesystem::path log_file);
  Child(Child&&) noexcept;
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();
  // Reads the child's lines to its end and waits for it; as run_in_child.
  std::string finish(const std::function<void(std::string_view, std::string_view)>& on_line);

 private:
  std::unique_ptr<ChildReader> m_reader;
  std::filesystem::path m_log_file;
};

// Runs body(fd) in a forked child whose stdout/stderr go to log_file. on_line receives each
// (kind, payload) the child sends. Returns the payload of the child's "done" line. Throws
// imgscap::Error with the child's "error" message or, when it died, what it died of and the end
// of its log; on a termination signal the child is killed and the interrupted error thrown.
// A child that stalls (no line, no CPU time for --limit stall-seconds) is killed and run once
// more, after a warning and an on_line("retry", "") call; a second stall throws (ErrorKind::
// stalled).
std::string run_in_child(const std::function<void(int fd)>& body,
                         const std::filesystem::path& log_file,
                         const std::function<void(std::string_view, std::string_view)>& on_line);

}  // namespace imgscap::scan
