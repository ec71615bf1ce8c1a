// SPDX-License-Identifier: Apache-2.0
// summary.json read back into the model (summary_json.cpp writes it): a fleet re-evaluating
// only the CVE feed keeps the stored rule results and renders the summary again. Fields the
// writer derives (counts, verdict, failing) are derived again, not read.
#include <imgscap/report/summary.hpp>
#include <imgscap/util/error.hpp>

namespace imgscap::report {
namespace {

using Json = nlohmann::json;

// A string field; null or absent reads as "".
std::string text(const Json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}

template <typename T>
T value(const Json& j, const char* key, T fallback) {
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

std::optional<Waiver> waiver_from(const Json& j) {
  const auto it = j.find("waiver");
  if (it == j.end() || it->is_null()) {
    return std::nullopt;
  }
  return Waiver{text(*it, "id"),     value(*it, "images", std::vector<std::string>{}),
                text(*it, "reason"), text(*it, "expires"),
                text(*it, "owner"),  value(*it, "line", 0)};
}

std::vector<WaiverUse> waiver_uses_from(const Json& j) {
  std::vector<WaiverUse> uses;
  for (const auto& one : j.value("entries", Json::array())) {
    uses.push_back({*waiver_from(Json{{"waiver", one}}), text(one, "status"),
                    value(one, "findings", std::vector<std::string>{})});
  }
  return uses;
}

RuleResult rule_from(const Json& j) {
  RuleResult rule;
  rule.id = text(j, "id");
  rule.result = text(j, "result");
  rule.severity = text(j, "severity");
  rule.title = text(j, "title");
  rule.reason = text(j, "reason");
  rule.runtime_only = value(j, "runtime_only", false);
  rule.uses_ownership = value(j, "uses_ownership", false);
  rule.files = value(j, "files", std::vector<std::string>{});
  rule.waiver = waiver_from(j);
  rule.evaluation = text(j, "evaluation");
  return rule;
}

Evaluation evaluation_from(const Json& j) {
  Evaluation e;
  e.name = text(j, "name");
  e.content_path = text(j.at("content"), "path");
  e.content_kind = text(j.at("content"), "kind");
  e.content_sha256 = text(j.at("content"), "sha256");
  e.reason = text(j, "reason");
  e.profile_id = text(j.at("profile"), "id");
  e.profile_title = text(j.at("profile"), "title");
  e.tailoring_file = text(j, "tailoring_file");
  e.test_result_id = text(j, "test_result_id");
  e.counts = value(j, "counts", std::map<std::string, int>{});
  e.files = value(j, "files", std::map<std::string, std::string>{});
  e.timings = value(j, "timings", std::map<std::string, double>{});
  return e;
}

Vulnerability vulnerability_from(const Json& j) {
  Vulnerability v;
  v.definition_id = text(j, "definition_id");
  v.result = text(j, "result");
  v.definition_class = text(j, "class");
  v.title = text(j, "title");
  v.cves = value(j, "cves", std::vector<std::string>{});
  v.advisory = text(j, "advisory");
  v.severity = text(j, "severity");
  v.distributor_severity = text(j, "distributor_severity");
  v.without_package = value(j, "without_package", false);
  v.waiver = waiver_from(j);
  if (const auto it = j.find("cve_waivers"); it != j.end() && it->is_object()) {
    for (const auto& [cve, w] : it->items()) {
      v.cve_waivers.emplace(cve, *waiver_from(Json{{"waiver", w}}));
    }
  }
  for (const auto& p : j.at("packages")) {
    AffectedPackage package{
        text(p, "name"), text(p, "installed"), text(p, "fixed"), text(p, "state"), {}};
    for (const auto& b : p.at("binaries")) {
      package.binaries.push_back({text(b, "name"), text(b, "version")});
    }
    v.packages.push_back(std::move(package));
  }
  return v;
}

FeedFacts feed_from(const Json& j) {
  FeedFacts f;
  if (j.is_null()) {
    return f;
  }
  f.name = text(j, "name");
  f.url = text(j, "url");
  f.origin = text(j, "origin");
  f.source = text(j, "source");
  f.path = text(j, "path");
  f.sha256 = text(j, "sha256");
  f.generated = text(j, "generated");
  f.how = text(j, "how");
  f.age_seconds = value(j, "age_seconds", -1LL);
  f.definitions = value(j, "definitions", std::uint64_t{0});
  f.dpkg_names = text(j, "dpkg_names");
  return f;
}

VulnerabilityScan vulnerabilities_from(const Json& j) {
  VulnerabilityScan v;
  v.status = text(j, "status");
  v.reason = text(j, "reason");
  v.feed = feed_from(j.at("feed"));
  v.warnings = value(j, "warnings", std::vector<std::string>{});
  v.results.definitions = value(j, "definitions_evaluated", std::uint64_t{0});
  v.results.results = value(j, "definition_results", std::map<std::string, std::uint64_t>{});
  for (const auto& one : j.at("found")) {
    v.results.found.push_back(vulnerability_from(one));
    v.results.without_package += v.results.found.back().without_package ? 1 : 0;
  }
  for (const auto& one : j.at("not_evaluated")) {
    v.results.not_evaluated.push_back(vulnerability_from(one));
  }
  v.settled = value(j, "definitions_settled", std::uint64_t{0});
  v.by_openscap = value(j, "definitions_by_openscap", std::uint64_t{0});
  v.failed_release_checks = value(j, "failed_release_checks", std::vector<std::string>{});
  v.ignore_unfixed = value(j, "ignore_unfixed", false);
  v.files = value(j, "files", std::map<std::string, std::string>{});
  v.timings = value(j, "timings", std::map<std::string, double>{});
  return v;
}

ImageFacts image_from(const Json& j) {
  ImageFacts i;
  i.reference = text(j, "reference");
  i.transport = text(j, "transport");
  i.names = value(j, "names", std::vector<std::string>{});
  i.manifest_digest = text(j, "manifest_digest");
  i.platform = text(j, "platform");
  i.registry = text(j, "registry");
  i.repository = text(j, "repository");
  i.tag = text(j, "tag");
  i.config_digest = text(j, "config_digest");
  i.architecture = text(j, "architecture");
  i.os = text(j, "os");
  i.user = text(j, "user");
  for (const auto& layer : j.at("layers")) {
    i.layers.push_back({text(layer, "digest"), text(layer, "diff_id"), value(layer, "size", -1LL),
                        text(layer, "compression")});
  }
  return i;
}

Summary summary_from(const Json& j) {
  Summary s;
  s.image = image_from(j.at("image"));
  const auto& os = j.at("os");
  s.os = {value(os, "known", false), text(os, "id"), text(os, "version_id"),
          text(os, "pretty_name")};
  for (const auto& e : j.at("evaluations")) {
    s.evaluations.push_back(evaluation_from(e));
  }
  s.content_notes = value(j, "content_notes", std::vector<std::string>{});
  const auto& target = j.at("target");
  s.target_label = text(target, "label");
  s.container_marker = text(target, "container_marker");
  if (s.container_marker.starts_with('/')) {
    s.container_marker.erase(0, 1);  // written with a leading '/'
  }
  s.container_marker_origin = text(target, "container_marker_origin");
  const auto& sandbox = j.at("sandbox");
  s.sandbox = {value(sandbox, "isolated", true), text(sandbox, "user_namespace"),
               value(sandbox, "ownership_kept", true), text(sandbox, "ownership_limit")};
  s.fail_on = parse_fail_on(text(j, "fail_on"));
  for (const auto& rule : j.at("rules")) {
    s.results.rules.push_back(rule_from(rule));
  }
  s.files = value(j, "files", std::map<std::string, std::string>{});
  s.timings = value(j, "timings", std::map<std::string, double>{});
  s.peak_rss_kb = value(j, "peak_rss_kb", std::map<std::string, long>{});
  s.notes = value(j, "notes", std::vector<std::string>{});
  if (const auto it = j.find("waivers"); it != j.end() && it->is_object()) {
    s.waivers_file = text(*it, "file");
    s.waivers = waiver_uses_from(*it);
  }
  s.started_at = text(j, "started_at");
  s.finished_at = text(j, "finished_at");
  s.vulnerabilities = vulnerabilities_from(j.at("vulnerabilities"));
  return s;
}

}  // namespace

Summary summary_from_json(const nlohmann::json& json) {
  if (json.value("schema_version", 0) != k_summary_schema_version) {
    fail("summary.json of schema version {}, not {}", json.value("schema_version", 0),
         k_summary_schema_version);
  }
  try {
    return summary_from(json);
  } catch (const nlohmann::json::exception& e) {
    fail("summary.json is not a summary imgscap wrote: {}", e.what());
  }
}

}  // namespace imgscap::report
