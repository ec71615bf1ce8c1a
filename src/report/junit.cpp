// SPDX-License-Identifier: Apache-2.0
// The summary as JUnit XML: what CI systems show as test reports. A rule that failed is a
// failure whatever --fail-on says (the verdict is the exit code's business; the report says
// what happened); rules the profile did not select are not tests of it and are left out.
#include <imgscap/report/formats.hpp>
#include <imgscap/util/xml.hpp>

#include <fmt/format.h>

#include <numeric>

namespace imgscap::report {
namespace {

namespace xml = util::xml;

struct Counts {
  int tests = 0;
  int failures = 0;
  int errors = 0;
  int skipped = 0;
  double seconds = 0;
  Counts& operator+=(const Counts& o) {
    tests += o.tests;
    failures += o.failures;
    errors += o.errors;
    skipped += o.skipped;
    seconds += o.seconds;
    return *this;
  }
};

const xmlChar* x(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

void set(xmlNode* node, const char* name, const std::string& value) {
  xmlSetProp(node, x(name), x(xml::printable(value).c_str()));
}

xmlNode* add(xmlNode* parent, const char* name, const std::string& content = {}) {
  const auto text = xml::printable(content);
  return xmlNewTextChild(parent, nullptr, x(name), content.empty() ? nullptr : x(text.c_str()));
}

// <testsuites> has no skipped count in the common schema (Jenkins' junit-10.xsd): only suites.
void set_counts(xmlNode* node, const Counts& c, bool suite = true) {
  set(node, "tests", std::to_string(c.tests));
  set(node, "failures", std::to_string(c.failures));
  set(node, "errors", std::to_string(c.errors));
  if (suite) {
    set(node, "skipped", std::to_string(c.skipped));
  }
  set(node, "time", fmt::format("{:.3f}", c.seconds));
}

// One outcome of a test case: "" passed, else the element's name and its message and text.
struct Outcome {
  const char* element = nullptr;  // failure, error, skipped
  std::string type;
  std::string message;
  std::string text;
};

void add_case(xmlNode* suite, const std::string& name, const std::string& classname,
              const Outcome& outcome, Counts& c) {
  auto* testcase = add(suite, "testcase");
  set(testcase, "name", name);
  set(testcase, "classname", classname);
  set(testcase, "time", "0");
  ++c.tests;
  if (outcome.element == nullptr) {
    return;
  }
  auto* detail = add(testcase, outcome.element, outcome.text);
  set(detail, "message", outcome.message);
  if (!outcome.type.empty()) {
    set(detail, "type", outcome.type);
  }
  const std::string_view element = outcome.element;
  ++(element == "failure" ? c.failures : element == "error" ? c.errors : c.skipped);
}

// A waived finding is skipped: accepted for now, with its reason.
Outcome waived(const Waiver& w, const std::string& result) {
  return {"skipped",
          {},
          fmt::format("waived until {} ({} {}): {}", w.expires, w.id, result, w.reason),
          {}};
}

Outcome rule_outcome(const RuleResult& rule) {
  if (rule.waiver && is_failure(rule.result)) {
    return waived(*rule.waiver, rule.result);
  }
  const auto said = fmt::format("{} ({} severity)", rule.title, rule.severity);
  if (rule.result == "fail") {
    return {"failure", rule.severity, said + " failed", rule.reason};
  }
  if (is_failure(rule.result)) {
    return {"error", rule.result, said + " could not be evaluated: " + rule.result, rule.reason};
  }
  if (rule.result == "notapplicable" || rule.result == "notchecked") {
    return {"skipped", {}, rule.result + (rule.reason.empty() ? "" : ": " + rule.reason), {}};
  }
  return {};
}

Counts evaluation_suite(xmlNode* root, const Summary& s, const Evaluation& e) {
  auto* suite = add(root, "testsuite");
  set(suite, "name", e.profile_id.empty() ? e.name : fmt::format("{} ({})", e.name, e.profile_id));
  if (s.started_at.size() >= 19) {
    set(suite, "timestamp", s.started_at.substr(0, 19));  // JUnit's: no time zone
  }
  auto* properties = add(suite, "properties");
  for (const auto& [name, value] :
       {std::pair{"content", e.content_path}, std::pair{"content_sha256", e.content_sha256},
        std::pair{"profile", e.profile_title}}) {
    auto* property = add(properties, "property");
    set(property, "name", name);
    set(property, "value", value);
  }
  Counts c;
  for (const auto& rule : s.results.rules) {
    if (rule.evaluation == e.name && rule.result != "notselected") {
      add_case(suite, rule.id, "imgscap." + e.name, rule_outcome(rule), c);
    }
  }
  c.seconds = std::accumulate(e.timings.begin(), e.timings.end(), 0.0,
                              [](double sum, const auto& kv) { return sum + kv.second; });
  set_counts(suite, c);
  return c;
}

std::string case_name(const Vulnerability& v) {
  if (v.cves.empty()) {
    return v.advisory.empty() ? v.definition_id
                              : fmt::format("{} ({})", v.advisory, v.definition_id);
  }
  return fmt::format("{} ({})", fmt::join(v.cves, " "), v.definition_id);
}

std::string packages_text(const Vulnerability& v) {
  std::string out;
  for (const auto& p : v.packages) {
    out += fmt::format("{} {} installed, {}\n", p.name, p.installed,
                       p.fixed.empty() ? "no fix yet" : "fixed in " + p.fixed);
  }
  return out;
}

Counts vulnerability_suite(xmlNode* root, const Summary& s) {
  const auto& scan = s.vulnerabilities;
  auto* suite = add(root, "testsuite");
  const auto feed = scan.feed.name.empty() ? scan.feed.source : scan.feed.name;
  set(suite, "name", feed.empty() ? "CVE feed" : "CVE feed " + feed);
  const auto classname = "imgscap.cve";
  Counts c;
  if (scan.status == "scanned") {
    for (const auto& v : scan.results.found) {
      add_case(suite, case_name(v), classname,
               v.waiver ? waived(*v.waiver, "vulnerable")
                        : Outcome{"failure", v.severity,
                                  fmt::format("vulnerable ({} severity): {}", v.severity, v.title),
                                  packages_text(v)},
               c);
    }
    for (const auto& v : scan.results.not_evaluated) {
      add_case(suite, case_name(v), classname,
               v.waiver ? waived(*v.waiver, v.result)
                        : Outcome{"error",
                                  v.result,
                                  fmt::format("could not be evaluated ({}): {}", v.result, v.title),
                                  {}},
               c);
    }
    if (c.tests == 0) {
      add_case(suite, fmt::format("{} definitions evaluated", scan.results.definitions), classname,
               {}, c);
    }
  } else {
    const bool error = scan.status == "not_evaluated";
    add_case(suite, "CVE feed", classname,
             {error ? "error" : "skipped", scan.status, scan.reason, scan.reason}, c);
  }
  for (const auto& [phase, seconds] : scan.timings) {
    c.seconds += seconds;
  }
  set_counts(suite, c);
  return c;
}

}  // namespace

std::string to_junit(const Summary& s) {
  xml::DocPtr doc(xmlNewDoc(x("1.0")));
  auto* root = xmlNewDocNode(doc.get(), nullptr, x("testsuites"), nullptr);
  xmlDocSetRootElement(doc.get(), root);
  set(root, "name", "imgscap " + s.image.reference);
  Counts total;
  for (const auto& e : s.evaluations) {
    total += evaluation_suite(root, s, e);
  }
  if (s.vulnerabilities.status != "off") {
    total += vulnerability_suite(root, s);
  }
  set_counts(root, total, false);
  return xml::serialize(doc.get());
}

}  // namespace imgscap::report
