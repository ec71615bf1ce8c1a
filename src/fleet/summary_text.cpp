// SPDX-License-Identifier: Apache-2.0
// The fleet summary as text: counts per verdict, one line per image, then the errors.
#include <imgscap/fleet/fleet.hpp>

#include <fmt/format.h>

#include <map>

namespace imgscap::fleet {
namespace {

constexpr std::size_t k_reference_width = 48;

std::string shortened(std::string_view text, std::size_t width) {
  auto shown = printable(text);
  if (shown.size() > width) {
    shown = shown.substr(0, width - 3) + "...";
  }
  return shown;
}

std::string counts(const std::map<std::string, int>& by_severity,
                   std::initializer_list<const char*> severities) {
  std::string out;
  for (const char* severity : severities) {
    const auto it = by_severity.find(severity);
    out += fmt::format("{}{}", out.empty() ? "" : "/", it == by_severity.end() ? 0 : it->second);
  }
  return out;
}

std::string short_digest(const ImageResult& image) {
  const auto& digest = image.digest();
  return digest.size() > 19 ? digest.substr(0, 19) : digest;
}

// With a store: how many images were answered by it (what a rescan cost).
std::string store_line(const std::vector<ImageResult>& images) {
  int stored = 0;
  int reused = 0;
  int reevaluated = 0;
  for (const auto& image : images) {
    stored += image.key.empty() ? 0 : 1;
    reused += image.reused ? 1 : 0;
    reevaluated += image.cve_reevaluated ? 1 : 0;
  }
  if (stored == 0) {
    return {};
  }
  return fmt::format(
      "Result store: {} unchanged (reused), {} with only the CVE feed evaluated again, {} "
      "scanned\n",
      reused, reevaluated, stored - reused - reevaluated);
}

}  // namespace

std::string render_text(const FleetReport& report) {
  std::map<std::string, int> verdicts;
  for (const auto& image : report.images) {
    ++verdicts[image.verdict];
  }
  std::string parts;
  for (const auto& [verdict, count] : verdicts) {
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", count, verdict);
  }
  std::string out = fmt::format("Fleet scan of {} image{} ({}, {:.1f} s): {}\nExit code: {}\n\n",
                                report.images.size(), report.images.size() == 1 ? "" : "s",
                                report.started_at, report.seconds, parts, report.exit_code());
  if (const auto line = store_line(report.images); !line.empty()) {
    out.insert(out.size() - 1, line);
  }
  out += fmt::format("{:<14} {:<{}} {:<19} {:<11} {:<13} {}\n", "VERDICT", "IMAGE",
                     k_reference_width, "DIGEST", "RULES h/m/l", "CVES c/h/m/l", "WORST");
  for (const auto& image : report.images) {
    out += fmt::format("{:<14} {:<{}} {:<19} {:<11} {:<13} {}\n", image.verdict,
                       shortened(image.reference, k_reference_width), k_reference_width,
                       short_digest(image), counts(image.failed_rules, {"high", "medium", "low"}),
                       counts(image.vulnerabilities, {"critical", "high", "medium", "low"}),
                       image.worst.empty() ? "-" : printable(image.worst.front()));
  }
  bool first = true;
  for (const auto& image : report.images) {
    if (!image.error.empty()) {
      out += fmt::format("{}  {}: {}\n", first ? "\nErrors:\n" : "",
                         shortened(image.reference, k_reference_width), printable(image.error));
      first = false;
    }
  }
  return out;
}

}  // namespace imgscap::fleet
