// SPDX-License-Identifier: Apache-2.0
// Reading rule results from ARF and OVAL results documents.
#include "xml.hpp"

#include <imgscap/report/results.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/text.hpp>

#include <algorithm>
#include <unordered_map>

namespace imgscap::report {
namespace {

std::string trimmed(const std::string& text) { return std::string(util::trim(text)); }

// Rule id -> first title, from every Benchmark embedded in the document.
std::unordered_map<std::string, std::string> rule_titles(xmlDoc* doc) {
  std::unordered_map<std::string, std::string> titles;
  for (auto* rule : xml::select(doc, "//*[local-name()='Rule'][@id]")) {
    titles.emplace(xml::attribute(rule, "id"), trimmed(xml::child_text(rule, "title")));
  }
  return titles;
}

std::string oval_rule_result(const std::string& cls, const std::string& result) {
  if (result == "error" || result == "unknown") {
    return result;
  }
  if (result == "not applicable") {
    return "notapplicable";
  }
  if (result == "not evaluated") {
    return "notchecked";
  }
  if (cls == "compliance") {
    return result == "true" ? "pass" : "fail";
  }
  if (cls == "vulnerability" || cls == "patch") {
    return result == "true" ? "fail" : "pass";
  }
  return "informational";
}

std::string normalise_severity(std::string severity) {
  std::transform(severity.begin(), severity.end(), severity.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (severity == "important" || severity == "critical") {
    return "high";
  }
  if (severity == "moderate") {
    return "medium";
  }
  if (severity.empty()) {
    return "unknown";
  }
  return severity;
}

}  // namespace

std::map<std::string, int> Results::counts() const {
  std::map<std::string, int> counts;
  for (const auto& rule : rules) {
    ++counts[rule.result];
  }
  return counts;
}

int severity_rank(std::string_view severity) {
  if (severity == "high") {
    return 3;
  }
  if (severity == "medium") {
    return 2;
  }
  if (severity == "low") {
    return 1;
  }
  return 0;
}

bool is_failure(std::string_view result) {
  return result == "fail" || result == "error" || result == "unknown";
}

Results read_arf(const std::filesystem::path& arf) {
  auto doc = xml::parse_file(arf);
  const auto test_results = xml::select(doc.get(), "//*[local-name()='TestResult']");
  if (test_results.empty()) {
    fail("{} holds no XCCDF TestResult", arf.string());
  }
  xmlNode* test_result = test_results.back();
  Results results;
  results.test_result_id = xml::attribute(test_result, "id");
  results.start_time = xml::attribute(test_result, "start-time");
  results.end_time = xml::attribute(test_result, "end-time");
  results.target = trimmed(xml::child_text(test_result, "target"));
  for (auto* profile : xml::select(doc.get(), "*[local-name()='profile']", test_result)) {
    results.profile_id = xml::attribute(profile, "idref");
  }
  const auto titles = rule_titles(doc.get());
  for (auto* node : xml::select(doc.get(), "*[local-name()='rule-result']", test_result)) {
    RuleResult rule;
    rule.id = xml::attribute(node, "idref");
    rule.result = trimmed(xml::child_text(node, "result"));
    rule.severity = normalise_severity(xml::attribute(node, "severity"));
    if (const auto it = titles.find(rule.id); it != titles.end()) {
      rule.title = it->second;
    }
    if (rule.result != "notselected") {
      results.rules.push_back(std::move(rule));
    }
  }
  return results;
}

Results read_oval_results(const std::filesystem::path& file) {
  auto doc = xml::parse_file(file);
  std::unordered_map<std::string, std::pair<std::string, xmlNode*>> definitions;
  for (auto* def : xml::select(doc.get(),
                               "//*[local-name()='oval_definitions']/"
                               "*[local-name()='definitions']/*[local-name()='definition']")) {
    definitions.emplace(xml::attribute(def, "id"),
                        std::make_pair(xml::attribute(def, "class"), def));
  }
  Results results;
  const auto nodes = xml::select(doc.get(),
                                 "//*[local-name()='results']/*[local-name()='system']/"
                                 "*[local-name()='definitions']/*[local-name()='definition']");
  if (nodes.empty() && definitions.empty()) {
    fail("{} holds no OVAL results", file.string());
  }
  for (auto* node : nodes) {
    RuleResult rule;
    rule.id = xml::attribute(node, "definition_id");
    std::string cls;
    if (const auto it = definitions.find(rule.id); it != definitions.end()) {
      cls = it->second.first;
      for (auto* meta : xml::select(doc.get(), "*[local-name()='metadata']", it->second.second)) {
        rule.title = trimmed(xml::child_text(meta, "title"));
        for (auto* sev : xml::select(doc.get(), ".//*[local-name()='severity']", meta)) {
          rule.severity = normalise_severity(trimmed(xml::text(sev)));
        }
      }
    }
    if (rule.severity.empty()) {
      rule.severity = "unknown";
    }
    rule.result = oval_rule_result(cls, xml::attribute(node, "result"));
    results.rules.push_back(std::move(rule));
  }
  return results;
}

}  // namespace imgscap::report
