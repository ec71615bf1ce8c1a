// SPDX-License-Identifier: Apache-2.0
// Wall time and peak resident memory of a process, per named phase of a scan.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace imgscap::util {

// Peak resident set size of this process so far, in KiB (getrusage's ru_maxrss).
long peak_rss_kb();

class PhaseClock {
 public:
  PhaseClock() : m_start(std::chrono::steady_clock::now()) {}

  // Starts timing the next phase.
  void start() { m_start = std::chrono::steady_clock::now(); }
  // Records the seconds since start() and the process's peak memory so far under `phase`.
  void stop(const std::string& phase);

  [[nodiscard]] const std::map<std::string, double>& seconds() const { return m_seconds; }
  [[nodiscard]] const std::map<std::string, long>& peak_rss_kb() const { return m_peak_rss_kb; }

 private:
  std::chrono::steady_clock::time_point m_start;
  std::map<std::string, double> m_seconds;
  std::map<std::string, long> m_peak_rss_kb;
};

}  // namespace imgscap::util
