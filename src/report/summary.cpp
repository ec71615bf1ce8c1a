// SPDX-License-Identifier: Apache-2.0
// Building the failure summary's text and JSON forms.
#include <imgscap/report/summary.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <iterator>

namespace imgscap::report {
namespace {

bool worse(const RuleResult& a, const RuleResult& b) {
  const auto ra = severity_rank(a.severity);
  const auto rb = severity_rank(b.severity);
  if (ra != rb) {
    return ra > rb;
  }
  if ((a.result == "fail") != (b.result == "fail")) {
    return a.result == "fail";
  }
  return a.id < b.id;
}

int threshold(FailOn fail_on) {
  switch (fail_on) {
    case FailOn::low:
      return 0;
    case FailOn::medium:
      return 2;
    case FailOn::high:
      return 3;
    case FailOn::critical:
      return 4;
    case FailOn::none:
      return 99;
  }
  return 0;
}

// Whether a vulnerability counts at the threshold; one whose severity is unknown counts at
// every threshold (none is handled by the callers).
bool at_or_above(const Vulnerability& v, int minimum) {
  const int rank = vulnerability_rank(v.severity);
  return rank < 0 || rank >= minimum;
}

const char* const k_result_order[] = {"fail",          "error",      "unknown",       "pass",
                                      "notapplicable", "notchecked", "informational", "fixed"};

std::string counts_line(const std::map<std::string, int>& counts) {
  std::vector<std::string> parts;
  for (const char* result : k_result_order) {
    const auto it = counts.find(result);
    parts.push_back(fmt::format("{} {}", it == counts.end() ? 0 : it->second, result));
  }
  for (const auto& entry : counts) {
    const auto& result = entry.first;
    if (std::find_if(std::begin(k_result_order), std::end(k_result_order),
                     [&result](const char* r) { return result == r; }) ==
        std::end(k_result_order)) {
      parts.push_back(fmt::format("{} {}", entry.second, result));
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string os_line(const OsFacts& os) {
  if (!os.known) {
    return "unknown (no etc/os-release in the image)";
  }
  return fmt::format("{} (ID={} VERSION_ID={})", os.pretty_name.empty() ? os.id : os.pretty_name,
                     os.id, os.version_id);
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
         {"tailoring_file",
          e.tailoring_file.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.tailoring_file)},
         {"test_result_id", e.test_result_id},
         {"counts", e.counts},
         {"files", e.files},
         {"timings", e.timings}});
  }
  return out;
}

std::vector<RuleResult> rules_where(const Results& results,
                                    const std::function<bool(const RuleResult&)>& keep) {
  std::vector<RuleResult> out;
  std::copy_if(results.rules.begin(), results.rules.end(), std::back_inserter(out), keep);
  return out;
}

nlohmann::json ids_of(const std::vector<RuleResult>& rules) {
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& rule : rules) {
    ids.push_back(rule.id);
  }
  return ids;
}

std::string severity_counts_line(const std::vector<Vulnerability>& found) {
  std::map<std::string, int> counts;
  for (const auto& v : found) {
    ++counts[v.severity];
  }
  std::vector<std::string> parts;
  for (const char* severity : {"critical", "high", "medium", "low", "negligible", "unknown"}) {
    if (const auto it = counts.find(severity); it != counts.end()) {
      parts.push_back(fmt::format("{} {}", it->second, severity));
    }
  }
  return parts.empty() ? std::string("none") : fmt::format("{}", fmt::join(parts, ", "));
}

std::string package_line(const AffectedPackage& p) {
  return fmt::format(
      "{}: installed {}, {}", p.name, p.installed.empty() ? "?" : p.installed,
      p.fixed.empty() ? std::string("no fixed version stated") : "fixed in " + p.fixed);
}

std::string vulnerabilities_text(const Summary& s) {
  const auto& v = s.vulnerabilities;
  std::string out;
  const auto add = [&out](std::string_view key, std::string_view value) {
    out += fmt::format("{:<10} {}\n", key, value);
  };
  out += "\n";
  if (v.status == "off") {
    add("CVE scan:", "off (--cve auto scans with the distributor's OVAL feed)");
    return out;
  }
  if (v.status == "unsupported") {
    add("CVE scan:", "not done: " + v.reason);
    return out;
  }
  add("CVE scan:", fmt::format("{} ({})", v.feed.name.empty() ? v.feed.path : "feed " + v.feed.name,
                               v.feed.source));
  if (!v.reason.empty()) {
    add("", v.reason);
  }
  add("", fmt::format("{}; {} definitions{}{}", v.feed.how, v.feed.definitions,
                      v.feed.generated.empty() ? "" : ", generated " + v.feed.generated,
                      v.feed.age_seconds < 0 ? std::string()
                                             : ", last known current " +
                                                   util::format_age(v.feed.age_seconds) + " ago"));
  for (const auto& warning : v.warnings) {
    add("Warning:", warning);
  }
  if (v.status == "not_evaluated") {
    add("", "NOT EVALUATED: " + v.reason);
    return out;
  }
  add("", fmt::format("{} vulnerable ({}); {} could not be evaluated", v.results.found.size(),
                      severity_counts_line(v.results.found), v.results.not_evaluated.size()));
  if (!v.results.found.empty() || !v.results.not_evaluated.empty()) {
    out += fmt::format("\nVulnerabilities ({}), worst first:\n",
                       v.results.found.size() + v.results.not_evaluated.size());
    for (const auto* list : {&v.results.found, &v.results.not_evaluated}) {
      for (const auto& one : *list) {
        out += fmt::format("  {:<10} {}{}{}\n", one.severity,
                           one.advisory.empty() ? one.definition_id : one.advisory,
                           one.cves.empty() ? "" : "  ", fmt::join(one.cves, ", "));
        if (one.result != "true") {
          out += fmt::format("             could not be evaluated (OVAL result {})\n", one.result);
        }
        for (const auto& p : one.packages) {
          out += fmt::format("             {}\n", package_line(p));
        }
        if (!one.title.empty()) {
          out += fmt::format("             {}\n", one.title);
        }
      }
    }
  }
  return out;
}

nlohmann::json vulnerability_json(const Vulnerability& v) {
  nlohmann::json packages = nlohmann::json::array();
  for (const auto& p : v.packages) {
    packages.push_back(
        {{"name", p.name},
         {"installed", p.installed},
         {"fixed", p.fixed.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.fixed)}});
  }
  return {{"definition_id", v.definition_id},
          {"result", v.result},
          {"class", v.definition_class},
          {"title", v.title},
          {"cves", v.cves},
          {"advisory", v.advisory.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.advisory)},
          {"severity", v.severity},
          {"distributor_severity", v.distributor_severity.empty()
                                       ? nlohmann::json(nullptr)
                                       : nlohmann::json(v.distributor_severity)},
          {"packages", packages}};
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
  for (const char* severity : {"critical", "high", "medium", "low", "negligible", "unknown"}) {
    counts[severity] = 0;
  }
  for (const auto& one : v.results.found) {
    ++counts[one.severity];
  }
  nlohmann::json feed = nullptr;
  if (v.status == "scanned" || v.status == "not_evaluated") {
    feed = {{"name", v.feed.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(v.feed.name)},
            {"url", v.feed.url},
            {"origin", v.feed.origin},
            {"source", v.feed.source},
            {"path", v.feed.path},
            {"sha256", v.feed.sha256},
            {"generated", v.feed.generated},
            {"how", v.feed.how},
            {"age_seconds",
             v.feed.age_seconds < 0 ? nlohmann::json(nullptr) : nlohmann::json(v.feed.age_seconds)},
            {"definitions", v.feed.definitions}};
  }
  return {{"status", v.status},
          {"reason", v.reason},
          {"feed", feed},
          {"warnings", v.warnings},
          {"definitions_evaluated", v.results.definitions},
          {"definition_results", v.results.results},
          {"counts", counts},
          {"found", found},
          {"not_evaluated", not_evaluated},
          {"failing", s.vulnerability_failures().size()},
          {"files", v.files},
          {"timings", v.timings}};
}
}  // namespace

std::string_view fail_on_name(FailOn fail_on) {
  switch (fail_on) {
    case FailOn::low:
      return "low";
    case FailOn::medium:
      return "medium";
    case FailOn::high:
      return "high";
    case FailOn::critical:
      return "critical";
    case FailOn::none:
      return "none";
  }
  return "low";
}

FailOn parse_fail_on(std::string_view name) {
  for (const auto value :
       {FailOn::low, FailOn::medium, FailOn::high, FailOn::critical, FailOn::none}) {
    if (fail_on_name(value) == name) {
      return value;
    }
  }
  fail("--fail-on must be one of low, medium, high, critical, none (got \"{}\")", name);
}

std::vector<RuleResult> Summary::problems() const {
  auto out = rules_where(results, [](const RuleResult& r) { return is_failure(r.result); });
  std::sort(out.begin(), out.end(), worse);
  return out;
}

std::vector<RuleResult> Summary::runtime_only() const {
  return rules_where(results, [](const RuleResult& r) { return r.runtime_only; });
}

std::vector<RuleResult> Summary::ownership_dependent() const {
  return rules_where(results, [](const RuleResult& r) {
    return r.uses_ownership && r.result != "notapplicable" && r.result != "notchecked";
  });
}

std::vector<RuleResult> Summary::failures() const {
  auto out = problems();
  const int minimum = threshold(fail_on);
  std::erase_if(out,
                [minimum](const RuleResult& r) { return severity_rank(r.severity) < minimum; });
  return out;
}

std::string verdict_name(const Summary& s) {
  switch (static_cast<ExitCode>(s.exit_code())) {
    case ExitCode::incomplete:
      return "incomplete";
    case ExitCode::noncompliant:
      return "non-compliant";
    case ExitCode::cve_unsupported:
      return "no-cve-feed";
    default:
      return "compliant";
  }
}

std::vector<Vulnerability> Summary::vulnerability_failures() const {
  std::vector<Vulnerability> out;
  if (fail_on == FailOn::none) {
    return out;
  }
  const int minimum = threshold(fail_on);
  std::copy_if(vulnerabilities.results.found.begin(), vulnerabilities.results.found.end(),
               std::back_inserter(out),
               [minimum](const Vulnerability& v) { return at_or_above(v, minimum); });
  return out;
}

bool Summary::incomplete() const {
  if (fail_on != FailOn::none) {
    if (vulnerabilities.status == "not_evaluated") {
      return true;
    }
    const int minimum = threshold(fail_on);
    const auto& open = vulnerabilities.results.not_evaluated;
    if (std::any_of(open.begin(), open.end(),
                    [minimum](const Vulnerability& v) { return at_or_above(v, minimum); })) {
      return true;
    }
  }
  const auto rules = failures();
  return std::any_of(rules.begin(), rules.end(), [](const RuleResult& r) {
    return r.result == "error" || r.result == "unknown";
  });
}

int Summary::exit_code() const {
  if (incomplete()) {
    return static_cast<int>(ExitCode::incomplete);
  }
  if (!compliant()) {
    return static_cast<int>(ExitCode::noncompliant);
  }
  if (vulnerabilities.status == "unsupported") {
    return static_cast<int>(ExitCode::cve_unsupported);
  }
  return static_cast<int>(ExitCode::compliant);
}

std::string render_text(const Summary& s) {
  std::string out;
  const auto add = [&out](std::string_view key, std::string_view value) {
    out += fmt::format("{:<10} {}\n", key, value);
  };
  add("Image:", s.image.reference);
  if (!s.image.manifest_digest.empty()) {
    add("Manifest:", s.image.manifest_digest);
  }
  if (!s.image.config_digest.empty()) {
    add("Config:", s.image.config_digest);
  }
  add("OS:", os_line(s.os));
  const bool several = s.evaluations.size() > 1;
  for (const auto& e : s.evaluations) {
    add("Content:", fmt::format("{}{} ({}, sha256:{})", several ? "[" + e.name + "] " : "",
                                e.content_path, e.content_kind, e.content_sha256));
    if (!e.reason.empty()) {
      add("", e.reason);
    }
    if (e.content_kind != "OVAL definitions") {
      add("Profile:", e.profile_id.empty()
                          ? std::string("(default)")
                          : fmt::format("{}{}", e.profile_id,
                                        e.profile_title.empty() ? "" : " - " + e.profile_title));
    }
    if (!e.tailoring_file.empty()) {
      add("Tailoring:", e.tailoring_file);
    }
    if (several) {
      add("Results:", counts_line(e.counts));
    }
  }
  for (const auto& note : s.content_notes) {
    add("Content:", note);
  }
  add("Target:", s.container_marker.empty()
                     ? std::string("evaluated as a machine (no container marker)")
                     : fmt::format("evaluated as a container (/{} {})", s.container_marker,
                                   s.container_marker_origin == "image" ? "present in the image"
                                                                        : "added by imgscap"));
  add("Sandbox:", s.sandbox.isolated ? fmt::format("isolated ({})", s.sandbox.user_namespace)
                                     : s.sandbox.user_namespace);
  add(several ? "Total:" : "Results:", counts_line(s.results.counts()));
  if (const auto runtime = s.runtime_only(); !runtime.empty()) {
    add("Runtime:", fmt::format("{} rule{} check only a running system (kernel, processes, "
                                "network): not applicable to an image, not counted as failures",
                                runtime.size(), runtime.size() == 1 ? "" : "s"));
  }
  for (const auto& note : s.notes) {
    add("Note:", note);
  }
  if (!s.sandbox.ownership_kept) {
    const auto affected = s.ownership_dependent();
    out += fmt::format(
        "\nWarning: file owners in the scanned tree are not the image's ({}). These {} rule "
        "results compare file owners and may be wrong:\n",
        s.sandbox.ownership_limit, affected.size());
    for (const auto& rule : affected) {
      out += fmt::format("  {:<13} {}\n", rule.result, rule.id);
    }
  }
  const auto problems = s.problems();
  if (!problems.empty()) {
    out += fmt::format("\nFailed or errored rules ({}), worst first:\n", problems.size());
    for (const auto& rule : problems) {
      out += fmt::format("  {:<7} {:<6} {}\n          {}\n", rule.severity, rule.result, rule.id,
                         rule.title);
      if (!rule.reason.empty()) {
        out += fmt::format("          reason: {}\n", rule.reason);
      }
    }
  }
  out += vulnerabilities_text(s);
  const auto failures = s.failures();
  const auto vulnerable = s.vulnerability_failures();
  auto verdict = verdict_name(s);
  std::transform(verdict.begin(), verdict.end(), verdict.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  out += fmt::format(
      "\nVerdict: {} (--fail-on {}: {} rule{} at or above the threshold failed or "
      "could not be evaluated{}){}{}\n",
      verdict, fail_on_name(s.fail_on), failures.size(), failures.size() == 1 ? "" : "s",
      s.vulnerabilities.status == "off"
          ? std::string()
          : fmt::format(", {} vulnerabilit{} at or above it found", vulnerable.size(),
                        vulnerable.size() == 1 ? "y" : "ies"),
      s.os.known ? "" : "; the OS is unknown, so only OS-independent rules were evaluated",
      s.vulnerabilities.status == "unsupported"
          ? "; no CVE feed for this OS, so no vulnerability scan (exit code 4)"
          : "");
  return out;
}

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
        {"manifest_digest", s.image.manifest_digest.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(s.image.manifest_digest)},
        {"config_digest", s.image.config_digest.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(s.image.config_digest)},
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
      {"vulnerabilities", vulnerabilities_json(s)},
      {"files", s.files},
      {"timings", s.timings},
      {"peak_rss_kb", s.peak_rss_kb},
  };
}

}  // namespace imgscap::report
