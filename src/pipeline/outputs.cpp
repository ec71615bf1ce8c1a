// SPDX-License-Identifier: Apache-2.0
// Scan steps after evaluation: the summary's facts and notes, the output files (written
// atomically).
#include "steps.hpp"

#include <imgscap/report/formats.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/signals.hpp>

#include <memory>
#include <ostream>
#include <set>
#include <tuple>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

// Text from an image (os-release, file names, probe messages) may not be UTF-8: JSON outputs
// carry U+FFFD in its place rather than fail the scan.
constexpr auto k_replace = nlohmann::json::error_handler_t::replace;

constexpr const char* k_sarif = "results.sarif";
constexpr const char* k_junit = "junit.xml";
constexpr const char* k_gitlab = "gl-container-scanning-report.json";

// The documentation of the rules SARIF shows (those that failed or errored).
report::RuleDocs problem_docs(const report::Summary& summary,
                              const std::vector<fs::path>& results_files) {
  std::set<std::string> ids;
  for (const auto& rule : summary.problems()) {
    ids.insert(rule.id);
  }
  report::RuleDocs docs;
  for (const auto& file : results_files) {
    docs.merge(report::read_rule_docs(file, ids));
  }
  return docs;
}

std::string skipped_note(const std::vector<rootfs::SkippedEntry>& skipped) {
  std::vector<std::string> shown;
  for (std::size_t i = 0; i < skipped.size() && i < 5; ++i) {
    shown.push_back(fmt::format("/{} ({})", skipped[i].path, skipped[i].kind));
  }
  return fmt::format("{} special file{} declared by the image not created: {}{}", skipped.size(),
                     skipped.size() == 1 ? "" : "s", fmt::join(shown, ", "),
                     skipped.size() > 5 ? ", ..." : "");
}

}  // namespace

fs::path output_dir(const ScanOptions& options, const image::Reference& reference) {
  fs::path dir = options.output_dir ? *options.output_dir : fs::path(reference.output_name());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    fail("cannot create the output directory {}: {}", dir.string(), ec.message());
  }
  return fs::absolute(dir);
}

report::ImageFacts image_facts(const image::Reference& reference, const image::Image& img) {
  report::ImageFacts facts;
  facts.reference = reference.text;
  facts.transport = std::string(image::transport_name(reference.transport));
  facts.names = img.names;
  facts.manifest_digest = img.manifest_digest ? img.manifest_digest->str() : "";
  facts.platform = img.platform;
  if (reference.name) {
    facts.registry = reference.name->registry;
    facts.repository = reference.name->repository;
    facts.tag = reference.name->tag;
  }
  facts.config_digest = reference.transport == image::Transport::dir ? "" : img.config_digest.str();
  facts.architecture = img.config.architecture;
  facts.os = img.config.os;
  facts.user = img.config.user;
  for (const auto& layer : img.layers) {
    facts.layers.push_back({layer.digest.str(), layer.diff_id.str(), layer.size,
                            std::string(image::compression_name(layer.compression))});
  }
  return facts;
}

report::ImageWaivers image_waivers(const ScanOptions& options, const report::ImageFacts& image) {
  if (!options.waivers) {
    return {};
  }
  return {*options.waivers, image, report::utc_today()};
}

void record_waivers(const ScanOptions& options, const report::ImageWaivers& waivers,
                    report::Summary& summary) {
  if (!options.waivers) {
    return;
  }
  auto& cve = summary.vulnerabilities.results;
  report::waive_vulnerabilities(cve, waivers);
  summary.waivers_file = options.waivers->file;
  summary.waivers = waivers.uses(summary.results.rules, cve.found, cve.not_evaluated);
}

report::SandboxFacts sandbox_facts(const std::optional<sandbox::UserNamespace>& ns, bool is_dir) {
  if (!ns) {
    return {false, "none (--unsafe-no-sandbox): the probes saw the host", true, ""};
  }
  if (is_dir && ns->map != sandbox::IdMap::identity) {
    return {true, ns->description, false,
            "a directory scanned without root: its files owned by you appear as root"};
  }
  return {true, ns->description, ns->keeps_ownership(), ns->limitation};
}

void add_notes(report::Summary& summary, const Unpacked& unpacked,
               const std::optional<sandbox::UserNamespace>& ns,
               const report::BrokenProbes& broken) {
  if (!unpacked.skipped.empty()) {
    summary.notes.push_back(skipped_note(unpacked.skipped));
  }
  summary.notes.insert(summary.notes.end(), unpacked.notes.begin(), unpacked.notes.end());
  if (unpacked.unmapped_owners > 0) {
    summary.notes.push_back(fmt::format(
        "{} files have owners beyond the {} ids this user namespace maps; they belong to root "
        "in the scanned tree",
        unpacked.unmapped_owners, ns ? ns->mapped_ids : 0));
  }
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const auto& [probe, reason] : broken) {
    by_reason[reason].push_back(probe);
  }
  for (const auto& [reason, probes] : by_reason) {
    summary.notes.push_back(
        fmt::format("{} probes cannot be trusted: {}; rules using them are reported as errors",
                    fmt::join(probes, "/"), reason));
  }
  const bool plain_xccdf =
      std::any_of(summary.evaluations.begin(), summary.evaluations.end(),
                  [](const report::Evaluation& e) { return e.content_kind == "XCCDF benchmark"; });
  if (const auto counts = summary.results.counts();
      !counts.contains("pass") && !counts.contains("fail") && !counts.contains("error")) {
    summary.notes.push_back(fmt::format(
        "no evaluated rule applied to this image, so the verdict says nothing about it{}",
        plain_xccdf ? " (a plain XCCDF benchmark judges platforms only with its CPE dictionary: "
                      "use the source datastream)"
                    : ""));
  }
}

bool rendered_from_summary(const fs::path& name) {
  const auto text = name.string();
  return text.starts_with("summary.") || text == k_sarif || text == k_junit || text == k_gitlab;
}

std::string commit_outputs(const fs::path& dir,
                           std::vector<std::unique_ptr<util::AtomicFile>>& files,
                           const ScannedFeed& cve, report::Summary& summary,
                           const std::vector<fs::path>& results_files) {
  if (!cve.results_file.empty()) {
    for (const auto& [kind, source, name] :
         {std::tuple{"oval_results", cve.results_file, "cve-oval-results.xml"},
          std::tuple{"report", cve.report_file, "cve-report.html"}}) {
      auto* file = files.emplace_back(std::make_unique<util::AtomicFile>(dir / name)).get();
      file->write_file(source);
      summary.vulnerabilities.files[kind] = file->destination().string();
      summary.files[std::string("cve.") + kind] = file->destination().string();
    }
  }
  const auto add = [&](const char* kind, const char* name) {
    auto* file = files.emplace_back(std::make_unique<util::AtomicFile>(dir / name)).get();
    summary.files[kind] = file->destination().string();
    return file;
  };
  auto* text = add("summary_text", "summary.txt");
  auto* json = add("summary_json", "summary.json");
  auto* sarif = add("sarif", k_sarif);
  auto* junit = add("junit", k_junit);
  auto* gitlab = summary.vulnerabilities.status == "off" ? nullptr : add("gitlab", k_gitlab);
  const auto json_text = report::to_json(summary).dump(2, ' ', false, k_replace);
  text->write(report::render_text(summary));
  json->write(json_text + "\n");
  sarif->write(report::to_sarif(summary, problem_docs(summary, results_files))
                   .dump(2, ' ', false, k_replace) +
               "\n");
  junit->write(report::to_junit(summary));
  if (gitlab != nullptr) {
    gitlab->write(report::to_gitlab_container_scanning(summary).dump(2, ' ', false, k_replace) +
                  "\n");
  }
  util::throw_if_interrupted();
  for (auto& file : files) {
    file->commit();
  }
  return json_text;
}

std::string write_outputs(const ScanOptions& options, const image::Reference& reference,
                          const std::vector<EvaluatedContent>& evaluated, const ScannedFeed& cve,
                          report::Summary& summary) {
  util::throw_if_interrupted();
  const auto dir = output_dir(options, reference);
  const bool plain = plain_file_names(options);
  std::vector<std::unique_ptr<util::AtomicFile>> files;
  for (std::size_t i = 0; i < evaluated.size(); ++i) {
    const auto& one = evaluated[i];
    const auto prefix = plain ? std::string() : one.evaluation.name + "-";
    const bool oval = one.kind == scan::ContentKind::oval;
    const auto results_kind = oval ? "oval_results" : "arf";
    const auto results_name = prefix + (oval ? "oval-results.xml" : "arf.xml");
    // Pointers, not references into `files`: it grows.
    auto* results =
        files.emplace_back(std::make_unique<util::AtomicFile>(dir / results_name)).get();
    results->write_file(one.results_file);
    auto* html =
        files.emplace_back(std::make_unique<util::AtomicFile>(dir / (prefix + "report.html")))
            .get();
    html->write_file(one.report_file);
    auto& e = summary.evaluations[i];
    e.files = {{results_kind, results->destination().string()},
               {"report", html->destination().string()}};
    for (const auto& [kind, path] : e.files) {
      summary.files[plain ? kind : e.name + "." + kind] = path;
    }
  }
  std::vector<fs::path> results_files;
  for (const auto& one : evaluated) {
    results_files.push_back(one.results_file);
  }
  return commit_outputs(dir, files, cve, summary, results_files);
}

}  // namespace imgscap::pipeline
