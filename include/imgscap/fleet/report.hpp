// SPDX-License-Identifier: Apache-2.0
// `imgscap report`: the fleet as the result store last saw it (every shard of the latest run
// merged), and what changed since an earlier point: what a cron mail should say.
#pragma once

#include <imgscap/fleet/fleet.hpp>
#include <imgscap/fleet/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace imgscap::fleet {

struct Changes {
  std::string since;  // the point compared with (RFC 3339), "" when the store has nothing older
  std::vector<ImageResult> newly_noncompliant;
  std::vector<ImageResult> newly_compliant;
  std::vector<ImageResult> new_images;   // references not seen before
  std::vector<ImageResult> gone_images;  // seen before, not in the latest run (as last seen)
  struct Moved {
    std::string reference;
    std::string from;  // digest before
    std::string to;    // digest now
  };
  std::vector<Moved> moved;  // a tag that now names another image
  struct Vulnerabilities {
    std::string reference;
    std::string digest;
    std::vector<std::string> found;  // new since then
    std::vector<std::string> fixed;  // gone since then
  };
  std::vector<Vulnerabilities> vulnerabilities;
};

struct StoreReport {
  FleetReport fleet;               // the latest run, shards merged, in reference order
  std::string run_id;              // of the latest run
  std::optional<Changes> changes;  // with --since
};

// since: "" (no comparison), "last" (the store as it was before the latest run) or a date
// (YYYY-MM-DD or RFC 3339, UTC). Throws imgscap::Error when the store holds no run or the date
// cannot be read.
StoreReport build_report(const std::vector<RunRecord>& runs, const std::string& since);

std::string render_text(const StoreReport& report);
nlohmann::json to_json(const StoreReport& report);

// Writes summary.txt, summary.json and the annotations of a fleet into dir (atomically).
void write_fleet_outputs(FleetReport& fleet, const std::filesystem::path& dir,
                         const std::string& text, const nlohmann::json& json);

}  // namespace imgscap::fleet
