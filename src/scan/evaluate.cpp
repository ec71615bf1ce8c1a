// SPDX-License-Identifier: Apache-2.0
// The evaluation environment and the libopenscap calls made inside the evaluation child.
#include "child.hpp"

#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/phase_clock.hpp>

#include "oscap_headers.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_product_cpe = "cpe:/a:imgscap:imgscap:" IMGSCAP_VERSION;
constexpr const char* k_canary_def_dpkg = "oval:imgscap.probecheck:def:1";
constexpr const char* k_canary_def_rpm = "oval:imgscap.probecheck:def:2";

struct XccdfSessionFree {
  void operator()(xccdf_session* session) const noexcept { xccdf_session_free(session); }
};
struct OvalSessionFree {
  void operator()(oval_session* session) const noexcept { oval_session_free(session); }
};
using XccdfSessionPtr = std::unique_ptr<xccdf_session, XccdfSessionFree>;
using OvalSessionPtr = std::unique_ptr<oval_session, OvalSessionFree>;

// libopenscap's pending error for this thread, or `fallback`.
std::string oscap_error_text(std::string_view fallback) {
  if (oscap_err()) {
    char* text = oscap_err_get_full_error();
    std::string message = text != nullptr ? text : std::string(fallback);
    std::free(text);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    return message;
  }
  return std::string(fallback);
}

[[noreturn]] void fail_oscap(std::string_view what) {
  throw Error(fmt::format("{}: {}", what, oscap_error_text("libopenscap gave no reason")));
}

void write_text(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    fail("cannot write {}", path.string());
  }
}

fs::path apt_config_path(const Target& target) { return target.private_dir / "apt.conf"; }
fs::path home_path(const Target& target) { return target.private_dir / "home"; }

// A Dir::Cache under the root that cannot exist there, so apt keeps its caches in memory.
std::string unreachable_cache_dir() {
  std::random_device random;
  return fmt::format("/nonexistent-imgscap-{:08x}{:08x}/cache", random(), random());
}

std::string apt_configuration(const Target& target) {
  const auto& arch = target.packages.dpkg_architecture;
  const auto empty_parts = (target.private_dir / "apt.conf.d").string();
  std::string text;
  text += fmt::format("Dir::Etc::Parts \"{}\";\n", empty_parts);
  text += "Dir::Etc::main \"/dev/null\";\n";
  text += "Dir::Etc::SourceList \"/nonexistent-imgscap/sources.list\";\n";
  text += "Dir::Etc::SourceParts \"/nonexistent-imgscap/sources.list.d\";\n";
  text += fmt::format("Dir::Cache \"{}\";\n", unreachable_cache_dir());
  if (!arch.empty()) {
    text +=
        fmt::format("APT::Architecture \"{}\";\nAPT::Architectures {{ \"{}\"; }};\n", arch, arch);
  }
  return text;
}

std::string join_env(const std::vector<std::string>& env) {
  std::string joined;
  for (const auto& entry : env) {
    if (entry.find('\n') != std::string::npos) {
      continue;  // cannot be represented in OSCAP_CONTAINER_VARS
    }
    joined += entry;
    joined.push_back('\n');
  }
  // An empty value makes the probe fall back to <root>/proc, which an image has not: an error
  // for every environment rule. A lone newline means "no variables".
  return joined.empty() ? std::string("\n") : joined;
}

// Runs in the child: the process environment libopenscap reads.
void enter_environment(const Target& target) {
  ::setenv("OSCAP_PROBE_ROOT", target.rootfs.c_str(), 1);
  ::setenv("OSCAP_EVALUATION_TARGET", target.label.c_str(), 1);
  ::setenv("OSCAP_CONTAINER_VARS", join_env(target.env).c_str(), 1);
  ::setenv("APT_CONFIG", apt_config_path(target).c_str(), 1);
  ::setenv("HOME", home_path(target).c_str(), 1);
  ::setenv("TMPDIR", (target.private_dir / "tmp").c_str(), 1);
  ::unsetenv("OSCAP_FULL_VALIDATION");
  oscap_init();
}

// The child's last message: what it produced, with time and peak memory per phase.
void send_done(int fd, nlohmann::json& done, const util::PhaseClock& clock) {
  done["seconds"] = clock.seconds();
  done["peak_rss_kb"] = clock.peak_rss_kb();
  send_line(fd, "done", done.dump());
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

void generate_report(const fs::path& xml, const char* stylesheet, const fs::path& html,
                     const std::vector<const char*>& params) {
  std::vector<const char*> list = params;
  list.push_back(nullptr);
  if (oscap_apply_xslt(xml.c_str(), stylesheet, html.c_str(), list.data()) < 0 ||
      !fs::exists(html)) {
    fail_oscap("cannot generate the HTML report");
  }
}

void evaluate_xccdf(int fd, const Target& target, const EvalRequest& request) {
  enter_environment(target);
  nlohmann::json done;
  util::PhaseClock clock;
  XccdfSessionPtr session(xccdf_session_new(request.content.path.c_str()));
  if (!session) {
    fail_oscap(fmt::format("cannot open content {}", request.content.path.string()));
  }
  xccdf_session_set_validation(session.get(), true, false);
  if (request.tailoring_file) {
    xccdf_session_set_user_tailoring_file(session.get(), request.tailoring_file->c_str());
  }
  xccdf_session_set_product_cpe(session.get(), k_product_cpe);
  if (xccdf_session_load(session.get()) != 0) {
    fail_oscap(fmt::format("cannot load content {}", request.content.path.string()));
  }
  select_profile(session.get(), request.profile);
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
  const auto arf = request.results_dir / "arf.xml";
  xccdf_session_set_arf_export(session.get(), arf.c_str());
  if (xccdf_session_export_oval(session.get()) != 0) {
    fail_oscap("cannot export OVAL results");
  }
  const char* result_id_c = xccdf_session_get_result_id(session.get());
  const std::string result_id = result_id_c != nullptr ? result_id_c : "";
  const std::string profile_id = done["profile_id"];
  if (xccdf_session_export_all(session.get()) != 0 || !fs::exists(arf)) {
    fail_oscap("cannot write the ARF results");
  }
  session.reset();
  clock.stop("arf");

  clock.start();
  const auto html = request.results_dir / "report.html";
  generate_report(arf, "xccdf-report.xsl", html,
                  {"result-id", result_id.c_str(), "show", "", "profile", profile_id.c_str(),
                   "oval-template", "", "sce-template", "", "verbosity", ""});
  clock.stop("html");
  done["results_file"] = arf.string();
  done["report_file"] = html.string();
  send_done(fd, done, clock);
}

void evaluate_oval(int fd, const Target& target, const EvalRequest& request) {
  enter_environment(target);
  nlohmann::json done;
  util::PhaseClock clock;
  OvalSessionPtr session(oval_session_new(request.content.path.c_str()));
  if (!session) {
    fail_oscap(fmt::format("cannot open content {}", request.content.path.string()));
  }
  oval_session_set_validation(session.get(), true, false);
  const auto results = request.results_dir / "oval-results.xml";
  const auto html = request.results_dir / "report.html";
  oval_session_set_results_export(session.get(), results.c_str());
  oval_session_set_report_export(session.get(), html.c_str());
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
  if (oval_session_export(session.get()) != 0 || !fs::exists(results) || !fs::exists(html)) {
    fail_oscap("cannot write the OVAL results and report");
  }
  clock.stop("results");
  done["profile_id"] = "";
  done["profile_title"] = "";
  done["results_file"] = results.string();
  done["report_file"] = html.string();
  send_done(fd, done, clock);
}

std::string canary_definitions(const PackageDatabases& packages) {
  std::string definitions;
  std::string tests;
  std::string objects;
  if (!packages.dpkg_probe_package.empty()) {
    definitions += fmt::format(
        R"(<definition class="inventory" id="{}" version="1"><metadata><title>dpkg database readable</title><description>imgscap probe check</description></metadata><criteria><criterion test_ref="oval:imgscap.probecheck:tst:1"/></criteria></definition>)",
        k_canary_def_dpkg);
    tests +=
        R"(<linux:dpkginfo_test check="all" check_existence="at_least_one_exists" id="oval:imgscap.probecheck:tst:1" version="1" comment="package installed"><linux:object object_ref="oval:imgscap.probecheck:obj:1"/></linux:dpkginfo_test>)";
    objects += fmt::format(
        R"(<linux:dpkginfo_object id="oval:imgscap.probecheck:obj:1" version="1"><linux:name>{}</linux:name></linux:dpkginfo_object>)",
        packages.dpkg_probe_package);
  }
  std::string variables;
  if (packages.rpm == RpmBackend::sqlite || packages.rpm == RpmBackend::bdb) {
    // Listing works without the database's indexes but lookups by name (what CVE content
    // does) do not, so look every listed name up again by name.
    definitions += fmt::format(
        R"(<definition class="inventory" id="{}" version="1"><metadata><title>rpm database readable</title><description>imgscap probe check</description></metadata><criteria><criterion test_ref="oval:imgscap.probecheck:tst:2"/><criterion test_ref="oval:imgscap.probecheck:tst:3"/></criteria></definition>)",
        k_canary_def_rpm);
    tests +=
        R"(<linux:rpminfo_test check="all" check_existence="at_least_one_exists" id="oval:imgscap.probecheck:tst:2" version="1" comment="packages listed"><linux:object object_ref="oval:imgscap.probecheck:obj:2"/></linux:rpminfo_test>)"
        R"(<linux:rpminfo_test check="all" check_existence="at_least_one_exists" id="oval:imgscap.probecheck:tst:3" version="1" comment="listed packages found by name"><linux:object object_ref="oval:imgscap.probecheck:obj:3"/></linux:rpminfo_test>)";
    objects +=
        R"(<linux:rpminfo_object id="oval:imgscap.probecheck:obj:2" version="1"><linux:name operation="pattern match">.</linux:name></linux:rpminfo_object>)"
        R"(<linux:rpminfo_object id="oval:imgscap.probecheck:obj:3" version="1"><linux:name var_ref="oval:imgscap.probecheck:var:1" var_check="at least one"/></linux:rpminfo_object>)";
    variables +=
        R"(<local_variable id="oval:imgscap.probecheck:var:1" datatype="string" version="1" comment="listed names"><object_component item_field="name" object_ref="oval:imgscap.probecheck:obj:2"/></local_variable>)";
  }
  return fmt::format(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
<generator><oval:product_name>imgscap</oval:product_name><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
<definitions>{}</definitions><tests>{}</tests><objects>{}</objects>{}
</oval_definitions>
)",
      definitions, tests, objects,
      variables.empty() ? std::string() : "<variables>" + variables + "</variables>");
}

void run_canary(int fd, const Target& target, const fs::path& file,
                const std::vector<const char*>& ids) {
  enter_environment(target);
  OvalSessionPtr session(oval_session_new(file.c_str()));
  if (!session || oval_session_load(session.get()) != 0) {
    fail_oscap("cannot load the package probe check");
  }
  nlohmann::json done;
  for (const char* id : ids) {
    oval_result_t result = OVAL_RESULT_NOT_EVALUATED;
    if (oval_session_evaluate_id(session.get(), id, &result) == 0) {
      done[id] = oval_result_get_text(result);
    }
  }
  send_line(fd, "done", done.dump());
}

void check_canary_result(const nlohmann::json& results, const char* id, std::string_view what) {
  if (!results.contains(id)) {
    fail("the {} could not be checked: the probe check was not evaluated", what);
  }
  const std::string result = results[id];
  if (result != "true") {
    fail(
        "the OpenSCAP package probe cannot read the {} (probe check result: {}); package "
        "rules would silently report every package as not installed",
        what, result);
  }
}

}  // namespace

void prepare_environment(const Target& target) {
  fs::create_directories(target.private_dir / "apt.conf.d");
  fs::create_directories(home_path(target));
  fs::create_directories(target.private_dir / "tmp");
  write_text(apt_config_path(target), apt_configuration(target));
  write_text(home_path(target) / ".rpmmacros", "%_dbpath /var/lib/rpm\n");
}

void check_package_probes(const Target& target) {
  const auto& packages = target.packages;
  if (packages.rpm == RpmBackend::ndb) {
    fail(
        "the image's rpm database (var/lib/rpm/Packages.db, ndb format) cannot be read by "
        "this host's librpm; package rules cannot be evaluated");
  }
  const bool dpkg = !packages.dpkg_probe_package.empty();
  const bool rpm = packages.rpm != RpmBackend::none;
  if (!dpkg && !rpm) {
    return;
  }
  const auto file = target.private_dir / "probe-check.xml";
  write_text(file, canary_definitions(packages));
  std::vector<const char*> ids;
  if (dpkg) {
    ids.push_back(k_canary_def_dpkg);
  }
  if (rpm) {
    ids.push_back(k_canary_def_rpm);
  }
  const auto done = run_in_child([&](int fd) { run_canary(fd, target, file, ids); },
                                 target.private_dir / "probe-check.log",
                                 [](std::string_view, std::string_view) {});
  const auto results = nlohmann::json::parse(done);
  if (dpkg) {
    check_canary_result(results, k_canary_def_dpkg, "dpkg database (var/lib/dpkg/status)");
  }
  if (rpm) {
    check_canary_result(
        results, k_canary_def_rpm,
        fmt::format("rpm database (var/lib/rpm, {})", rpm_backend_name(packages.rpm)));
  }
}

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
  outcome.results_file = done.value("results_file", "");
  outcome.report_file = done.value("report_file", "");
  outcome.seconds = done["seconds"].get<std::map<std::string, double>>();
  outcome.peak_rss_kb = done["peak_rss_kb"].get<std::map<std::string, long>>();
  return outcome;
}

}  // namespace imgscap::scan
