// SPDX-License-Identifier: Apache-2.0
// The CVE feed's evaluation child: (the dpkg view's canary,) OpenSCAP's OVAL agent over the
// definitions left to it, the results exported with false definitions thin plus the settled
// ones, and the HTML report rendered from a view without false definitions.
#include "child.hpp"
#include "environment.hpp"
#include "oscap_session.hpp"
#include "probe_check.hpp"

#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/phase_clock.hpp>
#include <imgscap/util/xml.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;
namespace xml = util::xml;

constexpr const char* k_results = "oval-results.xml";
constexpr const char* k_report = "report.html";
constexpr const char* k_canary = "cve-canary.xml";
constexpr const char* k_results_ns = "http://oval.mitre.org/XMLSchema/oval-results-5";

constexpr int k_thin_results =
    OVAL_RESULT_FALSE | OVAL_RESULT_NOT_EVALUATED | OVAL_RESULT_NOT_APPLICABLE;

// Every result reported; true, error and unknown in full, the rest thin (or, for the report's
// view, false definitions not at all).
DirectivesPtr directives(bool report_view) {
  DirectivesPtr model(oval_directives_model_new());
  auto* defaults = oval_directives_model_get_defdirs(model.get());
  oval_result_directives_set_reported(defaults, 63, true);
  oval_result_directives_set_content(defaults,
                                     OVAL_RESULT_TRUE | OVAL_RESULT_ERROR | OVAL_RESULT_UNKNOWN,
                                     OVAL_DIRECTIVE_CONTENT_FULL);
  oval_result_directives_set_content(defaults, k_thin_results, OVAL_DIRECTIVE_CONTENT_THIN);
  if (report_view) {
    oval_result_directives_set_reported(defaults, OVAL_RESULT_FALSE, false);
  }
  return model;
}

std::string exported(oval_results_model* results, bool report_view) {
  const auto dirs = directives(report_view);
  SourcePtr source(oval_results_model_export_source(results, dirs.get(), nullptr));
  char* buffer = nullptr;
  std::size_t size = 0;
  if (!source || oscap_source_get_raw_memory(source.get(), &buffer, &size) != 0) {
    fail_oscap("cannot export the OVAL results");
  }
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

xmlNode* child_named(xmlNode* node, std::string_view name) {
  for (auto* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE && xml::local_name(child) == name) {
      return child;
    }
  }
  return nullptr;
}

const xmlChar* x(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

// results/system/definitions gets one thin false definition per settled one, with its message.
void add_settled(xmlDoc* doc, const std::vector<SettledResult>& settled) {
  xmlNode* root = xmlDocGetRootElement(doc);
  xmlNode* results = root != nullptr ? child_named(root, "results") : nullptr;
  xmlNode* system = results != nullptr ? child_named(results, "system") : nullptr;
  if (system == nullptr) {
    fail("the OVAL results have no results/system");
  }
  xmlNs* ns = xmlSearchNsByHref(doc, system, x(k_results_ns));
  xmlNode* definitions = child_named(system, "definitions");
  if (definitions == nullptr) {
    definitions = xmlNewNode(ns, x("definitions"));
    if (system->children != nullptr) {
      xmlAddPrevSibling(system->children, definitions);
    } else {
      xmlAddChild(system, definitions);
    }
  }
  for (const auto& one : settled) {
    xmlNode* d = xmlNewChild(definitions, ns, x("definition"), nullptr);
    xmlNewProp(d, x("definition_id"), x(one.id.c_str()));
    xmlNewProp(d, x("result"), x("false"));
    xmlNewProp(d, x("version"), x(one.version.c_str()));
    xmlNode* message = xmlNewTextChild(d, ns, x("message"), x(one.message.c_str()));
    xmlNewProp(message, x("level"), x("info"));
  }
}

// The results of the given test or definition ids.
std::map<std::string, std::string> check_results(oval_agent_session_t* agent,
                                                 oval_results_model* results,
                                                 const std::vector<std::string>& ids) {
  std::map<std::string, std::string> out;
  for (const auto& id : ids) {
    out[id] = "not evaluated";
    oval_result_t result = OVAL_RESULT_NOT_EVALUATED;
    if (id.find(":def:") != std::string::npos &&
        oval_agent_get_definition_result(agent, id.c_str(), &result) == 0) {
      out[id] = oval_result_get_text(result);
    }
  }
  auto* systems = oval_results_model_get_systems(results);
  while (oval_result_system_iterator_has_more(systems)) {
    auto* tests = oval_result_system_get_tests(oval_result_system_iterator_next(systems));
    while (oval_result_test_iterator_has_more(tests)) {
      auto* test = oval_result_test_iterator_next(tests);
      const char* id = oval_test_get_id(oval_result_test_get_test(test));
      if (id != nullptr && out.contains(id)) {
        out[id] = oval_result_get_text(oval_result_test_get_result(test));
      }
    }
    oval_result_test_iterator_free(tests);
  }
  oval_result_system_iterator_free(systems);
  return out;
}

std::string canary_result(const fs::path& file) {
  OvalSessionPtr session(oval_session_new(file.c_str()));
  if (!session || oval_session_load(session.get()) != 0) {
    fail_oscap("cannot load the dpkg probe check");
  }
  oval_result_t result = OVAL_RESULT_NOT_EVALUATED;
  if (oval_session_evaluate_id(session.get(), k_canary_def_dpkg, &result) != 0) {
    return "not evaluated";
  }
  return oval_result_get_text(result);
}

// One OpenSCAP evaluation of a definitions file: the model, its agent session.
struct Evaluation {
  DefinitionModelPtr model;
  AgentSessionPtr agent;
};

Evaluation evaluate_file(const fs::path& file) {
  Evaluation e;
  SourcePtr source(oscap_source_new_from_file(file.c_str()));
  e.model.reset(source ? oval_definition_model_import_source(source.get()) : nullptr);
  if (!e.model) {
    fail_oscap("cannot load the CVE feed");
  }
  e.agent.reset(oval_agent_new_session(e.model.get(), "imgscap-cve"));
  if (!e.agent) {
    fail_oscap("cannot start the OVAL evaluation");
  }
  if (oval_agent_eval_system(e.agent.get(), nullptr, nullptr) != 0) {
    fail_oscap("evaluation failed");
  }
  return e;
}

void write_results(oval_results_model* results, const std::vector<SettledResult>& settled,
                   const fs::path& file) {
  const auto doc = xml::parse_memory(exported(results, false), "the OVAL results");
  add_settled(doc.get(), settled);
  if (xmlSaveFormatFileEnc(file.c_str(), doc.get(), "UTF-8", 1) < 0) {
    fail("cannot write {}", file.string());
  }
}

void write_report(oval_results_model* results, const fs::path& scratch, const fs::path& html) {
  util::write_file(scratch, exported(results, true));
  const char* params[] = {nullptr};
  if (oscap_apply_xslt(scratch.c_str(), "oval-results-report.xsl", html.c_str(), params) < 0 ||
      !fs::exists(html)) {
    fail_oscap("cannot generate the HTML report");
  }
  fs::remove(scratch);
}

void evaluate_in_child(int fd, const Target& target, const CveRequest& request) {
  const auto entered = enter_evaluation(
      target, {{request.content_dir, "content", false}, {request.results_dir, "results", true}});
  const auto eval = entered.view.place("eval");
  const auto results_dir = entered.view.place("results");
  util::PhaseClock clock;
  nlohmann::json done;
  if (!request.dpkg_canary.empty()) {
    done["canary"] = canary_result(eval / k_canary);
    if (done["canary"] != "true") {
      send_done(fd, done, clock);
      return;
    }
  }
  std::map<std::string, std::string> checks;
  if (!request.checks_file.empty()) {
    const auto first = evaluate_file(eval / request.checks_file.filename());
    checks = check_results(first.agent.get(), oval_agent_get_results_model(first.agent.get()),
                           request.checks);
    clock.stop("checks");
  }
  clock.start();
  const auto plan = request.plan(checks, {eval, entered.view.place("content")});
  done["figures"] = plan.figures;
  clock.stop("plan");
  clock.start();
  const auto main = evaluate_file(plan.definitions);
  auto* results = oval_agent_get_results_model(main.agent.get());
  done["checks"] = check_results(main.agent.get(), results, request.checks);
  clock.stop("evaluate");
  clock.start();
  write_results(results, plan.settled, results_dir / k_results);
  clock.stop("results");
  clock.start();
  write_report(results, eval / "tmp" / "cve-report-view.xml", results_dir / k_report);
  clock.stop("html");
  send_done(fd, done, clock);
}

}  // namespace

CveOutcome evaluate_cve(const Target& target, const CveRequest& request) {
  if (!request.dpkg_canary.empty()) {
    util::write_file(target.private_dir / k_canary, canary_definitions(request.dpkg_canary, false));
  }
  const auto done_text = run_in_child([&](int fd) { evaluate_in_child(fd, target, request); },
                                      target.private_dir / "evaluate-cve.log",
                                      [](std::string_view, std::string_view) {});
  const auto done = nlohmann::json::parse(done_text);
  CveOutcome outcome;
  outcome.canary = done.value("canary", "");
  outcome.seconds = done["seconds"].get<std::map<std::string, double>>();
  outcome.peak_rss_kb = done["peak_rss_kb"].get<std::map<std::string, long>>();
  if (done.contains("checks")) {
    outcome.checks = done["checks"].get<std::map<std::string, std::string>>();
    outcome.figures = done["figures"].get<std::map<std::string, std::uint64_t>>();
    outcome.results_file = request.results_dir / k_results;
    outcome.report_file = request.results_dir / k_report;
  }
  return outcome;
}

}  // namespace imgscap::scan
