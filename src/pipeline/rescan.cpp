// SPDX-License-Identifier: Apache-2.0
// A CVE feed evaluated again on what a scan kept of its image (kept.cpp) when only the feed
// changed: the kept files are the root of the evaluation (a directory target: a throwaway layer
// over them, as for dir: images), the stored rule results and their files stay, and the
// summary is rendered again with the new vulnerabilities.
#include "steps.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_reevaluated_note = "CVE feed evaluated again";

// The outputs of the scan that stay: every file but those rendered from the summary, the CVE
// results and the store's own (result.json, dot files).
bool stays(const fs::path& name) {
  const auto text = name.string();
  return !text.starts_with('.') && !rendered_from_summary(name) && !text.starts_with("cve-") &&
         text != "result.json";
}

scan::Target kept_target(const ScanOptions& options, const KeptPart& kept,
                         const rootfs::WorkDir& workdir, const util::Fd& root) {
  scan::Target target;
  target.rootfs = kept.root;
  target.private_dir = workdir.private_dir();
  target.layer_dir = workdir.layer_dir();
  target.staging_dir = workdir.staging_dir();
  target.isolated = !options.unsafe_no_sandbox;
  target.add_container_marker = !scan::find_container_marker(root);
  target.label = kept.label;
  target.env = kept.env;
  target.packages = scan::find_package_databases(root);
  if (target.packages.dpkg_architecture.empty()) {
    target.packages.dpkg_architecture = kept.dpkg_architecture;
  }
  return target;
}

// The stored summary with the new CVE scan; the rules' files copied into `dir`.
void carry_over(const fs::path& stored, const fs::path& dir, report::Summary& summary,
                std::vector<std::unique_ptr<util::AtomicFile>>& files) {
  for (const auto& entry : fs::directory_iterator(stored)) {
    if (entry.is_regular_file() && stays(entry.path().filename())) {
      files.push_back(std::make_unique<util::AtomicFile>(dir / entry.path().filename()));
      files.back()->write_file(entry.path());
    }
  }
  const auto moved = [&dir](std::map<std::string, std::string>& paths) {
    for (auto& [kind, path] : paths) {
      path = (dir / fs::path(path).filename()).string();
    }
  };
  std::erase_if(summary.files, [](const auto& kv) { return kv.first.starts_with("cve."); });
  moved(summary.files);
  for (auto& e : summary.evaluations) {
    moved(e.files);
  }
}

std::optional<report::Summary> stored_summary(const fs::path& stored) {
  const auto file = stored / "summary.json";
  try {
    return report::summary_from_json(nlohmann::json::parse(util::read_file(file)));
  } catch (const std::exception& e) {
    spdlog::info("{}: {}", file.string(), e.what());
    return std::nullopt;
  }
}

}  // namespace

std::optional<ScanOutcome> rescan_vulnerabilities(const ScanOptions& options,
                                                  const fs::path& stored, const fs::path& kept_dir,
                                                  util::Progress& progress) {
  const auto started = std::chrono::steady_clock::now();
  const auto started_at = util::utc_now();
  const auto kept = read_kept_part(kept_dir);
  if (!kept || options.unsafe_no_sandbox || options.cve == "off") {
    return std::nullopt;
  }
  auto summary = stored_summary(stored);
  if (!summary) {
    return std::nullopt;
  }
  const auto ns = enter_namespace(options);
  const auto workdir = make_workdir(options);
  const auto root = rootfs::open_root(kept->root);
  const auto os = scan::read_os_release(root);
  auto target = kept_target(options, *kept, workdir, root);
  scan::prepare_environment(target);
  progress.phase("checking package probes");
  const auto probes = check_probes(target, false);
  const auto cve = scan_vulnerabilities(options, os, target, workdir, probes, progress, &*kept);
  progress.finish();
  if (!cve.cannot_answer.empty()) {
    spdlog::info("the CVE feed is evaluated on the whole image: {}", cve.cannot_answer);
    return std::nullopt;
  }
  util::throw_if_interrupted();
  const auto dir = output_dir(options, image::parse_reference(options.image));
  std::vector<std::unique_ptr<util::AtomicFile>> files;
  std::vector<fs::path> results_files;
  for (const auto& e : summary->evaluations) {
    for (const auto& [kind, path] : e.files) {
      if (kind == "arf" || kind == "oval_results") {
        results_files.push_back(stored / fs::path(path).filename());
      }
    }
  }
  carry_over(stored, dir, *summary, files);
  summary->vulnerabilities = cve.scan;
  record_waivers(options, image_waivers(options, summary->image), *summary);
  auto& timings = summary->timings;
  auto& peak = summary->peak_rss_kb;
  std::erase_if(timings, [](const auto& kv) { return kv.first.starts_with("cve_"); });
  std::erase_if(peak, [](const auto& kv) { return kv.first.starts_with("cve_"); });
  for (const auto& [phase, seconds] : cve.figures.seconds) {
    timings["cve_" + phase] = seconds;
  }
  for (const auto& [phase, kb] : cve.figures.peak_rss_kb) {
    peak["cve_" + phase] = kb;
  }
  timings["cve_reevaluation_total"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary->started_at = started_at;
  summary->finished_at = util::utc_now();
  auto& notes = summary->notes;
  std::erase_if(notes,
                [](const std::string& note) { return note.starts_with(k_reevaluated_note); });
  notes.push_back(fmt::format(
      "{} {} on the package databases and release files kept from the image; the rules' "
      "results are from the scan of the image",
      k_reevaluated_note, util::utc_now()));
  auto json_text = commit_outputs(dir, files, cve, *summary, results_files);
  ScanOutcome outcome{std::move(*summary), std::move(json_text), std::nullopt, {}};
  if (options.attach) {
    attach(options, dir, outcome);
  }
  return outcome;
}

}  // namespace imgscap::pipeline
