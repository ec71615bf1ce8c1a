// SPDX-License-Identifier: Apache-2.0
// The evaluation child's watchdog, on real forked processes: a child that waits forever is
// killed after --limit stall-seconds and run once more; one that computes without reporting
// (itself or in a grandchild, as in the sandbox's pid namespace) is left alone.
#include "../../src/scan/child.hpp"
#include "support/temp_dir.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/log.hpp>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

namespace imgscap::scan {
namespace {

using Clock = std::chrono::steady_clock;

class ChildWatchdog : public ::testing::Test {
 protected:
  void SetUp() override {
    m_saved = util::limits();
    auto limits = m_saved;
    limits.set("stall-seconds=2");
    util::set_limits(limits);
    m_dir = test::make_temp_dir("imgscap-child-test");
    util::init_logging(m_log, util::Verbosity::normal);
  }
  void TearDown() override {
    util::init_logging(std::cerr, util::Verbosity::quiet);
    util::set_limits(m_saved);
    std::filesystem::remove_all(m_dir);
  }

  // Runs body in a child; counts the retries; returns the "done" payload.
  std::string run(const std::function<void(int)>& body) {
    return run_in_child(body, m_dir / "child.log", [this](std::string_view kind, std::string_view) {
      if (kind == "retry") {
        ++retries;
      }
    });
  }

  static void burn_cpu_for(std::chrono::milliseconds duration) {
    const auto end = Clock::now() + duration;
    volatile std::uint64_t sink = 0;
    while (Clock::now() < end) {
      sink = sink + 1;
    }
  }

  std::filesystem::path m_dir;
  std::ostringstream m_log;
  util::Limits m_saved;
  int retries = 0;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST_F(ChildWatchdog, AChildWaitingForeverIsKilledRunAgainThenReported) {
  const auto start = Clock::now();
  try {
    run([](int) {
      for (;;) {
        ::pause();
      }
    });
    FAIL() << "a child that never finishes returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::stalled) << e.what();
    EXPECT_NE(std::string(e.what()).find("no progress for 2 seconds"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(retries, 1);
  EXPECT_NE(m_log.str().find("running it once more"), std::string::npos) << m_log.str();
  const auto took = seconds_since(start);
  EXPECT_GE(took, 4.0) << "each run must be given the whole stall limit";
  EXPECT_LT(took, 20.0);
}

TEST_F(ChildWatchdog, AStallThenASuccessfulRunGivesTheSecondRunsResult) {
  const auto marker = m_dir / "first-run";
  const auto done = run([&](int fd) {
    if (!std::filesystem::exists(marker)) {
      std::ofstream(marker) << "x";
      for (;;) {
        ::pause();
      }
    }
    send_line(fd, "done", "second");
  });
  EXPECT_EQ(done, "second");
  EXPECT_EQ(retries, 1);
}

TEST_F(ChildWatchdog, AChildComputingWithoutReportingIsNotAStall) {
  const auto done = run([](int fd) {
    burn_cpu_for(std::chrono::milliseconds(3500));
    send_line(fd, "done", "computed");
  });
  EXPECT_EQ(done, "computed");
  EXPECT_EQ(retries, 0);
}

TEST_F(ChildWatchdog, AGrandchildComputingCountsAsProgress) {
  // As in the sandbox: the child forks the process that works and waits for it.
  const auto done = run([](int fd) {
    const pid_t worker = ::fork();
    if (worker == 0) {
      burn_cpu_for(std::chrono::milliseconds(3500));
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(worker, &status, 0);
    send_line(fd, "done", "grandchild");
  });
  EXPECT_EQ(done, "grandchild");
  EXPECT_EQ(retries, 0);
}

TEST_F(ChildWatchdog, ReportedLinesAreProgress) {
  const auto done = run([](int fd) {
    for (int i = 0; i < 14; ++i) {
      send_line(fd, "rule", "xccdf_rule\tpass");
      ::usleep(250'000);
    }
    send_line(fd, "done", "lines");
  });
  EXPECT_EQ(done, "lines");
  EXPECT_EQ(retries, 0);
}

}  // namespace
}  // namespace imgscap::scan
