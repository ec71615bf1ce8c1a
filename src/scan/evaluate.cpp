// SPDX-License-Identifier: Apache-2.0
// The libopenscap sessions run inside the evaluation child: XCCDF (datastream or benchmark) with
// ARF and the HTML report, or plain OVAL with OVAL results and the OVAL report.
#include "child.hpp"
#include "environment.hpp"
#include "oscap_session.hpp"

#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/phase_clock.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <cstdlib>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_product_cpe = "cpe:/a:imgscap:imgscap:" IMGSCAP_VERSION;
constexpr const char* k_arf = "arf.xml";
constexpr const char* k_oval_results = "oval-results.xml";

// The content's directory (an XCCDF benchmark names its OVAL and CPE files beside it), the
// tailoring file's, and the results directory.
std::vector<sandbox::Bind> request_binds(const EvalRequest& request) {
  std::vector<sandbox::Bind> binds = {{request.content.path.parent_path(), "content", false},
                                      {request.results_dir, "results", true}};
  if (request.tailoring_file) {
    binds.push_back({fs::absolute(*request.tailoring_file).parent_path(), "tailoring", false});
  }
  return binds;
}

// Skips those of `rules` the profile selected; returns them.
nlohmann::json skip_selected(xccdf_session* session, const std::vector<std::string>& rules) {
  nlohmann::json skipped = nlohmann::json::array();
  auto* policy = xccdf_session_get_xccdf_policy(session);
  for (const auto& rule : rules) {
    if (policy != nullptr && xccdf_policy_is_item_selected(policy, rule.c_str())) {
      xccdf_session_skip_rule(session, rule.c_str());
      skipped.push_back(rule);
    }
  }
  return skipped;
}

extern "C" int report_rule_result(xccdf_rule_result* rule_result, void* user) {
  const auto result = xccdf_rule_result_get_result(rule_result);
  if (result == XCCDF_RESULT_NOT_SELECTED) {
    return 0;
  }
  const int fd = *static_cast<int*>(user);
  const char* id = xccdf_rule_result_get_idref(rule_result);
  send_line(
      fd, "rule",
      fmt::format("{}\t{}", id != nullptr ? id : "", xccdf_test_result_type_get_text(result)));
  return 0;
}

std::vector<std::string> profile_ids(xccdf_session* session) {
  std::vector<std::string> ids;
  auto* model = xccdf_session_get_policy_model(session);
  auto* benchmark = xccdf_policy_model_get_benchmark(model);
  auto* it = xccdf_benchmark_get_profiles(benchmark);
  while (xccdf_profile_iterator_has_more(it)) {
    ids.emplace_back(xccdf_profile_get_id(xccdf_profile_iterator_next(it)));
  }
  xccdf_profile_iterator_free(it);
  if (auto* tailoring = xccdf_policy_model_get_tailoring(model)) {
    auto* tit = xccdf_tailoring_get_profiles(tailoring);
    while (xccdf_profile_iterator_has_more(tit)) {
      ids.emplace_back(xccdf_profile_get_id(xccdf_profile_iterator_next(tit)));
    }
    xccdf_profile_iterator_free(tit);
  }
  return ids;
}

void select_profile(xccdf_session* session, const std::string& profile) {
  if (profile.empty()) {
    if (!xccdf_session_set_profile_id(session, nullptr)) {
      fail_oscap("the content has no default profile");
    }
    return;
  }
  if (xccdf_session_set_profile_id(session, profile.c_str())) {
    return;
  }
  const int rc = xccdf_session_set_profile_id_by_suffix(session, profile.c_str());
  if (rc == 0) {
    return;
  }
  const auto ids = profile_ids(session);
  fail("profile \"{}\" {} in the content; profiles: {}", profile,
       rc == 2 ? "matches several profiles" : "was not found", fmt::join(ids, ", "));
}

std::string profile_title(xccdf_session* session) {
  auto* policy = xccdf_session_get_xccdf_policy(session);
  auto* profile = policy != nullptr ? xccdf_policy_get_profile(policy) : nullptr;
  if (profile == nullptr) {
    return {};
  }
  auto* titles = xccdf_profile_get_title(profile);
  std::string title;
  if (oscap_text_iterator_has_more(titles)) {
    title = oscap_text_get_text(oscap_text_iterator_next(titles));
  }
  oscap_text_iterator_free(titles);
  return title;
}

void generate_report(int fd, const Target& target, const ReportRequest& request) {
  const auto entered =
      enter_evaluation(target, {{request.results_file.parent_path(), "results", true}});
  util::PhaseClock clock;
  const auto dir = entered.view.place("results");
  const auto xml = dir / request.results_file.filename();
  const auto html = dir / request.html_file.filename();
  std::vector<const char*> params;
  const char* stylesheet = "oval-results-report.xsl";
  if (request.kind != ContentKind::oval) {
    stylesheet = "xccdf-report.xsl";
    params = {"result-id",     request.result_id.c_str(),
              "show",          "",
              "profile",       request.profile_id.c_str(),
              "oval-template", "",
              "sce-template",  "",
              "verbosity",     ""};
  }
  params.push_back(nullptr);
  if (oscap_apply_xslt(xml.c_str(), stylesheet, html.c_str(), params.data()) < 0 ||
      !fs::exists(html)) {
    fail_oscap("cannot generate the HTML report");
  }
  clock.stop("html");
  nlohmann::json done;
  send_done(fd, done, clock);
}

void evaluate_xccdf(int fd, const Target& target, const EvalRequest& request) {
  const auto entered = enter_evaluation(target, request_binds(request));
  const auto& view = entered.view;
  nlohmann::json done;
  done["container_marker"] = entered.marker;
  util::PhaseClock clock;
  const auto content = view.place("content") / request.content.path.filename();
  XccdfSessionPtr session(xccdf_session_new(content.c_str()));
  if (!session) {
    fail_oscap(fmt::format("cannot open content {}", request.content.path.string()));
  }
  xccdf_session_set_validation(session.get(), true, false);
  if (request.tailoring_file) {
    const auto tailoring = view.place("tailoring") / request.tailoring_file->filename();
    xccdf_session_set_user_tailoring_file(session.get(), tailoring.c_str());
  }
  xccdf_session_set_product_cpe(session.get(), k_product_cpe);
  if (xccdf_session_load(session.get()) != 0) {
    fail_oscap(fmt::format("cannot load content {}", request.content.path.string()));
  }
  select_profile(session.get(), request.profile);
  done["skipped_rules"] = skip_selected(session.get(), request.skip_rules);
  const char* resolved = xccdf_session_get_profile_id(session.get());
  done["profile_id"] = resolved != nullptr ? resolved : "";
  done["profile_title"] = profile_title(session.get());
  clock.stop("load");

  clock.start();
  int fd_copy = fd;
  xccdf_policy_model_register_output_callback(xccdf_session_get_policy_model(session.get()),
                                              report_rule_result, &fd_copy);
  if (xccdf_session_evaluate(session.get()) != 0) {
    fail_oscap("evaluation failed");
  }
  clock.stop("evaluate");

  clock.start();
  const auto arf = view.place("results") / k_arf;
  xccdf_session_set_arf_export(session.get(), arf.c_str());
  if (xccdf_session_export_oval(session.get()) != 0) {
    fail_oscap("cannot export OVAL results");
  }
  const char* result_id_c = xccdf_session_get_result_id(session.get());
  const std::string result_id = result_id_c != nullptr ? result_id_c : "";
  if (xccdf_session_export_all(session.get()) != 0 || !fs::exists(arf)) {
    fail_oscap("cannot write the ARF results");
  }
  session.reset();
  clock.stop("arf");
  done["result_id"] = result_id;
  send_done(fd, done, clock);
}

void evaluate_oval(int fd, const Target& target, const EvalRequest& request) {
  const auto entered = enter_evaluation(target, request_binds(request));
  const auto& view = entered.view;
  nlohmann::json done;
  done["container_marker"] = entered.marker;
  util::PhaseClock clock;
  const auto content = view.place("content") / request.content.path.filename();
  OvalSessionPtr session(oval_session_new(content.c_str()));
  if (!session) {
    fail_oscap(fmt::format("cannot open content {}", request.content.path.string()));
  }
  oval_session_set_validation(session.get(), request.validate, false);
  const auto results = view.place("results") / k_oval_results;
  oval_session_set_results_export(session.get(), results.c_str());
  if (oval_session_load(session.get()) != 0) {
    fail_oscap(fmt::format("cannot load content {}", request.content.path.string()));
  }
  clock.stop("load");
  clock.start();
  if (oval_session_evaluate(session.get(), nullptr, nullptr) != 0) {
    fail_oscap("evaluation failed");
  }
  clock.stop("evaluate");
  clock.start();
  if (oval_session_export(session.get()) != 0 || !fs::exists(results)) {
    fail_oscap("cannot write the OVAL results");
  }
  clock.stop("results");
  done["profile_id"] = "";
  done["profile_title"] = "";
  send_done(fd, done, clock);
}

}  // namespace

EvalOutcome evaluate(const Target& target, const EvalRequest& request, util::Progress& progress) {
  std::size_t rules_done = 0;
  const auto body = [&](int fd) {
    if (request.content.kind == ContentKind::oval) {
      evaluate_oval(fd, target, request);
    } else {
      evaluate_xccdf(fd, target, request);
    }
  };
  const auto done_text = run_in_child(body, target.private_dir / "evaluate.log",
                                      [&](std::string_view kind, std::string_view payload) {
                                        if (kind == "retry") {
                                          rules_done = 0;
                                        }
                                        if (kind == "rule") {
                                          const auto tab = payload.find('\t');
                                          progress.rule_done(++rules_done, payload.substr(0, tab),
                                                             payload.substr(tab + 1));
                                        }
                                      });
  const auto done = nlohmann::json::parse(done_text);
  EvalOutcome outcome;
  outcome.profile_id = done.value("profile_id", "");
  outcome.profile_title = done.value("profile_title", "");
  outcome.results_file =
      request.results_dir / (request.content.kind == ContentKind::oval ? k_oval_results : k_arf);
  outcome.result_id = done.value("result_id", "");
  if (done.contains("skipped_rules")) {
    outcome.skipped_rules = done["skipped_rules"].get<std::vector<std::string>>();
  }
  outcome.container_marker = done.value("container_marker", "");
  outcome.seconds = done["seconds"].get<std::map<std::string, double>>();
  outcome.peak_rss_kb = done["peak_rss_kb"].get<std::map<std::string, long>>();
  return outcome;
}

namespace {

// The report child's own throwaway layer and log, named after its results directory, so that it
// can run beside an evaluation child.
Target report_target(const Target& target, const ReportRequest& request) {
  Target own = target;
  own.layer_dir =
      target.layer_dir.string() + "-report-" + request.html_file.parent_path().filename().string();
  return own;
}

}  // namespace

PendingReport::PendingReport(const Target& target, const ReportRequest& request) {
  const auto own = report_target(target, request);
  m_child = std::make_unique<Child>(
      [own, request](int fd) { generate_report(fd, own, request); },
      target.private_dir /
          ("report-" + request.html_file.parent_path().filename().string() + ".log"));
}

PendingReport::PendingReport(PendingReport&&) noexcept = default;
PendingReport::~PendingReport() = default;

ChildFigures PendingReport::finish() {
  const auto done =
      nlohmann::json::parse(m_child->finish([](std::string_view, std::string_view) {}));
  return {done["seconds"].get<std::map<std::string, double>>(),
          done["peak_rss_kb"].get<std::map<std::string, long>>()};
}

ChildFigures render_report(const Target& target, const ReportRequest& request) {
  return PendingReport(target, request).finish();
}

}  // namespace imgscap::scan
