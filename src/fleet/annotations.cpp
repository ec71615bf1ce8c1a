// SPDX-License-Identifier: Apache-2.0
// The verdict as the annotations ManageIQ writes on an OpenShift Image after a SmartState
// scan: images.openshift.io/deny-execution, security.manageiq.org/{failed,successful}-policy
// and the external-scanner quality annotation, as one JSON merge patch. Denied: non-compliant
// only (an incomplete scan is not a finding; an image that could not be scanned gets no patch).
#include <imgscap/fleet/fleet.hpp>
#include <imgscap/report/severity.hpp>

#include <fmt/format.h>

#include <array>
#include <utility>

namespace imgscap::fleet {
namespace {

constexpr const char* k_deny = "images.openshift.io/deny-execution";
constexpr const char* k_failed = "security.manageiq.org/failed-policy";
constexpr const char* k_passed = "security.manageiq.org/successful-policy";
constexpr const char* k_quality = "quality.images.openshift.io/vulnerability.openscap";

// OpenShift's image quality summary: one entry per severity, severityIndex higher = worse.
nlohmann::json quality_summary(const ImageResult& result) {
  nlohmann::json summary = nlohmann::json::array();
  for (const auto severity : report::k_severities_worst_first) {
    const int index = report::severity_rank(severity);
    if (index < 1) {
      continue;  // OpenShift's levels: critical 4 to low 1
    }
    const std::string label(report::severity_name(severity));
    int count = 0;
    for (const auto* counts : {&result.failed_rules, &result.vulnerabilities}) {
      const auto it = counts->find(label);
      count += it == counts->end() ? 0 : it->second;
    }
    summary.push_back(
        {{"label", label}, {"data", std::to_string(count)}, {"severityIndex", index}});
  }
  return summary;
}

}  // namespace

nlohmann::json openshift_patch(const ImageResult& result) {
  const bool denied = result.verdict == "non-compliant";
  const bool compliant = result.verdict == "compliant" || result.verdict == "no-cve-feed";
  const auto policy = fmt::format("imgscap --fail-on {}", result.fail_on);
  const nlohmann::json quality = {
      {"name", "imgscap"},
      {"timestamp", result.scanned_at},
      {"description", "OpenSCAP compliance and vulnerability scan by imgscap"},
      {"reference", result.directory},
      {"scannerVersion", IMGSCAP_VERSION},
      {"compliant", compliant},
      {"summary", quality_summary(result)},
  };
  nlohmann::json annotations = {
      {k_deny, denied ? "true" : "false"},
      {k_quality, quality.dump()},
  };
  // A merge patch removes what null names: the other policy annotation of an earlier verdict.
  // An incomplete scan neither passed nor failed the policy: both go.
  annotations[k_failed] = denied ? nlohmann::json(policy) : nlohmann::json(nullptr);
  annotations[k_passed] = compliant ? nlohmann::json(policy) : nlohmann::json(nullptr);
  return {{"metadata", {{"annotations", annotations}}}};
}

}  // namespace imgscap::fleet
