// SPDX-License-Identifier: Apache-2.0
// Reading rule results from ARF and OVAL results documents.
#include <imgscap/util/xml.hpp>
#include "checks_reader.hpp"

#include <imgscap/report/results.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/text.hpp>

#include <algorithm>
#include <unordered_map>

namespace imgscap::report {

namespace xml = util::xml;
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

bool is_failure(std::string_view result) {
  return result == "fail" || result == "error" || result == "unknown";
}

namespace {

xmlNode* last_test_result(xmlDoc* doc, const std::filesystem::path& arf) {
  const auto test_results = xml::select(doc, "//*[local-name()='TestResult']");
  if (test_results.empty()) {
    fail("{} holds no XCCDF TestResult", arf.string());
  }
  return test_results.back();
}

Results arf_results(xmlDoc* doc, const std::filesystem::path& arf) {
  xmlNode* test_result = last_test_result(doc, arf);
  Results results;
  results.test_result_id = xml::attribute(test_result, "id");
  results.start_time = xml::attribute(test_result, "start-time");
  results.end_time = xml::attribute(test_result, "end-time");
  results.target = trimmed(xml::child_text(test_result, "target"));
  for (auto* profile : xml::select(doc, "*[local-name()='profile']", test_result)) {
    results.profile_id = xml::attribute(profile, "idref");
  }
  const auto titles = rule_titles(doc);
  for (auto* node : xml::select(doc, "*[local-name()='rule-result']", test_result)) {
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

Results oval_results(xmlDoc* doc, const std::filesystem::path& file) {
  std::unordered_map<std::string, std::pair<std::string, xmlNode*>> definitions;
  for (auto* def : xml::select(doc,
                               "//*[local-name()='oval_definitions']/"
                               "*[local-name()='definitions']/*[local-name()='definition']")) {
    definitions.emplace(xml::attribute(def, "id"),
                        std::make_pair(xml::attribute(def, "class"), def));
  }
  Results results;
  const auto nodes = xml::select(doc,
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
      for (auto* meta : xml::select(doc, "*[local-name()='metadata']", it->second.second)) {
        rule.title = trimmed(xml::child_text(meta, "title"));
        for (auto* sev : xml::select(doc, ".//*[local-name()='severity']", meta)) {
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

// XCCDF result text -> OVAL definition result text.
std::string oval_result_text(const std::string& result) {
  if (result == "notapplicable") {
    return "not applicable";
  }
  if (result == "notchecked") {
    return "not evaluated";
  }
  return result;  // error, unknown
}

// Where a <message> goes in a rule-result: after result, override, ident and metadata.
xmlNode* message_position(xmlNode* rule_result) {
  for (xmlNode* child = rule_result->children; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) {
      continue;
    }
    const std::string_view name = reinterpret_cast<const char*>(child->name);
    if (name == "instance" || name == "fix" || name == "check" || name == "complex-check") {
      return child;
    }
  }
  return nullptr;
}

void set_child_text(xmlNode* node, const char* local_name, const std::string& text) {
  for (xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE &&
        std::string_view(reinterpret_cast<const char*>(child->name)) == local_name) {
      xmlNodeSetContent(child, reinterpret_cast<const xmlChar*>(text.c_str()));
      return;
    }
  }
}

}  // namespace

struct ResultsFile::Impl {
  std::filesystem::path path;
  ResultsKind kind;
  xml::DocPtr doc;
  bool changed = false;
};

ResultsFile::ResultsFile(std::filesystem::path path, ResultsKind kind)
    : m_impl(std::make_unique<Impl>(Impl{path, kind, xml::parse_file(path), false})) {}

ResultsFile::~ResultsFile() = default;

Results ResultsFile::results() const {
  return m_impl->kind == ResultsKind::arf ? arf_results(m_impl->doc.get(), m_impl->path)
                                          : oval_results(m_impl->doc.get(), m_impl->path);
}

std::map<std::string, RuleChecks> ResultsFile::checks() const {
  return read_rule_checks(m_impl->doc.get());
}

void ResultsFile::set_result(const std::string& id, const std::string& result,
                             const std::string& message) {
  xmlDoc* doc = m_impl->doc.get();
  if (m_impl->kind == ResultsKind::oval) {
    for (auto* node : xml::select(doc,
                                  "//*[local-name()='results']/*[local-name()='system']/"
                                  "*[local-name()='definitions']/*[local-name()='definition']")) {
      if (xml::attribute(node, "definition_id") == id) {
        xmlSetProp(node, reinterpret_cast<const xmlChar*>("result"),
                   reinterpret_cast<const xmlChar*>(oval_result_text(result).c_str()));
        m_impl->changed = true;
      }
    }
    return;
  }
  for (auto* node :
       xml::select(doc, "*[local-name()='rule-result']", last_test_result(doc, m_impl->path))) {
    if (xml::attribute(node, "idref") != id) {
      continue;
    }
    set_child_text(node, "result", result);
    xmlNode* text =
        xmlNewDocNode(doc, node->ns, reinterpret_cast<const xmlChar*>("message"), nullptr);
    xmlNodeAddContent(text, reinterpret_cast<const xmlChar*>(message.c_str()));
    xmlSetProp(text, reinterpret_cast<const xmlChar*>("severity"),
               reinterpret_cast<const xmlChar*>(result == "error" ? "error" : "info"));
    if (xmlNode* before = message_position(node)) {
      xmlAddPrevSibling(before, text);
    } else {
      xmlAddChild(node, text);
    }
    m_impl->changed = true;
  }
}

void ResultsFile::add_override(const std::string& id, const std::string& new_result,
                               const std::string& authority, const std::string& remark,
                               const std::string& time) {
  if (m_impl->kind != ResultsKind::arf) {
    return;
  }
  xmlDoc* doc = m_impl->doc.get();
  const auto name = [](const char* text) { return reinterpret_cast<const xmlChar*>(text); };
  for (auto* node :
       xml::select(doc, "*[local-name()='rule-result']", last_test_result(doc, m_impl->path))) {
    if (xml::attribute(node, "idref") != id) {
      continue;
    }
    xmlNode* result = nullptr;
    xml::for_children(node, [&result](const xmlNode* child) {
      if (result == nullptr && xml::local_name(child) == "result") {
        result = const_cast<xmlNode*>(child);
      }
    });
    if (result == nullptr) {
      continue;
    }
    const auto old_result = xml::text(result);
    xmlNode* override_node = xmlNewDocNode(doc, node->ns, name("override"), nullptr);
    xmlSetProp(override_node, name("time"), name(time.c_str()));
    xmlSetProp(override_node, name("authority"), name(xml::printable(authority).c_str()));
    xmlNewTextChild(override_node, node->ns, name("old-result"), name(old_result.c_str()));
    xmlNewTextChild(override_node, node->ns, name("new-result"), name(new_result.c_str()));
    xmlNewTextChild(override_node, node->ns, name("remark"), name(xml::printable(remark).c_str()));
    xmlAddNextSibling(result, override_node);
    xmlNodeSetContent(result, name(new_result.c_str()));
    m_impl->changed = true;
  }
}

void ResultsFile::set_target(const std::string& target) {
  if (m_impl->kind != ResultsKind::arf) {
    return;
  }
  set_child_text(last_test_result(m_impl->doc.get(), m_impl->path), "target", target);
  m_impl->changed = true;
}

void ResultsFile::save() {
  if (!m_impl->changed) {
    return;
  }
  if (xmlSaveFileEnc(m_impl->path.c_str(), m_impl->doc.get(), "UTF-8") < 0) {
    fail("cannot write {}", m_impl->path.string());
  }
  m_impl->changed = false;
}

Results read_arf(const std::filesystem::path& arf) {
  return ResultsFile(arf, ResultsKind::arf).results();
}

Results read_oval_results(const std::filesystem::path& file) {
  return ResultsFile(file, ResultsKind::oval).results();
}

}  // namespace imgscap::report
