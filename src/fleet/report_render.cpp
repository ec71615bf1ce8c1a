// SPDX-License-Identifier: Apache-2.0
// The store report as text (the changes, then the fleet table) and as JSON.
#include <imgscap/fleet/report.hpp>

#include <fmt/format.h>

namespace imgscap::fleet {
namespace {

constexpr std::size_t k_ids_shown = 10;

std::string image_lines(const char* heading, const std::vector<ImageResult>& images) {
  if (images.empty()) {
    return {};
  }
  std::string out = fmt::format("{} ({}):\n", heading, images.size());
  for (const auto& image : images) {
    out += fmt::format("  {} {} {}\n", printable(image.reference), image.digest(), image.verdict);
  }
  return out;
}

std::string ids(const std::vector<std::string>& list) {
  std::string out;
  for (std::size_t i = 0; i < list.size() && i < k_ids_shown; ++i) {
    out += (i == 0 ? "" : ", ") + printable(list[i]);
  }
  if (list.size() > k_ids_shown) {
    out += fmt::format(" and {} more", list.size() - k_ids_shown);
  }
  return out;
}

std::string changes_text(const Changes& changes) {
  std::string out = changes.since.empty()
                        ? std::string("Changes: the store holds nothing older to compare with\n")
                        : fmt::format("Changes since {}:\n", changes.since);
  const auto before = out.size();
  out += image_lines("Newly non-compliant", changes.newly_noncompliant);
  out += image_lines("Newly compliant", changes.newly_compliant);
  out += image_lines("New images", changes.new_images);
  out += image_lines("Images gone", changes.gone_images);
  if (!changes.moved.empty()) {
    out += fmt::format("Moved to another image ({}):\n", changes.moved.size());
    for (const auto& moved : changes.moved) {
      out += fmt::format("  {} {} -> {}\n", printable(moved.reference), moved.from, moved.to);
    }
  }
  for (const auto& v : changes.vulnerabilities) {
    if (!v.found.empty()) {
      out += fmt::format("New vulnerabilities in {} ({}): {}\n", printable(v.reference),
                         v.found.size(), ids(v.found));
    }
    if (!v.fixed.empty()) {
      out += fmt::format("Fixed vulnerabilities in {} ({}): {}\n", printable(v.reference),
                         v.fixed.size(), ids(v.fixed));
    }
  }
  if (out.size() == before && !changes.since.empty()) {
    out += "  nothing\n";
  }
  return out + "\n";
}

nlohmann::json images_json(const std::vector<ImageResult>& images) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& image : images) {
    out.push_back(to_json(image));
  }
  return out;
}

}  // namespace

std::string render_text(const StoreReport& report) {
  return (report.changes ? changes_text(*report.changes) : std::string()) +
         render_text(report.fleet);
}

nlohmann::json to_json(const StoreReport& report) {
  auto json = to_json(report.fleet);
  json["run_id"] = report.run_id;
  if (report.changes) {
    const auto& c = *report.changes;
    nlohmann::json moved = nlohmann::json::array();
    for (const auto& m : c.moved) {
      moved.push_back({{"reference", m.reference}, {"from", m.from}, {"to", m.to}});
    }
    nlohmann::json vulnerabilities = nlohmann::json::array();
    for (const auto& v : c.vulnerabilities) {
      vulnerabilities.push_back({{"reference", v.reference},
                                 {"digest", v.digest},
                                 {"found", v.found},
                                 {"fixed", v.fixed}});
    }
    json["changes"] = {
        {"since", c.since},
        {"newly_noncompliant", images_json(c.newly_noncompliant)},
        {"newly_compliant", images_json(c.newly_compliant)},
        {"new_images", images_json(c.new_images)},
        {"gone_images", images_json(c.gone_images)},
        {"moved", moved},
        {"vulnerabilities", vulnerabilities},
    };
  }
  return json;
}

}  // namespace imgscap::fleet
