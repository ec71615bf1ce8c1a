// SPDX-License-Identifier: Apache-2.0
// The fleet from the store's run records: the latest run (shards merged) and the changes since
// an earlier point.
#include <imgscap/fleet/report.hpp>
#include <imgscap/util/error.hpp>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace imgscap::fleet {
namespace {

// "2026-11-30" or "2026-11-30T03:00:00Z" as an RFC 3339 instant to compare record times with.
std::string instant(const std::string& since) {
  static const std::regex k_date(R"(\d{4}-\d\d-\d\d)");
  static const std::regex k_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
  if (std::regex_match(since, k_date)) {
    return since + "T00:00:00Z";
  }
  if (std::regex_match(since, k_time)) {
    return since;
  }
  fail("--since {}: expected last, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)", since);
}

// Per reference, the result of the latest record (records are oldest first).
std::map<std::string, ImageResult> latest_by_reference(const std::vector<const RunRecord*>& runs) {
  std::map<std::string, ImageResult> images;
  for (const auto* run : runs) {
    for (const auto& image : run->images) {
      images[image.reference] = image;
    }
  }
  return images;
}

std::vector<std::string> minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  const std::set<std::string> other(b.begin(), b.end());
  std::vector<std::string> out;
  std::copy_if(a.begin(), a.end(), std::back_inserter(out),
               [&](const std::string& id) { return other.count(id) == 0; });
  return out;
}

void compare(const ImageResult& now, const ImageResult& before, Changes& changes) {
  if (now.verdict == "error") {
    return;  // nothing is known of the image now
  }
  if (before.verdict != "error" && !before.digest().empty() && before.digest() != now.digest()) {
    changes.moved.push_back({now.reference, before.digest(), now.digest()});
  }
  if (now.verdict == "non-compliant" && before.verdict != "non-compliant") {
    changes.newly_noncompliant.push_back(now);
  }
  if (now.verdict == "compliant" && before.verdict != "compliant") {
    changes.newly_compliant.push_back(now);
  }
  if (before.verdict == "error") {
    return;
  }
  Changes::Vulnerabilities vulnerabilities{now.reference, now.digest(),
                                           minus(now.vulnerability_ids, before.vulnerability_ids),
                                           minus(before.vulnerability_ids, now.vulnerability_ids)};
  if (!vulnerabilities.found.empty() || !vulnerabilities.fixed.empty()) {
    changes.vulnerabilities.push_back(std::move(vulnerabilities));
  }
}

Changes changes_since(const std::vector<const RunRecord*>& before,
                      const std::map<std::string, ImageResult>& now, std::string since) {
  Changes changes;
  changes.since = std::move(since);
  const auto then = latest_by_reference(before);
  for (const auto& [reference, image] : now) {
    const auto it = then.find(reference);
    if (it == then.end()) {
      changes.new_images.push_back(image);
    } else {
      compare(image, it->second, changes);
    }
  }
  for (const auto& [reference, image] : then) {
    if (now.count(reference) == 0) {
      changes.gone_images.push_back(image);
    }
  }
  return changes;
}

}  // namespace

StoreReport build_report(const std::vector<RunRecord>& runs, const std::string& since) {
  if (runs.empty()) {
    fail("the result store holds no run yet: run imgscap scan --store first");
  }
  StoreReport report;
  report.run_id = runs.back().run_id;
  std::vector<const RunRecord*> latest;
  std::string first_started = runs.back().started_at;
  for (const auto& run : runs) {
    if (run.run_id == report.run_id) {
      latest.push_back(&run);
      first_started = std::min(first_started, run.started_at);
    }
  }
  const auto now = latest_by_reference(latest);
  for (const auto& [reference, image] : now) {
    report.fleet.images.push_back(image);
  }
  report.fleet.started_at = first_started;
  if (since.empty()) {
    return report;
  }
  const auto point = since == "last" ? first_started : instant(since);
  std::vector<const RunRecord*> before;
  std::string compared;
  for (const auto& run : runs) {
    if (run.run_id != report.run_id && run.started_at < point) {
      before.push_back(&run);
      compared = std::max(compared, run.started_at);
    }
  }
  report.changes = changes_since(before, now, since == "last" ? compared : point);
  return report;
}

}  // namespace imgscap::fleet
