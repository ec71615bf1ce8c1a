// SPDX-License-Identifier: Apache-2.0
// The fleet summary as JSON (summary.json of a fleet run; --format json).
#include <imgscap/fleet/fleet.hpp>

#include <map>

namespace imgscap::fleet {

nlohmann::json to_json(const FleetReport& report) {
  nlohmann::json images = nlohmann::json::array();
  std::map<std::string, int> verdicts;
  for (const auto& image : report.images) {
    images.push_back(to_json(image));
    ++verdicts[image.verdict];
  }
  return {
      {"schema_version", 1},
      {"kind", "fleet"},
      {"imgscap_version", IMGSCAP_VERSION},
      {"started_at", report.started_at},
      {"seconds", report.seconds},
      {"exit_code", report.exit_code()},
      {"verdicts", verdicts},
      {"images", images},
      {"files", report.files},
  };
}

}  // namespace imgscap::fleet
