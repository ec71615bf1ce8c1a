// SPDX-License-Identifier: Apache-2.0
// The failure summary as JSON (summary.json, --format json).
#include <imgscap/report/summary.hpp>

namespace imgscap::report {
namespace {

nlohmann::json null_if_empty(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json waiver_json(const Waiver& w) {
  return {{"id", w.id},
          {"images", w.images},
          {"reason", w.reason},
          {"expires", w.expires},
          {"owner", null_if_empty(w.owner)},
          {"line", w.line}};
}

nlohmann::json cve_waivers_json(const Vulnerability& v) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [cve, w] : v.cve_waivers) {
    out[cve] = waiver_json(w);
  }
  return out;
}

nlohmann::json waivers_json(const Summary& s) {
  nlohmann::json uses = nlohmann::json::array();
  for (const auto& use : s.waivers) {
    auto j = waiver_json(use.waiver);
    j["status"] = use.status;
    j["findings"] = use.findings;
    uses.push_back(std::move(j));
  }
  return {{"file", null_if_empty(s.waivers_file)}, {"entries", uses}};
}

nlohmann::json rule_json(const RuleResult& rule) {
  nlohmann::json j = {{"id", rule.id},
                      {"result", rule.result},
                      {"severity", rule.severity},
                      {"title", rule.title},
                      {"evaluation", rule.evaluation}};
  if (!rule.reason.empty()) {
    j["reason"] = rule.reason;
  }
  if (rule.runtime_only) {
    j["runtime_only"] = true;
  }
  if (rule.uses_ownership) {
    j["uses_ownership"] = true;
  }
  if (!rule.files.empty()) {
    j["files"] = rule.files;
  }
  if (rule.waiver) {
    j["waiver"] = waiver_json(*rule.waiver);
  }
  return j;
}

nlohmann::json evaluations_json(const std::vector<Evaluation>& evaluations) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : evaluations) {
    out.push_back(
        {{"name", e.name},
         {"content",
          {{"path", e.content_path}, {"kind", e.content_kind}, {"sha256", e.content_sha256}}},
         {"reason", e.reason},
         {"profile", {{"id", e.profile_id}, {"title", e.profile_title}}},
         {"tailoring_file", null_if_empty(e.tailoring_file)},
         {"test_result_id", e.test_result_id},
         {"counts", e.counts},
         {"files", e.files},
         {"timings", e.timings}});
  }
  return out;
}

nlohmann::json ids_of(const std::vector<RuleResult>& rules) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& rule : rules) {
    ids.push_back(rule.id);
  }
  return ids;
}

nlohmann::json vulnerability_json(const Vulnerability& v) {
  nlohmann::json packages = nlohmann::json::array();
  for (const auto& p : v.packages) {
    nlohmann::json binaries = nlohmann::json::array();
    for (const auto& b : p.binaries) {
      binaries.push_back({{"name", b.name}, {"version", b.version}});
    }
    packages.push_back({{"name", p.name},
                        {"installed", p.installed},
                        {"fixed", null_if_empty(p.fixed)},
                        {"state", null_if_empty(p.state)},
                        {"binaries", binaries}});
  }
  return {{"definition_id", v.definition_id},
          {"result", v.result},
          {"class", v.definition_class},
          {"title", v.title},
          {"cves", v.cves},
          {"advisory", null_if_empty(v.advisory)},
          {"severity", v.severity},
          {"distributor_severity", null_if_empty(v.distributor_severity)},
          {"packages", packages},
          {"without_package", v.without_package},
          {"unfixed", v.unfixed()},
          {"waiver", v.waiver ? waiver_json(*v.waiver) : nlohmann::json(nullptr)},
          {"cve_waivers", cve_waivers_json(v)}};
}

nlohmann::json vulnerabilities_json(const Summary& s) {
  const auto& v = s.vulnerabilities;
  nlohmann::json found = nlohmann::json::array();
  for (const auto& one : v.results.found) {
    found.push_back(vulnerability_json(one));
  }
  nlohmann::json not_evaluated = nlohmann::json::array();
  for (const auto& one : v.results.not_evaluated) {
    not_evaluated.push_back(vulnerability_json(one));
  }
  std::map<std::string, int> counts;
  for (const auto severity : k_severities_worst_first) {
    counts[std::string(severity_name(severity))] = 0;
  }
  for (const auto& one : v.results.found) {
    ++counts[one.severity];
  }
  nlohmann::json feed = nullptr;
  if (v.status == "scanned" || v.status == "not_evaluated") {
    feed = {{"name", null_if_empty(v.feed.name)},
            {"url", v.feed.url},
            {"origin", v.feed.origin},
            {"source", v.feed.source},
            {"path", v.feed.path},
            {"sha256", v.feed.sha256},
            {"generated", v.feed.generated},
            {"how", v.feed.how},
            {"age_seconds",
             v.feed.age_seconds < 0 ? nlohmann::json(nullptr) : nlohmann::json(v.feed.age_seconds)},
            {"definitions", v.feed.definitions},
            {"dpkg_names", v.feed.dpkg_names}};
  }
  return {{"status", v.status},
          {"reason", v.reason},
          {"feed", feed},
          {"warnings", v.warnings},
          {"definitions_evaluated", v.results.definitions},
          {"definitions_settled", v.settled},
          {"definitions_by_openscap", v.by_openscap},
          {"failed_release_checks", v.failed_release_checks},
          {"ignore_unfixed", v.ignore_unfixed},
          {"definition_results", v.results.results},
          {"counts", counts},
          {"found", found},
          {"not_evaluated", not_evaluated},
          {"failing", s.vulnerability_failures().size()},
          {"files", v.files},
          {"timings", v.timings}};
}

}  // namespace

nlohmann::json to_json(const Summary& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& layer : s.image.layers) {
    layers.push_back({{"digest", layer.digest},
                      {"diff_id", layer.diff_id},
                      {"size", layer.size},
                      {"compression", layer.compression}});
  }
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& rule : s.results.rules) {
    rules.push_back(rule_json(rule));
  }
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& rule : s.problems()) {
    failed.push_back(rule_json(rule));
  }
  return {
      {"schema_version", k_summary_schema_version},
      {"imgscap_version", IMGSCAP_VERSION},
      {"image",
       {{"reference", s.image.reference},
        {"transport", s.image.transport},
        {"names", s.image.names},
        {"manifest_digest", null_if_empty(s.image.manifest_digest)},
        {"platform", null_if_empty(s.image.platform)},
        {"registry", null_if_empty(s.image.registry)},
        {"repository", null_if_empty(s.image.repository)},
        {"tag", null_if_empty(s.image.tag)},
        {"config_digest", null_if_empty(s.image.config_digest)},
        {"architecture", s.image.architecture},
        {"os", s.image.os},
        {"user", s.image.user},
        {"layers", layers}}},
      {"os",
       {{"known", s.os.known},
        {"id", s.os.id},
        {"version_id", s.os.version_id},
        {"pretty_name", s.os.pretty_name}}},
      {"evaluations", evaluations_json(s.evaluations)},
      {"content_notes", s.content_notes},
      {"target",
       {{"label", s.target_label},
        {"evaluated_as", s.container_marker.empty() ? "machine" : "container"},
        {"container_marker", s.container_marker.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json("/" + s.container_marker)},
        {"container_marker_origin", s.container_marker_origin}}},
      {"sandbox",
       {{"isolated", s.sandbox.isolated},
        {"user_namespace", s.sandbox.user_namespace},
        {"ownership_kept", s.sandbox.ownership_kept},
        {"ownership_limit", s.sandbox.ownership_limit}}},
      {"counts", s.results.counts()},
      {"runtime_only_rules", ids_of(s.runtime_only())},
      {"ownership_dependent_rules",
       s.sandbox.ownership_kept ? nlohmann::json::array() : ids_of(s.ownership_dependent())},
      {"failed_rules", failed},
      {"rules", rules},
      {"fail_on", fail_on_name(s.fail_on)},
      {"verdict", verdict_name(s)},
      {"compliant", s.compliant()},
      {"incomplete", s.incomplete()},
      {"exit_code", s.exit_code()},
      {"notes", s.notes},
      {"started_at", s.started_at},
      {"finished_at", s.finished_at},
      {"vulnerabilities", vulnerabilities_json(s)},
      {"waivers", waivers_json(s)},
      {"files", s.files},
      {"timings", s.timings},
      {"peak_rss_kb", s.peak_rss_kb},
  };
}

}  // namespace imgscap::report
