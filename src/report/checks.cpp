// SPDX-License-Identifier: Apache-2.0
// Walking OVAL definitions -> tests -> objects/states/variables, with the collected objects'
// flags and messages, once per document (everything indexed by id first).
#include <imgscap/util/oval.hpp>
#include <imgscap/util/xml.hpp>
#include "checks_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

namespace imgscap::report {

namespace xml = util::xml;
namespace {

constexpr std::array<std::string_view, 19> k_runtime_probes = {"uname",
                                                               "process",
                                                               "process58",
                                                               "interface",
                                                               "routingtable",
                                                               "sysctl",
                                                               "iflisteners",
                                                               "inetlisteningservers",
                                                               "partition",
                                                               "systemdunitproperty",
                                                               "systemdunitdependency",
                                                               "selinuxboolean",
                                                               "environmentvariable",
                                                               "sql",
                                                               "sql57",
                                                               "ldap",
                                                               "ldap57",
                                                               "wmi",
                                                               "wmi57"};
constexpr std::array<std::string_view, 6> k_chroot_probes = {
    "rpminfo", "rpmverify", "rpmverifyfile", "runlevel", "symlink", "xinetd"};
constexpr std::array<std::string_view, 4> k_rpm_probes = {"rpminfo", "rpmverify", "rpmverifyfile",
                                                          "rpmverifypackage"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view kind) {
  return std::find(list.begin(), list.end(), kind) != list.end();
}

std::string_view local_name(const xmlNode* node) {
  return reinterpret_cast<const char*>(node->name);
}

bool is_element(const xmlNode* node) { return node->type == XML_ELEMENT_NODE; }

std::string without_suffix(std::string_view name, std::string_view suffix) {
  if (name.ends_with(suffix)) {
    name.remove_suffix(suffix.size());
  }
  return std::string(name);
}

struct Collected {
  std::string flag;
  std::vector<std::string> messages;
};

// Every OVAL element with an id, and every collected object, of the whole document.
class OvalIndex {
 public:
  explicit OvalIndex(xmlDoc* doc) {
    for (auto* defs : xml::select(doc, "//*[local-name()='oval_definitions']")) {
      for (xmlNode* section = defs->children; section != nullptr; section = section->next) {
        if (!is_element(section)) {
          continue;
        }
        for (xmlNode* item = section->children; item != nullptr; item = item->next) {
          if (is_element(item) && xmlHasProp(item, reinterpret_cast<const xmlChar*>("id"))) {
            m_elements.emplace(xml::attribute(item, "id"), item);
          }
        }
      }
    }
    for (auto* object :
         xml::select(doc, "//*[local-name()='collected_objects']/*[local-name()='object']")) {
      Collected collected{xml::attribute(object, "flag"), {}};
      for (xmlNode* child = object->children; child != nullptr; child = child->next) {
        if (is_element(child) && local_name(child) == "message") {
          collected.messages.push_back(xml::text(child));
        }
      }
      m_collected.emplace(xml::attribute(object, "id"), std::move(collected));
    }
  }

  [[nodiscard]] xmlNode* element(const std::string& id) const {
    const auto it = m_elements.find(id);
    return it == m_elements.end() ? nullptr : it->second;
  }
  [[nodiscard]] const Collected* collected(const std::string& id) const {
    const auto it = m_collected.find(id);
    return it == m_collected.end() ? nullptr : &it->second;
  }

 private:
  std::unordered_map<std::string, xmlNode*> m_elements;
  std::unordered_map<std::string, Collected> m_collected;
};

// Gathers what one definition (and everything it references) needs.
class Walker {
 public:
  Walker(const OvalIndex& index, RuleChecks& out) : m_index(index), m_out(out) {}

  void visit(const std::string& id) {
    if (id.empty() || !m_seen.insert(id).second) {
      return;
    }
    xmlNode* node = m_index.element(id);
    if (node == nullptr) {
      return;
    }
    const auto name = local_name(node);
    if (name.ends_with("_object")) {
      visit_object(node, id);
    } else if (name.ends_with("_state")) {
      visit_state(node);
    }
    visit_references(node);
  }

 private:
  void visit_object(xmlNode* node, const std::string& id) {
    m_out.probes.insert(without_suffix(local_name(node), "_object"));
    if (util::oval::is_file_object(local_name(node))) {
      if (auto path = util::oval::literal_file_path(node); !path.empty()) {
        m_out.files.push_back(std::move(path));
      }
    }
    const auto* collected = m_index.collected(id);
    if (collected == nullptr) {
      return;
    }
    if (collected->flag == "error" || collected->flag == "incomplete" ||
        !collected->messages.empty()) {
      for (const auto& message : collected->messages) {
        m_out.messages.push_back(message);
      }
      if (collected->messages.empty()) {
        m_out.messages.push_back("object " + id + ": collection " + collected->flag);
      }
    }
  }

  void visit_state(xmlNode* node) {
    for (xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (is_element(child) &&
          (local_name(child) == "user_id" || local_name(child) == "group_id")) {
        m_out.uses_ownership = true;
      }
    }
  }

  // Follows every reference below `node`: criteria, test objects and states, variables,
  // filters and object sets.
  void visit_references(xmlNode* node) {
    for (xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (!is_element(child)) {
        continue;
      }
      for (const char* attr :
           {"test_ref", "definition_ref", "object_ref", "state_ref", "var_ref"}) {
        visit(xml::attribute(child, attr));
      }
      const auto name = local_name(child);
      if (name == "filter" || name == "object_reference") {
        visit(xml::text(child));
      }
      visit_references(child);
    }
  }

  const OvalIndex& m_index;
  RuleChecks& m_out;
  std::unordered_set<std::string> m_seen;
};

void deduplicate(std::vector<std::string>& messages) {
  std::vector<std::string> unique;
  for (auto& message : messages) {
    if (std::find(unique.begin(), unique.end(), message) == unique.end()) {
      unique.push_back(std::move(message));
    }
  }
  messages = std::move(unique);
}

RuleChecks checks_of(const OvalIndex& index, const std::vector<std::string>& definition_ids) {
  RuleChecks checks;
  Walker walker(index, checks);
  for (const auto& id : definition_ids) {
    walker.visit(id);
  }
  deduplicate(checks.messages);
  deduplicate(checks.files);
  return checks;
}

}  // namespace

bool is_runtime_probe(std::string_view kind) { return contains(k_runtime_probes, kind); }
bool is_chroot_probe(std::string_view kind) { return contains(k_chroot_probes, kind); }
bool is_dpkg_probe(std::string_view kind) { return kind == "dpkginfo"; }
bool is_rpm_probe(std::string_view kind) { return contains(k_rpm_probes, kind); }

std::vector<std::string> rpm_probe_kinds() { return {k_rpm_probes.begin(), k_rpm_probes.end()}; }
std::vector<std::string> chroot_probe_kinds() {
  return {k_chroot_probes.begin(), k_chroot_probes.end()};
}

std::map<std::string, RuleChecks> read_rule_checks(xmlDoc* doc) {
  const OvalIndex index(doc);
  std::map<std::string, RuleChecks> out;
  const auto test_results = xml::select(doc, "//*[local-name()='TestResult']");
  if (!test_results.empty()) {
    for (auto* rule : xml::select(doc, "*[local-name()='rule-result']", test_results.back())) {
      std::vector<std::string> definitions;
      for (auto* ref : xml::select(doc, ".//*[local-name()='check-content-ref'][@name]", rule)) {
        definitions.push_back(xml::attribute(ref, "name"));
      }
      if (!definitions.empty()) {
        out.emplace(xml::attribute(rule, "idref"), checks_of(index, definitions));
      }
    }
    return out;
  }
  // Source content: the benchmark's rules, else the OVAL definitions themselves.
  const auto rules = xml::select(doc, "//*[local-name()='Benchmark']//*[local-name()='Rule']");
  for (auto* rule : rules) {
    std::vector<std::string> definitions;
    for (auto* ref : xml::select(doc, ".//*[local-name()='check-content-ref'][@name]", rule)) {
      definitions.push_back(xml::attribute(ref, "name"));
    }
    if (!definitions.empty()) {
      out.emplace(xml::attribute(rule, "id"), checks_of(index, definitions));
    }
  }
  if (!rules.empty()) {
    return out;
  }
  const auto results =
      xml::select(doc, "//*[local-name()='results']//*[local-name()='definition']");
  for (auto* definition : results) {
    const auto id = xml::attribute(definition, "definition_id");
    out.emplace(id, checks_of(index, {id}));
  }
  if (results.empty()) {
    for (auto* definition :
         xml::select(doc,
                     "//*[local-name()='oval_definitions']/"
                     "*[local-name()='definitions']/*[local-name()='definition']")) {
      const auto id = xml::attribute(definition, "id");
      out.emplace(id, checks_of(index, {id}));
    }
  }
  return out;
}

std::map<std::string, RuleChecks> read_content_checks(const std::filesystem::path& content) {
  const auto doc = xml::parse_file(content);
  return read_rule_checks(doc.get());
}

}  // namespace imgscap::report
