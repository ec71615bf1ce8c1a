// SPDX-License-Identifier: Apache-2.0
// One streaming pass over an OVAL results file: definitions, tests, objects, states and
// variables of the feed, then the results and the collected items, joined at the end.
#include <imgscap/report/severity.hpp>
#include <imgscap/report/vulnerabilities.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/text.hpp>
#include <imgscap/util/xml.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>
#include <unordered_map>

namespace imgscap::report {
namespace {

namespace fs = std::filesystem;
namespace xml = util::xml;
using xml::attribute;
using xml::for_children;
using xml::local_name;

std::string content(const xmlNode* node) { return std::string(util::trim(xml::text(node))); }

struct Definition {
  std::string id;
  std::string cls;
  std::string title;
  std::vector<std::string> cves;
  std::string advisory;
  std::string severity;
  std::vector<std::string> tests;    // every criterion's test_ref
  std::vector<std::string> extends;  // every extend_definition's definition_ref
};

struct Test {
  std::string object;
  std::vector<std::string> states;
};

struct State {
  std::string evr;  // an evr comparison's value (states comparing no evr are not kept)
  std::string operation;
};

struct TestResult {
  std::string result;
  std::vector<std::string> true_items;  // tested items whose result is true
  std::vector<std::string> items;       // every tested item that exists
};

struct Item {
  std::string name;
  std::string evr;
};

bool is_advisory_source(const std::string& source) {
  static const std::set<std::string> k_sources = {"RHSA", "RHBA", "RHEA", "DSA", "DLA",
                                                  "USN",  "ELSA", "ALSA", "RLSA"};
  return k_sources.contains(source);
}

// Criterion comments by the test or definition they refer to (for messages).
using Comments = std::unordered_map<std::string, std::string>;

void collect_criteria(const xmlNode* node, Definition& d, Comments& comments) {
  for_children(node, [&d, &comments](const xmlNode* child) {
    const auto name = local_name(child);
    if (name == "criterion") {
      d.tests.push_back(attribute(child, "test_ref"));
      comments.emplace(d.tests.back(), attribute(child, "comment"));
    } else if (name == "extend_definition") {
      d.extends.push_back(attribute(child, "definition_ref"));
      comments.emplace(d.extends.back(), attribute(child, "comment"));
    } else if (name == "criteria") {
      collect_criteria(child, d, comments);
    }
  });
}

Definition parse_definition(const xmlNode* node, Comments& comments) {
  Definition d;
  d.id = attribute(node, "id");
  d.cls = attribute(node, "class");
  std::set<std::string> cves;
  for_children(node, [&](const xmlNode* child) {
    const auto name = local_name(child);
    if (name == "metadata") {
      for_children(child, [&](const xmlNode* meta) {
        const auto m = local_name(meta);
        if (m == "title") {
          d.title = content(meta);
        } else if (m == "reference") {
          const auto source = attribute(meta, "source");
          const auto ref = attribute(meta, "ref_id");
          if (source == "CVE" && ref.starts_with("CVE-")) {
            cves.insert(ref);
          } else if (is_advisory_source(source) && d.advisory.empty()) {
            d.advisory = ref;
          }
        } else if (m == "debian") {
          for_children(meta, [&](const xmlNode* deb) {
            if (local_name(deb) == "dsa" && d.advisory.empty()) {
              d.advisory = content(deb);
            }
          });
        } else if (m == "advisory") {
          for_children(meta, [&](const xmlNode* a) {
            const auto an = local_name(a);
            if (an == "severity") {
              d.severity = content(a);
            } else if (an == "ref" && d.advisory.empty()) {
              // Ubuntu names its notices by URL: .../notices/USN-6000-1
              const auto ref = content(a);
              if (const auto at = ref.rfind("/USN-"); at != std::string::npos) {
                d.advisory = ref.substr(at + 1);
              }
            } else if (an == "cve") {
              const auto cve = content(a);
              if (cve.starts_with("CVE-")) {
                cves.insert(cve);
              }
            }
          });
        }
      });
    } else if (name == "criteria") {
      collect_criteria(child, d, comments);
    }
  });
  d.cves.assign(cves.begin(), cves.end());
  return d;
}

struct Collected {
  std::vector<Definition> definitions;
  Comments comments;
  std::unordered_map<std::string, Test> tests;
  std::unordered_map<std::string, State> states;
  std::unordered_map<std::string, std::string> definition_results;
  std::unordered_map<std::string, TestResult> test_results;
  std::unordered_map<std::string, Item> items;
};

void on_element(const std::vector<std::string>& path, const xmlNode* node, Collected& c) {
  const auto depth = path.size() - 1;
  const auto& name = path.back();
  if (depth == 3 && path[1] == "oval_definitions") {
    const auto& section = path[2];
    if (section == "definitions" && name == "definition") {
      auto d = parse_definition(node, c.comments);
      if (d.cls == "vulnerability" || d.cls == "patch") {
        c.definitions.push_back(std::move(d));
      }
    } else if (section == "tests") {
      Test t;
      for_children(node, [&t](const xmlNode* child) {
        const auto n = local_name(child);
        if (n == "object") {
          t.object = attribute(child, "object_ref");
        } else if (n == "state") {
          t.states.push_back(attribute(child, "state_ref"));
        }
      });
      c.tests.emplace(attribute(node, "id"), std::move(t));
    } else if (section == "states") {
      State s;
      for_children(node, [&s](const xmlNode* child) {
        const auto n = local_name(child);
        if (n == "evr") {
          s.evr = content(child);
          s.operation = attribute(child, "operation");
        }
      });
      if (!s.evr.empty()) {
        c.states.emplace(attribute(node, "id"), std::move(s));
      }
    }
  } else if (depth == 4 && path[1] == "results" && path[2] == "system") {
    if (path[3] == "definitions" && name == "definition") {
      c.definition_results.emplace(attribute(node, "definition_id"), attribute(node, "result"));
    } else if (path[3] == "tests" && name == "test") {
      TestResult r;
      r.result = attribute(node, "result");
      for_children(node, [&r](const xmlNode* child) {
        if (local_name(child) != "tested_item") {
          return;
        }
        r.items.push_back(attribute(child, "item_id"));
        if (attribute(child, "result") == "true") {
          r.true_items.push_back(attribute(child, "item_id"));
        }
      });
      c.test_results.emplace(attribute(node, "test_id"), std::move(r));
    }
  } else if (depth == 5 && path[1] == "results" && path[3] == "oval_system_characteristics" &&
             path[4] == "system_data") {
    Item item;
    for_children(node, [&item](const xmlNode* child) {
      const auto n = local_name(child);
      if (n == "name") {
        item.name = content(child);
      } else if (n == "evr") {
        item.evr = content(child);
      }
    });
    if (!item.name.empty()) {
      c.items.emplace(attribute(node, "id"), std::move(item));
    }
  }
}

// Whether the reader is on an element imgscap reads whole (then it expands and skips it).
bool wanted(const std::vector<std::string>& path) {
  const auto depth = path.size() - 1;
  if (depth == 3 && path[1] == "oval_definitions") {
    return path[2] == "definitions" || path[2] == "tests" || path[2] == "states";
  }
  if (depth == 4 && path[1] == "results" && path[2] == "system") {
    return path[3] == "definitions" || path[3] == "tests";
  }
  return depth == 5 && path[1] == "results" && path[3] == "oval_system_characteristics" &&
         path[4] == "system_data";
}

Collected collect(const fs::path& file) {
  Collected c;
  const auto want = [&file](const xml::ElementPath& path) {
    if (path.size() == 1 && path[0] != "oval_results") {
      fail("{}: not OVAL results (root element <{}>)", file.string(), path[0]);
    }
    return wanted(path);
  };
  xml::stream_elements(
      file, "OVAL results", want,
      [&c](const xml::ElementPath& path, const xmlNode* node) { on_element(path, node, c); });
  return c;
}

bool is_package_test(const Test& test, const Collected& c) {
  if (test.states.empty()) {
    return true;
  }
  return std::any_of(test.states.begin(), test.states.end(),
                     [&c](const std::string& id) { return c.states.contains(id); });
}

// Whether any of the definition's tests compares package versions (or asks for a package).
bool has_package_test(const Definition& d, const Collected& c) {
  return std::any_of(d.tests.begin(), d.tests.end(), [&c](const std::string& id) {
    const auto test = c.tests.find(id);
    return test != c.tests.end() && is_package_test(test->second, c);
  });
}

// The packages a true definition's true package tests name, with their versions: a version
// test's items that are older than its state's version, or every item of a test without states
// (Canonical's "the package exists" for a vulnerability without a fix yet).
std::vector<AffectedPackage> affected_packages(const Definition& d, const Collected& c) {
  std::vector<AffectedPackage> out;
  for (const auto& test_id : d.tests) {
    const auto result = c.test_results.find(test_id);
    const auto test = c.tests.find(test_id);
    if (result == c.test_results.end() || result->second.result != "true" ||
        test == c.tests.end()) {
      continue;
    }
    std::string fixed;
    const bool exists_only = test->second.states.empty();
    bool compares_versions = exists_only;
    for (const auto& state_id : test->second.states) {
      const auto state = c.states.find(state_id);
      if (state != c.states.end()) {
        compares_versions = true;
        if (state->second.operation.starts_with("less than") && fixed.empty()) {
          fixed = state->second.evr;
        }
      }
    }
    if (!compares_versions) {
      continue;  // a signature, architecture or release check
    }
    const auto comment = c.comments.find(test_id);
    const auto state =
        comment == c.comments.end() ? std::string() : distributor_state(comment->second);
    for (const auto& item_id : exists_only ? result->second.items : result->second.true_items) {
      const auto item = c.items.find(item_id);
      if (item == c.items.end()) {
        continue;
      }
      AffectedPackage p{item->second.name, item->second.evr, fixed, state, {}};
      const auto same = std::find_if(out.begin(), out.end(), [&p](const AffectedPackage& q) {
        return q.name == p.name && q.installed == p.installed;
      });
      if (same == out.end()) {
        out.push_back(std::move(p));
      } else if (same->fixed.empty()) {
        same->fixed = p.fixed;
      }
    }
  }
  return out;
}

bool worse(const Vulnerability& a, const Vulnerability& b) {
  const auto ra = severity_rank(severity_of(a.severity));
  const auto rb = severity_rank(severity_of(b.severity));
  // unknown sorts with high: a feed that states no severity is not a reason to hide it.
  const auto ka = ra < 0 ? 3 : ra;
  const auto kb = rb < 0 ? 3 : rb;
  if (ka != kb) {
    return ka > kb;
  }
  return a.definition_id < b.definition_id;
}

}  // namespace

std::string normalise_vulnerability_severity(std::string_view distributor_severity) {
  std::string s(util::trim(distributor_severity));
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  // Red Hat's names, and what other feeds call the lowest grade.
  if (s == "important") {
    return "high";
  }
  if (s == "moderate") {
    return "medium";
  }
  if (s == "none" || s == "informational") {
    return "negligible";
  }
  return std::string(severity_name(severity_of(s)));
}

std::vector<std::string> Vulnerability::ids() const {
  if (!cves.empty()) {
    return cves;
  }
  return {advisory.empty() ? definition_id : advisory};
}

bool Vulnerability::unfixed() const {
  return !packages.empty() && std::all_of(packages.begin(), packages.end(),
                                          [](const AffectedPackage& p) { return p.fixed.empty(); });
}

std::string distributor_state(std::string_view comment) {
  // Canonical's OVAL generator writes the tracker's status into the criterion's comment.
  static const std::pair<std::string_view, std::string_view> k_phrases[] = {
      {"is affected and needs fixing", "needed"},
      {"is affected and may need fixing", "needs-triage"},
      {"a decision has been made to defer addressing it", "deferred"},
      {"is pending publication", "pending"},
      {"a decision has been made to ignore this issue", "ignored"},
      {"has been fixed, but no release version available", "released"},
  };
  for (const auto& [phrase, state] : k_phrases) {
    if (comment.find(phrase) != std::string_view::npos) {
      return std::string(state);
    }
  }
  return {};
}

VulnerabilityResults read_vulnerabilities(const fs::path& oval_results) {
  const auto c = collect(oval_results);
  VulnerabilityResults out;
  for (const auto& d : c.definitions) {
    const auto r = c.definition_results.find(d.id);
    const std::string result = r == c.definition_results.end() ? "not evaluated" : r->second;
    ++out.definitions;
    ++out.results[result];
    if (result != "true" && result != "error" && result != "unknown") {
      continue;
    }
    Vulnerability v;
    v.definition_id = d.id;
    v.result = result;
    v.definition_class = d.cls;
    v.title = d.title;
    v.cves = d.cves;
    v.advisory = d.advisory;
    v.distributor_severity = d.severity;
    v.severity = normalise_vulnerability_severity(d.severity);
    if (result == "true") {
      v.packages = affected_packages(d, c);
      v.without_package = v.packages.empty() && has_package_test(d, c);
      out.without_package += v.without_package ? 1 : 0;
      out.found.push_back(std::move(v));
    } else {
      out.not_evaluated.push_back(std::move(v));
    }
  }
  std::sort(out.found.begin(), out.found.end(), worse);
  std::sort(out.not_evaluated.begin(), out.not_evaluated.end(), worse);
  return out;
}

}  // namespace imgscap::report
