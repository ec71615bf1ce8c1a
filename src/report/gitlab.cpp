// SPDX-License-Identifier: Apache-2.0
// The summary as GitLab's container-scanning report (security-report-schemas 15.2.1): what a
// merge request's security widget and the vulnerability report read. Only vulnerabilities:
// the format has no place for compliance rules (their failures are in SARIF and JUnit).
#include <imgscap/report/formats.hpp>
#include <imgscap/util/digest.hpp>

#include <fmt/format.h>

namespace imgscap::report {
namespace {

using nlohmann::json;

constexpr const char* k_schema_version = "15.2.1";

// GitLab's times: "yyyy-mm-ddThh:mm:ss", UTC, no zone.
std::string gitlab_time(const std::string& rfc3339) {
  return rfc3339.size() >= 19 ? rfc3339.substr(0, 19) : std::string("1970-01-01T00:00:00");
}

// A stable id in UUID form: the same finding on the same image gets the same id in every report.
std::string finding_id(const Summary& s, const std::string& id, const std::string& package) {
  const auto hex = util::sha256_of(fmt::format("{}\n{}\n{}", s.image.reference, id, package)).hex();
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

json identifiers(const Vulnerability& v, const std::string& id) {
  json out = json::array();
  if (id.starts_with("CVE-")) {
    out.push_back({{"type", "cve"},
                   {"name", id},
                   {"value", id},
                   {"url", "https://www.cve.org/CVERecord?id=" + id}});
  }
  if (!v.advisory.empty()) {
    const auto dash = v.advisory.find_first_of("-:");
    auto type = v.advisory.substr(0, dash);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.push_back({{"type", type}, {"name", v.advisory}, {"value", v.advisory}});
  }
  out.push_back({{"type", "oval"}, {"name", v.definition_id}, {"value", v.definition_id}});
  return out;
}

std::string operating_system(const Summary& s) {
  if (!s.os.known) {
    return "unknown";
  }
  return s.os.version_id.empty() ? s.os.id : fmt::format("{} {}", s.os.id, s.os.version_id);
}

json vulnerability(const Summary& s, const Vulnerability& v, const std::string& id,
                   const AffectedPackage* package) {
  const auto name = package == nullptr ? std::string("operating system") : package->name;
  const auto version = package == nullptr
                           ? s.os.version_id
                           : (package->installed.empty() ? "unknown" : package->installed);
  std::string solution;
  if (package != nullptr) {
    solution = package->fixed.empty() ? fmt::format("No fix for {} yet.", name)
                                      : fmt::format("Upgrade {} to {}.", name, package->fixed);
  }
  json out = {{"id", finding_id(s, id, name)},
              {"name", id},
              {"description", v.title.empty() ? id : v.title},
              {"severity", gitlab_severity(severity_of(v.severity))},
              {"identifiers", identifiers(v, id)},
              {"location",
               {{"dependency", {{"package", {{"name", name}}}, {"version", version}}},
                {"operating_system", operating_system(s)},
                {"image", s.image.reference}}}};
  if (!solution.empty()) {
    out["solution"] = solution;
  }
  if (id.starts_with("CVE-")) {
    out["links"] = json::array({{{"url", "https://www.cve.org/CVERecord?id=" + id}}});
  }
  return out;
}

json vulnerabilities(const Summary& s) {
  json out = json::array();
  for (const auto& v : s.vulnerabilities.results.found) {
    if (v.waiver) {
      continue;  // accepted for now: the summary and SARIF keep it, with the reason
    }
    for (const auto& id : v.ids()) {
      if (v.cve_waivers.contains(id)) {
        continue;
      }
      if (v.packages.empty()) {
        out.push_back(vulnerability(s, v, id, nullptr));
      }
      for (const auto& p : v.packages) {
        out.push_back(vulnerability(s, v, id, &p));
      }
    }
  }
  return out;
}

json messages(const Summary& s) {
  json out = json::array();
  const auto& scan = s.vulnerabilities;
  if (scan.status != "scanned" && !scan.reason.empty()) {
    out.push_back({{"level", "fatal"}, {"value", scan.reason}});
  }
  for (const auto& warning : scan.warnings) {
    out.push_back({{"level", "warn"}, {"value", warning}});
  }
  if (!scan.results.not_evaluated.empty()) {
    out.push_back({{"level", "warn"},
                   {"value", fmt::format("{} definitions of the feed could not be evaluated",
                                         scan.results.not_evaluated.size())}});
  }
  return out;
}

}  // namespace

json to_gitlab_container_scanning(const Summary& s) {
  const json tool = {{"id", "imgscap"},
                     {"name", "imgscap"},
                     {"version", IMGSCAP_VERSION},
                     {"vendor", {{"name", "imgscap"}}}};
  json scan = {{"analyzer", tool},
               {"scanner", tool},
               {"type", "container_scanning"},
               {"start_time", gitlab_time(s.started_at)},
               {"end_time", gitlab_time(s.finished_at)},
               {"status", s.vulnerabilities.status == "scanned" ? "success" : "failure"}};
  if (const auto said = messages(s); !said.empty()) {
    scan["messages"] = said;
  }
  return {{"version", k_schema_version}, {"scan", scan}, {"vulnerabilities", vulnerabilities(s)}};
}

}  // namespace imgscap::report
