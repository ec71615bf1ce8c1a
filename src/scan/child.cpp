// SPDX-License-Identifier: Apache-2.0
// fork + pipe protocol for evaluations isolated in their own process.
#include "child.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/phase_clock.hpp>
#include <imgscap/util/signals.hpp>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_log_tail_lines = 8;

// The fields of /proc/PID/stat after the command name, which may itself hold spaces and ')'.
std::vector<std::string> stat_fields(pid_t pid) {
  const auto text = util::read_file(fmt::format("/proc/{}/stat", pid));
  std::vector<std::string> fields;
  const auto close = text.rfind(')');
  if (close == std::string::npos) {
    return fields;
  }
  std::istringstream in(text.substr(close + 1));
  for (std::string field; in >> field;) {
    fields.push_back(field);
  }
  return fields;
}

// CPU ticks used by `pid` (all its threads and its reaped children) and by every process below
// it, found through /proc/PID/task/TID/children. nullopt when the kernel does not list children
// (no CONFIG_PROC_CHILDREN): then the tree's CPU time cannot be told.
std::optional<std::uint64_t> tree_cpu_ticks(pid_t pid) {
  // Fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the command name.
  constexpr std::size_t k_first = 11;
  constexpr std::size_t k_count = 4;
  const auto fields = stat_fields(pid);
  std::uint64_t ticks = 0;
  for (std::size_t i = k_first; i < k_first + k_count && i < fields.size(); ++i) {
    ticks += std::strtoull(fields[i].c_str(), nullptr, 10);
  }
  const auto tasks = fs::path(fmt::format("/proc/{}/task", pid));
  if (!fs::exists(tasks / std::to_string(pid) / "children")) {
    return std::nullopt;
  }
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(tasks, ec)) {
    std::istringstream children(util::read_file(task.path() / "children"));
    for (pid_t child = 0; children >> child;) {
      ticks += tree_cpu_ticks(child).value_or(0);
    }
  }
  return ticks;
}

}  // namespace

// Outside the anonymous namespace: ChildReader, which has external linkage, holds one.
// Tells a child that stopped making progress: no protocol line and no CPU time in its process
// tree for --limit stall-seconds (libopenscap's probe threads were seen deadlocked in futex
// waits, using no CPU, for ten minutes). A rule that takes long but computes is progress.
class StallWatch {
 public:
  explicit StallWatch(pid_t pid)
      : m_pid(pid),
        m_limit(std::chrono::seconds(util::limit(util::Limit::stall_seconds))),
        m_last_progress(Clock::now()),
        m_ticks(tree_cpu_ticks(pid)) {}

  void progressed() { m_last_progress = Clock::now(); }

  // True once the limit passed without progress (checked at most once a second).
  bool stalled() {
    const auto now = Clock::now();
    if (now - m_last_check < std::chrono::seconds(1)) {
      return false;
    }
    m_last_check = now;
    const auto ticks = tree_cpu_ticks(m_pid);
    if (!ticks || ticks != m_ticks) {
      m_ticks = ticks;
      m_last_progress = now;
      return false;
    }
    return now - m_last_progress >= m_limit;
  }

  [[nodiscard]] std::uint64_t limit_seconds() const {
    return static_cast<std::uint64_t>(m_limit.count());
  }

 private:
  using Clock = std::chrono::steady_clock;
  pid_t m_pid;
  std::chrono::seconds m_limit;
  Clock::time_point m_last_progress;
  Clock::time_point m_last_check{};
  std::optional<std::uint64_t> m_ticks;
};

namespace {

std::string log_tail(const std::filesystem::path& log_file) {
  std::ifstream in(log_file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) {
      lines.push_back(line);
    }
  }
  std::string tail;
  const auto first = lines.size() > k_log_tail_lines ? lines.size() - k_log_tail_lines : 0;
  for (auto i = first; i < lines.size(); ++i) {
    tail += "\n  " + lines[i];
  }
  return tail;
}

[[noreturn]] void child_main(const std::function<void(int)>& body, int fd,
                             const std::filesystem::path& log_file) {
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP}) {
    std::signal(signal_number, SIG_DFL);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd >= 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
  }
  int code = 0;
  try {
    body(fd);
  } catch (const std::exception& e) {
    send_line(fd, "error", e.what());
    code = 1;
  }
  ::_exit(code);
}

std::string describe_death(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("the evaluation process was killed by SIG{}",
                       sigabbrev_np(WTERMSIG(status)));
  }
  return fmt::format("the evaluation process exited with status {}", WEXITSTATUS(status));
}

}  // namespace

// How reading a child's lines ended.
enum class PumpEnd { eof, interrupted, stalled };

// Reads a child's protocol lines; kills and reaps it when dropped unfinished.
class ChildReader {
 public:
  ChildReader(pid_t pid, util::Fd fd) : m_pid(pid), m_fd(std::move(fd)), m_watch(pid) {}
  ChildReader(const ChildReader&) = delete;
  ChildReader& operator=(const ChildReader&) = delete;
  ~ChildReader() {
    if (m_pid > 0) {
      ::kill(m_pid, SIGKILL);
      wait();
    }
  }

  // Reads until EOF, calling on_line per line; stops early on a termination signal or a stall.
  PumpEnd pump(const std::function<void(std::string_view, std::string_view)>& on_line) {
    std::array<char, 4096> buffer{};
    for (;;) {
      if (util::interruption_pending()) {
        return PumpEnd::interrupted;
      }
      if (m_watch.stalled()) {
        return PumpEnd::stalled;
      }
      pollfd pfd{m_fd.get(), POLLIN, 0};
      const int ready = ::poll(&pfd, 1, 500);
      if (ready < 0 && errno != EINTR) {
        fail("cannot wait for the evaluation process: {}", errno_text(errno));
      }
      if (ready <= 0) {
        continue;
      }
      const auto n = ::read(m_fd.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return PumpEnd::eof;
      }
      m_watch.progressed();
      m_pending.append(buffer.data(), static_cast<std::size_t>(n));
      dispatch(on_line);
    }
  }

  // Kills the child and reaps it.
  void kill() {
    ::kill(m_pid, SIGKILL);
    wait();
  }

  [[nodiscard]] std::uint64_t stall_limit() const { return m_watch.limit_seconds(); }

  int wait() {
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
    m_pid = -1;
    return status;
  }

 private:
  void dispatch(const std::function<void(std::string_view, std::string_view)>& on_line) {
    std::size_t newline = 0;
    while ((newline = m_pending.find('\n')) != std::string::npos) {
      const std::string line = m_pending.substr(0, newline);
      m_pending.erase(0, newline + 1);
      const auto tab = line.find('\t');
      const auto kind = std::string_view(line).substr(0, tab);
      const auto payload =
          tab == std::string::npos ? std::string_view() : std::string_view(line).substr(tab + 1);
      on_line(kind, payload);
    }
  }

  pid_t m_pid;
  util::Fd m_fd;
  StallWatch m_watch;
  std::string m_pending;
};

namespace {

std::string unescape(std::string_view payload) {
  std::string out;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    if (payload[i] == '\\' && i + 1 < payload.size()) {
      ++i;
      out.push_back(payload[i] == 'n' ? '\n' : payload[i] == 't' ? '\t' : payload[i]);
    } else {
      out.push_back(payload[i]);
    }
  }
  return out;
}

}  // namespace

void send_line(int fd, std::string_view kind, std::string_view payload) {
  std::string line(kind);
  line.push_back('\t');
  for (const char c : payload) {
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\t') {
      line += "\\t";
    } else if (c == '\\') {
      line += "\\\\";
    } else {
      line.push_back(c);
    }
  }
  line.push_back('\n');
  try {
    util::write_all(fd, line, "the pipe to the parent");
  } catch (const Error&) {
    // The parent went away (killed or interrupted): nobody is left to report to.
  }
}

void send_done(int fd, nlohmann::json& done, const util::PhaseClock& clock) {
  done["seconds"] = clock.seconds();
  done["peak_rss_kb"] = clock.peak_rss_kb();
  send_line(fd, "done", done.dump());
}

Child::Child(const std::function<void(int fd)>& body, std::filesystem::path log_file)
    : m_log_file(std::move(log_file)) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    fail("cannot create a pipe: {}", errno_text(errno));
  }
  util::Fd read_end(fds[0]);
  util::Fd write_end(fds[1]);
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    fail("cannot start the evaluation process: {}", errno_text(errno));
  }
  if (pid == 0) {
    read_end.reset();
    child_main(body, write_end.get(), m_log_file);
  }
  write_end.reset();
  m_reader = std::make_unique<ChildReader>(pid, std::move(read_end));
}

Child::Child(Child&&) noexcept = default;
Child::~Child() = default;

std::string Child::finish(const std::function<void(std::string_view, std::string_view)>& on_line) {
  std::string done;
  std::string error;
  bool got_done = false;
  const auto end = m_reader->pump([&](std::string_view kind, std::string_view payload) {
    if (kind == "done") {
      done = unescape(payload);
      got_done = true;
    } else if (kind == "error") {
      error = unescape(payload);
    } else {
      on_line(kind, unescape(payload));
    }
  });
  if (end == PumpEnd::interrupted) {
    util::throw_if_interrupted();
  }
  if (end == PumpEnd::stalled) {
    m_reader->kill();
    const auto tail = log_tail(m_log_file);
    throw Error(fmt::format("the evaluation process made no progress for {} seconds (no result, "
                            "no CPU time) and was killed (--limit stall-seconds); its last "
                            "messages:{}",
                            m_reader->stall_limit(), tail.empty() ? std::string(" (none)") : tail),
                ExitCode::error, 0, ErrorKind::stalled);
  }
  const int status = m_reader->wait();
  if (!error.empty()) {
    throw Error(error);
  }
  if (!got_done || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const auto tail = log_tail(m_log_file);
    fail("{}; libopenscap's last messages:{}", describe_death(status),
         tail.empty() ? std::string(" (none)") : tail);
  }
  return done;
}

std::string run_in_child(const std::function<void(int fd)>& body,
                         const std::filesystem::path& log_file,
                         const std::function<void(std::string_view, std::string_view)>& on_line) {
  try {
    return Child(body, log_file).finish(on_line);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::stalled) {
      throw;
    }
    spdlog::warn("{}; running it once more", e.what());
    on_line("retry", "");
    return Child(body, log_file).finish(on_line);
  }
}

}  // namespace imgscap::scan
