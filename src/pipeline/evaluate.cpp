// SPDX-License-Identifier: Apache-2.0
// Scan steps that evaluate: the evaluation target, which probes cannot be trusted, and one
// content's evaluation with its corrected results and HTML report.
#include "steps.hpp"

#include <imgscap/report/checks.hpp>
#include <imgscap/report/results.hpp>
#include <imgscap/sandbox/sandbox.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/text.hpp>

#include <algorithm>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_chroot_refused =
    "chroot(2) is not permitted (no CAP_SYS_CHROOT, and --unsafe-no-sandbox gives no user "
    "namespace); OpenSCAP would abort";

// What the results name as evaluated: the image's name pinned to its manifest digest
// ("debian:11@sha256:..."), or for a docker-archive (which keeps no manifest) its config digest,
// the image ID; a directory by its reference.
std::string target_label(const image::Reference& reference, const image::Image& img) {
  const auto name = img.names.empty() ? reference.text : img.names.front();
  if (reference.transport == image::Transport::dir) {
    return name;
  }
  if (img.manifest_digest) {
    return name + "@" + img.manifest_digest->str();
  }
  return fmt::format("{} (image ID {})", name, img.config_digest.str());
}

// Rules whose probes would abort the evaluation (a chroot-mode probe without the right to
// chroot). Plain OVAL content cannot skip definitions: an error then.
std::vector<std::string> rules_to_skip(const scan::Content& content, bool chroot_refused) {
  if (!chroot_refused) {
    return {};
  }
  std::vector<std::string> skip;
  for (const auto& [rule, checks] : report::read_content_checks(content.path)) {
    if (std::any_of(checks.probes.begin(), checks.probes.end(), report::is_chroot_probe)) {
      skip.push_back(rule);
    }
  }
  if (!skip.empty() && content.kind == scan::ContentKind::oval) {
    fail(
        "{} OVAL definitions need chroot(2), which is not permitted here (no CAP_SYS_CHROOT, "
        "and --unsafe-no-sandbox gives no user namespace): run without --unsafe-no-sandbox "
        "or as root",
        skip.size());
  }
  return skip;
}

// Reads the results back, applies imgscap's corrections (skipped and broken-probe rules become
// errors, runtime-only rules not applicable) to them and to the results file.
report::Results corrected_results(const scan::EvalOutcome& outcome, scan::ContentKind kind,
                                  const report::BrokenProbes& broken, const std::string& label,
                                  const report::ImageWaivers& waivers) {
  report::ResultsFile file(outcome.results_file, kind == scan::ContentKind::oval
                                                     ? report::ResultsKind::oval
                                                     : report::ResultsKind::arf);
  file.set_target(label);
  const auto checks = file.checks();
  const auto skipped_reason =
      fmt::format("not evaluated: its checks need chroot(2): {}", k_chroot_refused);
  for (const auto& rule : outcome.skipped_rules) {
    file.set_result(rule, "error", skipped_reason);
  }
  auto results = file.results();
  for (auto& rule : results.rules) {
    if (std::find(outcome.skipped_rules.begin(), outcome.skipped_rules.end(), rule.id) !=
        outcome.skipped_rules.end()) {
      rule.reason = skipped_reason;
    }
  }
  for (const auto& change : report::apply_findings(results, checks, broken)) {
    file.set_result(change.id, change.result, change.message);
  }
  const auto now = util::utc_now();
  for (const auto& rule : report::waive_rules(results.rules, waivers)) {
    const auto& w = *rule.waiver;
    file.add_override(rule.id, "pass", w.owner.empty() ? "imgscap --waivers" : w.owner,
                      fmt::format("{} (waiver {}, expires {})", w.reason, w.id, w.expires), now);
  }
  file.save();
  return results;
}

}  // namespace

void finish_reports(std::vector<EvaluatedContent>& evaluated, util::Progress& progress) {
  progress.phase("writing the HTML reports");
  for (auto& one : evaluated) {
    if (one.pending_report) {
      one.report_figures = one.pending_report->finish();
      one.pending_report.reset();
    }
  }
}

scan::Target make_target(const ScanOptions& options, const image::Reference& reference,
                         const image::Image& img, const rootfs::WorkDir& workdir,
                         const fs::path& rootfs_path, const util::Fd& root) {
  scan::Target target;
  target.rootfs = rootfs_path;
  target.private_dir = workdir.private_dir();
  target.layer_dir = workdir.layer_dir();
  target.staging_dir = workdir.staging_dir();
  target.isolated = !options.unsafe_no_sandbox;
  target.add_container_marker = !scan::find_container_marker(root);
  target.label = target_label(reference, img);
  target.env = img.config.env;
  if (reference.transport != image::Transport::dir) {
    target.config_facts = scan::config_facts(img.config);
  }
  target.packages = scan::find_package_databases(root);
  if (target.packages.dpkg_architecture.empty()) {
    target.packages.dpkg_architecture =
        scan::dpkg_architecture_for(img.config.architecture, img.config.variant);
  }
  return target;
}

ProbeHealth check_probes(scan::Target& target, bool chroot_refused) {
  ProbeHealth health;
  auto& broken = health.broken;
  auto rpm_problem = scan::prepare_rpm_database(target);
  auto checked = target;
  if (chroot_refused) {
    checked.packages.rpm = scan::RpmBackend::none;  // the rpminfo probe would abort
  }
  const auto problems = scan::check_package_probes(checked);
  if (rpm_problem.empty()) {
    rpm_problem = problems.rpm;
  }
  if (!target.packages.dpkg_problem.empty()) {
    broken["dpkginfo"] = target.packages.dpkg_problem;
  } else if (!problems.dpkg.empty()) {
    broken["dpkginfo"] = problems.dpkg;
  }
  if (!rpm_problem.empty()) {
    for (const auto& kind : report::rpm_probe_kinds()) {
      broken[kind] = rpm_problem;
    }
  }
  if (chroot_refused) {
    for (const auto& kind : report::chroot_probe_kinds()) {
      broken.emplace(kind, k_chroot_refused);
    }
  }
  if (rpm_problem.empty() && !chroot_refused) {
    health.rpm_packages = problems.rpm_packages;
  }
  return health;
}

EvaluatedContent evaluate_content(const scan::Target& target, const scan::PlannedContent& planned,
                                  const fs::path& results_dir, const report::BrokenProbes& broken,
                                  bool chroot_refused, const report::ImageWaivers& waivers,
                                  util::Progress& progress) {
  const auto content = scan::detect_content(planned.path);
  fs::create_directories(results_dir);
  progress.phase("evaluating " + planned.name);
  scan::EvalRequest request{content, planned.profile, planned.tailoring_file, results_dir,
                            rules_to_skip(content, chroot_refused)};
  EvaluatedContent evaluated;
  evaluated.kind = content.kind;
  evaluated.outcome = scan::evaluate(target, request, progress);
  evaluated.results_file = evaluated.outcome.results_file;
  evaluated.results =
      corrected_results(evaluated.outcome, content.kind, broken, target.label, waivers);
  for (auto& rule : evaluated.results.rules) {
    rule.evaluation = planned.name;
  }
  evaluated.report_file = results_dir / "report.html";
  evaluated.pending_report.emplace(
      target, scan::ReportRequest{evaluated.results_file, content.kind, evaluated.outcome.result_id,
                                  evaluated.outcome.profile_id, evaluated.report_file});

  auto& e = evaluated.evaluation;
  e.name = planned.name;
  e.content_path = content.path.string();
  e.content_kind = std::string(scan::content_kind_name(content.kind));
  e.content_sha256 = content.sha256.hex();
  e.reason = planned.reason;
  e.profile_id = evaluated.outcome.profile_id;
  e.profile_title = evaluated.outcome.profile_title;
  e.tailoring_file = planned.tailoring_file ? fs::absolute(*planned.tailoring_file).string() : "";
  e.test_result_id = evaluated.results.test_result_id;
  e.counts = evaluated.results.counts();
  e.timings = evaluated.outcome.seconds;
  e.timings.insert(evaluated.report_figures.seconds.begin(),
                   evaluated.report_figures.seconds.end());
  return evaluated;
}

}  // namespace imgscap::pipeline
