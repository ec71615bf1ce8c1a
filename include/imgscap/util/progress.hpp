// SPDX-License-Identifier: Apache-2.0
// Progress reporting through an interface: a terminal implementation redrawing one stderr line,
// and a silent one used whenever stderr is not a terminal (CI logs, cron mail stay clean).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

namespace imgscap::util {

class Progress {
 public:
  Progress() = default;
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  virtual ~Progress() = default;

  virtual void layer_started(std::size_t index, std::size_t count, std::string_view digest,
                             long long size) = 0;
  virtual void layer_bytes(std::uint64_t bytes_done) = 0;
  virtual void rule_done(std::size_t done, std::string_view rule_id, std::string_view result) = 0;
  virtual void phase(std::string_view name) = 0;
  // Clears the progress line before other output.
  virtual void finish() = 0;
};

std::unique_ptr<Progress> make_silent_progress();
std::unique_ptr<Progress> make_terminal_progress(std::ostream& err);

}  // namespace imgscap::util
