// SPDX-License-Identifier: Apache-2.0
// The silent and terminal progress implementations.
#include <imgscap/util/progress.hpp>

#include <fmt/format.h>

#include <chrono>
#include <ostream>

namespace imgscap::util {
namespace {

class SilentProgress final : public Progress {
 public:
  void layer_started(std::size_t, std::size_t, std::string_view, long long) override {}
  void layer_bytes(std::uint64_t) override {}
  void rule_done(std::size_t, std::string_view, std::string_view) override {}
  void phase(std::string_view) override {}
  void finish() override {}
};

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", bytes, units[unit]);
}

class TerminalProgress final : public Progress {
 public:
  explicit TerminalProgress(std::ostream& err) : m_err(err) {}

  void layer_started(std::size_t index, std::size_t count, std::string_view digest,
                     long long /*size*/) override {
    m_layer = fmt::format("layer {}/{} {}", index + 1, count, digest.substr(0, 19));
    draw(m_layer, true);
  }
  void layer_bytes(std::uint64_t bytes_done) override {
    draw(fmt::format("{}: {} unpacked", m_layer, human_bytes(static_cast<double>(bytes_done))),
         false);
  }
  void rule_done(std::size_t done, std::string_view rule_id, std::string_view result) override {
    draw(fmt::format("evaluating: {} rules done, last {} {}", done, rule_id, result), false);
  }
  void phase(std::string_view name) override { draw(std::string(name), true); }
  void finish() override {
    if (m_drawn) {
      m_err << "\r\033[K" << std::flush;
      m_drawn = false;
    }
  }

 private:
  void draw(const std::string& line, bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - m_last < std::chrono::milliseconds(100)) {
      return;
    }
    m_last = now;
    m_err << "\r\033[K" << line.substr(0, 120) << std::flush;
    m_drawn = true;
  }

  std::ostream& m_err;
  std::string m_layer;
  std::chrono::steady_clock::time_point m_last{};
  bool m_drawn = false;
};

}  // namespace

std::unique_ptr<Progress> make_silent_progress() { return std::make_unique<SilentProgress>(); }
std::unique_ptr<Progress> make_terminal_progress(std::ostream& err) {
  return std::make_unique<TerminalProgress>(err);
}

}  // namespace imgscap::util
