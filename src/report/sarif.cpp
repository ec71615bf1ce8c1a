// SPDX-License-Identifier: Apache-2.0
// The summary as one SARIF 2.1.0 run. GitHub code scanning reads the level, the rules'
// properties.security-severity and tags, and the first location of each result; the image is
// the location (or, when the rule's checks name a file, that file under the image's root).
#include <imgscap/report/formats.hpp>
#include <imgscap/util/digest.hpp>

#include <fmt/format.h>

#include <functional>
#include <map>

namespace imgscap::report {
namespace {

using nlohmann::json;

constexpr const char* k_image_root = "IMAGE_ROOT";

// A relative URI reference for any image reference or path: bytes outside RFC 3986's
// unreserved, sub-delims and "@/" are percent-encoded (":" too, so that no scheme can be read
// into it: GitHub code scanning refuses any scheme but its checkout's).
std::string uri_escape(std::string_view text) {
  static constexpr std::string_view k_kept = "-._~!$&'()*+,;=@/";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || k_kept.find(c) != std::string_view::npos) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", byte);
    }
  }
  return out;
}

json text(const std::string& words) { return {{"text", words}}; }

// The image as a relative URI, as Trivy locates an image's packages: the reference without its
// transport ("registry.example/app%3A1", "images/app.tar"); the reference itself is in the
// location's message and the run's properties.
std::string image_uri(const Summary& s) {
  std::string_view ref = s.image.reference;
  if (const auto& transport = s.image.transport;
      !transport.empty() && ref.starts_with(transport + ":")) {
    ref.remove_prefix(transport.size() + 1);
  }
  while (ref.starts_with('/')) {
    ref.remove_prefix(1);
  }
  return uri_escape(ref.empty() ? "image" : ref);
}

json image_location(const Summary& s) {
  return {{"physicalLocation",
           {{"artifactLocation", {{"uri", image_uri(s)}}}, {"region", {{"startLine", 1}}}}},
          {"message", text("the image " + s.image.reference)}};
}

json file_location(const Summary& s, const std::string& file) {
  const auto relative = file.starts_with('/') ? file.substr(1) : file;
  return {{"physicalLocation",
           {{"artifactLocation", {{"uri", uri_escape(relative)}, {"uriBaseId", k_image_root}}},
            {"region", {{"startLine", 1}}}}},
          {"message", text(fmt::format("{} in the image {}", file, s.image.reference))}};
}

// What identifies a finding across scans of the image's later versions: the rule, the image's
// repository (or reference) and where it is.
json fingerprint(const Summary& s, const std::string& rule, const std::string& where) {
  const auto& image = s.image.repository.empty() ? s.image.reference : s.image.repository;
  return {
      {"imgscapFinding/v1", util::sha256_of(fmt::format("{}\n{}\n{}", rule, image, where)).hex()}};
}

// The run's rules: id -> index in driver.rules.
class RuleTable {
 public:
  std::size_t add(const std::string& id, const std::function<json()>& make) {
    const auto [it, added] = m_index.emplace(id, m_rules.size());
    if (added) {
      m_rules.push_back(make());
    }
    return it->second;
  }
  [[nodiscard]] json rules() const { return m_rules; }

 private:
  std::map<std::string, std::size_t> m_index;
  json m_rules = json::array();
};

std::string help_text(const RuleDoc& doc) {
  std::string out = doc.description;
  if (!doc.rationale.empty()) {
    out += (out.empty() ? "" : "\n\n") + std::string("Rationale: ") + doc.rationale;
  }
  for (const auto& ref : doc.references) {
    out += fmt::format("\n- {}{}", ref.text, ref.url.empty() ? "" : " <" + ref.url + ">");
  }
  return out;
}

json rule_descriptor(const RuleResult& rule, const RuleDoc& doc) {
  const auto severity = severity_of(rule.severity);
  json references = json::array();
  std::string help_uri;
  for (const auto& ref : doc.references) {
    references.push_back(ref.url.empty() ? ref.text : fmt::format("{} <{}>", ref.text, ref.url));
    if (help_uri.empty() && (ref.url.starts_with("https://") || ref.url.starts_with("http://"))) {
      help_uri = ref.url;
    }
  }
  const auto title = rule.title.empty() ? rule.id : rule.title;
  json d = {{"id", rule.id},
            {"shortDescription", text(title)},
            {"fullDescription", text(doc.description.empty() ? title : doc.description)},
            {"help", text(help_text(doc).empty() ? title : help_text(doc))},
            {"defaultConfiguration", {{"level", sarif_level(severity)}}},
            {"properties",
             {{"tags", {"security", "compliance"}},
              {"security-severity", security_severity_score(severity)},
              {"severity", rule.severity},
              {"evaluation", rule.evaluation},
              {"references", references}}}};
  if (!doc.rationale.empty()) {
    d["properties"]["rationale"] = doc.rationale;
  }
  if (!help_uri.empty()) {
    d["helpUri"] = help_uri;
  }
  return d;
}

// A waived finding stays in the log, suppressed: viewers (GitHub code scanning among them) show
// it as dismissed with the reason.
void add_suppression(json& result, const std::optional<Waiver>& waiver) {
  if (!waiver) {
    return;
  }
  result["suppressions"] = json::array(
      {{{"kind", "external"},
        {"status", "accepted"},
        {"justification",
         fmt::format("{} (waiver {}, expires {}{})", waiver->reason, waiver->id, waiver->expires,
                     waiver->owner.empty() ? "" : ", owner " + waiver->owner)}}});
}

json rule_result(const Summary& s, const RuleResult& rule, std::size_t index) {
  const bool failed = rule.result == "fail";
  auto message = failed ? fmt::format("{} ({} severity) failed", rule.title, rule.severity)
                        : fmt::format("{} ({} severity) could not be evaluated: {}", rule.title,
                                      rule.severity, rule.result);
  if (!rule.reason.empty()) {
    message += ": " + rule.reason;
  }
  json locations = json::array();
  json related = json::array();
  for (const auto& file : rule.files) {
    (locations.empty() ? locations : related).push_back(file_location(s, file));
  }
  if (locations.empty()) {
    locations.push_back(image_location(s));
  }
  json r = {{"ruleId", rule.id},
            {"ruleIndex", index},
            {"level", sarif_level(severity_of(rule.severity))},
            {"message", text(message)},
            {"locations", locations},
            {"partialFingerprints",
             fingerprint(s, rule.id, rule.files.empty() ? "" : rule.files.front())},
            {"properties",
             {{"result", rule.result},
              {"severity", rule.severity},
              {"evaluation", rule.evaluation},
              {"failsScan", !rule.waiver && rule_reaches(severity_of(rule.severity), s.fail_on)}}}};
  if (!related.empty()) {
    r["relatedLocations"] = related;
  }
  add_suppression(r, rule.waiver);
  return r;
}

std::string package_words(const AffectedPackage& p) {
  auto words =
      fmt::format("{} {}", p.name, p.installed.empty() ? "(version unknown)" : p.installed);
  return words + (p.fixed.empty() ? ", no fix yet" : ", fixed in " + p.fixed);
}

json vulnerability_descriptor(const std::string& id, const Vulnerability& v) {
  const auto severity = severity_of(v.severity);
  json d = {{"id", id},
            {"shortDescription", text(v.title.empty() ? id : v.title)},
            {"fullDescription", text(v.title.empty() ? id : v.title)},
            {"help", text(fmt::format("{}{}", v.title.empty() ? id : v.title,
                                      v.advisory.empty() ? "" : " (" + v.advisory + ")"))},
            {"defaultConfiguration", {{"level", sarif_level(severity)}}},
            {"properties",
             {{"tags", {"security", "vulnerability", std::string(severity_name(severity))}},
              {"security-severity", security_severity_score(severity)},
              {"severity", v.severity}}}};
  if (id.starts_with("CVE-")) {
    d["helpUri"] = "https://www.cve.org/CVERecord?id=" + id;
  }
  return d;
}

json vulnerability_result(const Summary& s, const Vulnerability& v, const std::string& id,
                          std::size_t index, bool found) {
  std::vector<std::string> packages;
  json package_list = json::array();
  for (const auto& p : v.packages) {
    packages.push_back(package_words(p));
    package_list.push_back(
        {{"name", p.name}, {"installed", p.installed}, {"fixed", p.fixed}, {"state", p.state}});
  }
  const auto what =
      packages.empty() ? std::string("the image") : fmt::format("{}", fmt::join(packages, "; "));
  const auto message =
      found ? fmt::format("{} ({} severity) in {}: {}", id, v.severity, what, v.title)
            : fmt::format("{} ({} severity) could not be evaluated ({}): {}", id, v.severity,
                          v.result, v.title);
  const auto severity = severity_of(v.severity);
  json r = {{"ruleId", id},
            {"ruleIndex", index},
            {"level", sarif_level(severity)},
            {"message", text(message)},
            {"locations", json::array({image_location(s)})},
            {"partialFingerprints", fingerprint(s, id, v.definition_id)},
            {"properties",
             {{"result", found ? "vulnerable" : v.result},
              {"severity", v.severity},
              {"distributorSeverity", v.distributor_severity},
              {"definitionId", v.definition_id},
              {"advisory", v.advisory},
              {"packages", package_list},
              {"unfixed", v.unfixed()},
              {"failsScan", !v.waiver && vulnerability_reaches(severity, s.fail_on) &&
                                !(found && s.vulnerabilities.ignore_unfixed && v.unfixed())}}}};
  const auto single = v.cve_waivers.find(id);
  add_suppression(r,
                  single != v.cve_waivers.end() ? std::optional<Waiver>(single->second) : v.waiver);
  return r;
}

json run_properties(const Summary& s) {
  json p = {{"imageReference", s.image.reference},
            {"transport", s.image.transport},
            {"manifestDigest", s.image.manifest_digest},
            {"configDigest", s.image.config_digest},
            {"platform", s.image.platform},
            {"os", s.os.pretty_name},
            {"verdict", verdict_name(s)},
            {"exitCode", s.exit_code()},
            {"failOn", fail_on_name(s.fail_on)},
            {"cveScan", s.vulnerabilities.status}};
  if (s.vulnerabilities.status == "scanned") {
    p["cveFeed"] = {{"name", s.vulnerabilities.feed.name},
                    {"source", s.vulnerabilities.feed.source},
                    {"sha256", s.vulnerabilities.feed.sha256}};
  }
  json contents = json::array();
  for (const auto& e : s.evaluations) {
    contents.push_back({{"name", e.name}, {"profile", e.profile_id}, {"sha256", e.content_sha256}});
  }
  p["contents"] = contents;
  return p;
}

}  // namespace

json to_sarif(const Summary& s, const RuleDocs& docs) {
  RuleTable rules;
  json results = json::array();
  static const RuleDoc k_no_doc;
  for (const auto& rule : s.problems()) {
    const auto it = docs.find(rule.id);
    const auto index = rules.add(
        rule.id, [&] { return rule_descriptor(rule, it == docs.end() ? k_no_doc : it->second); });
    results.push_back(rule_result(s, rule, index));
  }
  for (const auto* list :
       {&s.vulnerabilities.results.found, &s.vulnerabilities.results.not_evaluated}) {
    const bool found = list == &s.vulnerabilities.results.found;
    for (const auto& v : *list) {
      for (const auto& id : v.ids()) {
        const auto index = rules.add(id, [&] { return vulnerability_descriptor(id, v); });
        results.push_back(vulnerability_result(s, v, id, index, found));
      }
    }
  }
  json run = {
      {"tool",
       {{"driver",
         {{"name", "imgscap"},
          {"version", IMGSCAP_VERSION},
          {"semanticVersion", IMGSCAP_VERSION},
          {"rules", rules.rules()}}}}},
      {"invocations", json::array({{{"executionSuccessful", true},
                                    {"exitCode", s.exit_code()},
                                    {"exitCodeDescription", verdict_name(s)}}})},
      {"originalUriBaseIds",
       {{k_image_root,
         {{"uri", "file:///"},
          {"description", text("the root file system of the image " + s.image.reference)}}}}},
      {"columnKind", "unicodeCodePoints"},
      {"results", results},
      {"properties", run_properties(s)}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({run})}};
}

}  // namespace imgscap::report
