// SPDX-License-Identifier: Apache-2.0
// The scan pipeline: resolve the image, unpack its layers into a private root inside the user
// namespace, evaluate each content in the sandbox, and write the results atomically. The steps
// are in unpack.cpp, content.cpp, evaluate.cpp, cve.cpp and outputs.cpp.
#include "steps.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/sandbox/sandbox.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/phase_clock.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

// Phases summed over the evaluations (memory: the highest), beside unpack and probe_check.
void add_figures(report::Summary& summary, const std::vector<EvaluatedContent>& evaluated) {
  for (const auto& one : evaluated) {
    for (const auto& figures :
         {scan::ChildFigures{one.outcome.seconds, one.outcome.peak_rss_kb}, one.report_figures}) {
      for (const auto& [phase, seconds] : figures.seconds) {
        summary.timings[phase] += seconds;
      }
      for (const auto& [phase, kb] : figures.peak_rss_kb) {
        summary.peak_rss_kb[phase] = std::max(summary.peak_rss_kb[phase], kb);
      }
    }
  }
}

// The kept part is an optimisation: an image it cannot be made for is scanned again when its
// feed changes.
void keep_for_later_feeds(const util::Fd& root, const ScannedFeed& cve, const scan::Target& target,
                          const fs::path& dir) {
  try {
    keep_feed_inputs(root, cve.file_needs, target, dir);
  } catch (const std::exception& e) {  // also filesystem_error (a name too long to copy)
    spdlog::info("nothing kept for later CVE feeds: {}", e.what());
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
}

}  // namespace

fs::path outputs_of(const report::Summary& summary) {
  return fs::path(summary.files.at("summary_json")).parent_path();
}

void check_scan_options_except_image(const ScanOptions& options) {
  explicit_contents(options);
  check_cve_option(options);
  if (options.tailoring_file && !fs::is_regular_file(*options.tailoring_file)) {
    fail("tailoring file {}: no such file", options.tailoring_file->string());
  }
}

void check_scan_options(const ScanOptions& options) {
  check_scan_options_except_image(options);
  const auto reference = image::parse_reference(options.image);
  if (options.attach && reference.transport != image::Transport::registry) {
    fail(
        "--attach pushes the results beside the image in its registry: it needs a docker:// "
        "image, not {}",
        image::transport_name(reference.transport));
  }
  if (reference.transport == image::Transport::dir && options.unsafe_no_sandbox) {
    fail(
        "dir: cannot be scanned with --unsafe-no-sandbox: without the throwaway layer the "
        "evaluation would write into {}",
        reference.path.string());
  }
}

ScanOutcome scan_image(const ScanOptions& options, util::Progress& progress) {
  const auto started = std::chrono::steady_clock::now();
  const auto started_at = util::utc_now();
  util::PhaseClock clock;
  check_scan_options(options);
  const auto explicit_files = explicit_contents(options);
  const auto reference = image::parse_reference(options.image);
  const bool is_dir = reference.transport == image::Transport::dir;
  clock.start();
  auto source = image::Source::open(reference, options.source);
  const auto img = source->resolve();
  const auto ns = enter_namespace(options);
  auto workdir = make_workdir(options);
  const auto rootfs_path = is_dir ? fs::absolute(reference.path) : workdir.rootfs();
  auto memory_root = is_dir ? std::nullopt : memory_root_for(options, ns, workdir);
  auto unpacked = is_dir ? walk_directory(rootfs_path)
                         : unpack(*source, img, rootfs_path, memory_root, ns, progress);
  const auto root = rootfs::open_root(rootfs_path);
  clock.stop("unpack");

  util::throw_if_interrupted();
  const auto os = scan::read_os_release(root);
  const auto plan = plan_contents(options, explicit_files, os);
  auto target = make_target(options, reference, img, workdir, rootfs_path, root);
  if (target.config_facts) {
    (*target.config_facts)["special_files"] = special_files_fact(unpacked.skipped);
  }
  target.file_facts = unpacked.file_facts.files();
  scan::prepare_environment(target);

  clock.start();
  progress.phase("checking package probes");
  const bool chroot_refused = !target.isolated && !sandbox::can_chroot();
  const auto probes = check_probes(target, chroot_refused);
  const auto& broken = probes.broken;
  clock.stop("probe_check");

  report::Summary summary;
  summary.image = image_facts(reference, img);
  const auto waivers = image_waivers(options, summary.image);
  std::vector<EvaluatedContent> evaluated;
  for (const auto& planned : plan.contents) {
    evaluated.push_back(evaluate_content(target, planned, workdir.results_dir() / planned.name,
                                         broken, chroot_refused, waivers, progress));
    summary.evaluations.push_back(evaluated.back().evaluation);
    const auto& rules = evaluated.back().results.rules;
    summary.results.rules.insert(summary.results.rules.end(), rules.begin(), rules.end());
  }
  const auto cve = scan_vulnerabilities(options, os, target, workdir, probes, progress);
  if (options.kept_dir && !cve.results_file.empty()) {
    keep_for_later_feeds(root, cve, target, *options.kept_dir);
  }
  finish_reports(evaluated, progress);
  progress.finish();
  summary.vulnerabilities = cve.scan;
  record_waivers(options, waivers, summary);

  if (os) {
    summary.os = {true, os->id, os->version_id, os->pretty_name};
  }
  summary.content_notes = plan.notes;
  summary.target_label = target.label;
  summary.container_marker =
      evaluated.empty() ? std::string() : evaluated.front().outcome.container_marker;
  summary.container_marker_origin = target.add_container_marker ? "imgscap" : "image";
  summary.sandbox = sandbox_facts(ns, is_dir);
  summary.fail_on = options.fail_on;
  add_notes(summary, unpacked, ns, broken);
  summary.timings = clock.seconds();
  summary.peak_rss_kb = clock.peak_rss_kb();
  add_figures(summary, evaluated);
  for (const auto& [phase, seconds] : cve.figures.seconds) {
    summary.timings["cve_" + phase] = seconds;
  }
  for (const auto& [phase, kb] : cve.figures.peak_rss_kb) {
    summary.peak_rss_kb["cve_" + phase] = kb;
  }
  summary.started_at = started_at;
  summary.finished_at = util::utc_now();
  summary.timings["total"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto json_text = write_outputs(options, reference, evaluated, cve, summary);
  ScanOutcome outcome{std::move(summary), std::move(json_text), std::nullopt, {}};
  if (options.attach) {
    attach(options, outputs_of(outcome.summary), outcome);
  }
  return outcome;
}

}  // namespace imgscap::pipeline
