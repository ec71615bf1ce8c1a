// SPDX-License-Identifier: Apache-2.0
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/process.hpp>
#include <imgscap/util/signals.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

extern char** environ;

namespace imgscap::util {
namespace {

struct Pipe {
  Fd read_end;
  Fd write_end;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      fail_errno(errno, "pipe");
    }
    read_end = Fd(fds[0]);
    write_end = Fd(fds[1]);
  }
};

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&m_actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&m_actions); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() { return &m_actions; }

 private:
  posix_spawn_file_actions_t m_actions{};
};

int wait_for(pid_t pid, bool kill_first) {
  if (kill_first) {
    ::kill(pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && !kill_first ? WEXITSTATUS(status) : -1;
}

// The exit status once the program ends, killing it at the deadline or on a signal to imgscap.
int wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline, const std::string& name,
               int timeout_seconds) {
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (interruption_pending()) {
      wait_for(pid, true);
      throw_if_interrupted();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      wait_for(pid, true);
      fail("{} did not finish within {} s", name, timeout_seconds);
    }
    ::usleep(10000);
  }
}

// The input is small (a server URL): it fits the pipe, so writing first cannot deadlock. A
// helper that exits without reading it is judged by its exit status: SIGPIPE is held back
// (and a pending one discarded) so that it cannot end imgscap.
void write_input(Fd& fd, std::string_view input) {
  sigset_t pipe_only;
  sigset_t old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  try {
    write_all(fd.get(), input, "stdin of a helper");
  } catch (const Error&) {
    const timespec none{0, 0};
    while (sigtimedwait(&pipe_only, nullptr, &none) == SIGPIPE) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  fd.reset();
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          std::size_t max_out, int timeout_seconds) {
  Pipe in;
  Pipe out;
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), in.read_end.get(), 0);
  posix_spawn_file_actions_adddup2(actions.get(), out.write_end.get(), 1);
  posix_spawn_file_actions_addopen(actions.get(), 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = 0;
  if (const int err = ::posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), environ);
      err != 0) {
    fail_errno(err, "cannot run {}", argv.front());
  }
  in.read_end.reset();
  out.write_end.reset();
  write_input(in.write_end, input);
  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd pfd{out.read_end.get(), POLLIN, 0};
    const int ready = left.count() > 0 ? ::poll(&pfd, 1, static_cast<int>(left.count())) : 0;
    if (ready == 0) {
      wait_for(pid, true);
      fail("{} did not finish within {} s", argv.front(), timeout_seconds);
    }
    const auto n = ready < 0 ? -1 : ::read(out.read_end.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      if (interruption_pending()) {
        wait_for(pid, true);
        throw_if_interrupted();
      }
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (result.out.size() + static_cast<std::size_t>(n) > max_out) {
      wait_for(pid, true);
      fail("{} wrote more than {} bytes", argv.front(), max_out);
    }
    result.out.append(buffer, static_cast<std::size_t>(n));
  }
  result.exit_status = wait_until(pid, deadline, argv.front(), timeout_seconds);
  return result;
}

}  // namespace imgscap::util
