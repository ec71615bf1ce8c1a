// SPDX-License-Identifier: Apache-2.0
// PhaseClock: steady-clock durations and getrusage peaks per phase.
#include <imgscap/util/phase_clock.hpp>

#include <sys/resource.h>

namespace imgscap::util {

long peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

void PhaseClock::stop(const std::string& phase) {
  m_seconds[phase] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  m_peak_rss_kb[phase] = util::peak_rss_kb();
}

}  // namespace imgscap::util
