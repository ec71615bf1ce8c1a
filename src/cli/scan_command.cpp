// SPDX-License-Identifier: Apache-2.0
// The scan pipeline: resolve the image, unpack its layers into a private root, evaluate, and
// write the results atomically.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/image/reference.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/report/checks.hpp>
#include <imgscap/report/findings.hpp>
#include <imgscap/report/results.hpp>
#include <imgscap/rootfs/apply.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/rootfs/workdir.hpp>
#include <imgscap/sandbox/sandbox.hpp>
#include <imgscap/sandbox/user_namespace.hpp>
#include <imgscap/scan/evaluate.hpp>
#include <imgscap/scan/facts.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/phase_clock.hpp>
#include <imgscap/util/signals.hpp>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ostream>

namespace imgscap::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_chroot_refused =
    "chroot(2) is not permitted (no CAP_SYS_CHROOT, and --unsafe-no-sandbox gives no user "
    "namespace); OpenSCAP would abort";

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<util::Progress> make_progress(const ScanOptions& options, const Streams& streams) {
  if (streams.err_is_terminal && !options.quiet) {
    return util::make_terminal_progress(streams.err);
  }
  return util::make_silent_progress();
}

std::string layer_context(const image::Image& img, std::size_t index) {
  return fmt::format("layer {} ({})", index + 1, img.layers[index].digest.short_str());
}

struct Unpacked {
  std::vector<rootfs::SkippedEntry> skipped;  // special files not created
  std::uint64_t unmapped_owners = 0;          // entries whose owner the namespace cannot hold
};

// Applies every layer in order onto the root.
Unpacked unpack(image::Source& source, const image::Image& img, const util::Fd& root,
                const std::optional<sandbox::UserNamespace>& ns, util::Progress& progress) {
  Unpacked unpacked;
  rootfs::ApplyOptions apply_options;
  apply_options.preserve_ownership = ns ? ns->map != sandbox::IdMap::single : ::geteuid() == 0;
  if (ns) {
    apply_options.owner_id_limit = ns->mapped_ids;
  }
  apply_options.on_progress = [&progress](std::uint64_t bytes) { progress.layer_bytes(bytes); };
  apply_options.interrupted = [] { return util::pending_signal() != 0; };
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    util::throw_if_interrupted();
    progress.layer_started(i, img.layers.size(), img.layers[i].digest.str(), img.layers[i].size);
    try {
      auto stream = source.open_layer(img, i);
      auto stats = rootfs::apply_layer(root, *stream, apply_options);
      unpacked.skipped.insert(unpacked.skipped.end(), stats.skipped.begin(), stats.skipped.end());
      unpacked.unmapped_owners += stats.unmapped_owners;
    } catch (const Error& e) {
      util::throw_if_interrupted();
      const std::string message = e.what();
      if (message.starts_with("layer ")) {
        throw;
      }
      throw Error(layer_context(img, i) + ": " + message, e.code());
    }
  }
  return unpacked;
}

report::ImageFacts image_facts(const image::Reference& reference, const image::Image& img) {
  report::ImageFacts facts;
  facts.reference = reference.text;
  facts.transport = std::string(image::transport_name(reference.transport));
  facts.names = img.names;
  facts.manifest_digest = img.manifest_digest ? img.manifest_digest->str() : "";
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

std::string target_label(const image::Reference& reference, const image::Image& img) {
  if (!img.names.empty()) {
    return img.names.front();
  }
  return reference.text;
}

fs::path output_dir(const ScanOptions& options, const image::Reference& reference) {
  fs::path dir = options.output_dir ? *options.output_dir : fs::path(reference.output_name());
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    fail("cannot create the output directory {}: {}", dir.string(), ec.message());
  }
  return fs::absolute(dir);
}

void print_summary(const ScanOptions& options, const Streams& streams,
                   const report::Summary& summary, const std::string& json_text) {
  if (options.quiet) {
    return;
  }
  if (options.format == OutputFormat::json) {
    streams.out << json_text << '\n';
  } else {
    streams.out << report::render_text(summary);
  }
  streams.out.flush();
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

void add_notes(report::Summary& summary, const Unpacked& unpacked,
               const std::optional<sandbox::UserNamespace>& ns, const report::BrokenProbes& broken,
               scan::ContentKind kind) {
  if (!unpacked.skipped.empty()) {
    summary.notes.push_back(skipped_note(unpacked.skipped));
  }
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
        fmt::format("{} probes cannot be trusted: {}; rules using them are "
                    "reported as errors",
                    fmt::join(probes, "/"), reason));
  }
  if (const auto counts = summary.results.counts();
      !counts.contains("pass") && !counts.contains("fail") && !counts.contains("error")) {
    summary.notes.push_back(fmt::format(
        "no evaluated rule applied to this image, so the verdict says nothing about it{}",
        kind == scan::ContentKind::xccdf
            ? " (a plain XCCDF benchmark judges platforms only with its CPE dictionary: use the "
              "source datastream)"
            : ""));
  }
}

report::SandboxFacts sandbox_facts(const std::optional<sandbox::UserNamespace>& ns,
                                   bool is_dir) {
  if (!ns) {
    return {false, "none (--unsafe-no-sandbox): the probes saw the host", true, ""};
  }
  if (is_dir && ns->map != sandbox::IdMap::identity) {
    return {true, ns->description, false,
            "a directory scanned without root: its files owned by you appear as root"};
  }
  return {true, ns->description, ns->keeps_ownership(), ns->limitation};
}

std::optional<sandbox::UserNamespace> enter_namespace(const ScanOptions& options) {
  if (options.unsafe_no_sandbox) {
    spdlog::warn(
        "--unsafe-no-sandbox: evaluating without isolation; image symlinks can make the "
        "probes read host files");
    return std::nullopt;
  }
  auto ns = sandbox::enter_user_namespace();
  spdlog::debug("user namespace: {}", ns.description);
  return ns;
}

rootfs::WorkDir make_workdir(const ScanOptions& options) {
  auto workdir = rootfs::WorkDir::create(options.workdir);
  if (options.keep_rootfs) {
    workdir.keep();
    spdlog::info("kept work directory: {} (root filesystem in {})", workdir.path().string(),
                 workdir.rootfs().string());
  }
  spdlog::debug("work directory {}", workdir.path().string());
  return workdir;
}

scan::Target make_target(const ScanOptions& options, const image::Reference& reference,
                         const image::Image& img, const rootfs::WorkDir& workdir,
                         const util::Fd& root) {
  scan::Target target;
  target.rootfs = workdir.rootfs();
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

// Probes that cannot be trusted in this evaluation, and why: package databases the probes
// cannot read (after converting a Berkeley DB rpm database), chroot refused without a sandbox.
report::BrokenProbes broken_probes(scan::Target& target, bool chroot_refused) {
  report::BrokenProbes broken;
  auto rpm_problem = scan::prepare_rpm_database(target);
  auto checked = target;
  if (chroot_refused) {
    checked.packages.rpm = scan::RpmBackend::none;  // the rpminfo probe would abort
  }
  const auto problems = scan::check_package_probes(checked);
  if (rpm_problem.empty()) {
    rpm_problem = problems.rpm;
  }
  if (!problems.dpkg.empty()) {
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
  return broken;
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
                                  const report::BrokenProbes& broken) {
  report::ResultsFile file(outcome.results_file, kind == scan::ContentKind::oval
                                                     ? report::ResultsKind::oval
                                                     : report::ResultsKind::arf);
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
  file.save();
  return results;
}

}  // namespace

int run_scan(const ScanOptions& options, const Streams& streams) {
  const auto started = Clock::now();
  util::PhaseClock clock;
  const auto reference = image::parse_reference(options.image);
  const auto content = scan::detect_content(options.content);
  if (options.tailoring_file && !fs::is_regular_file(*options.tailoring_file)) {
    fail("tailoring file {}: no such file", options.tailoring_file->string());
  }
  auto progress = make_progress(options, streams);

  clock.start();
  auto source = image::Source::open(reference);
  const auto img = source->resolve();
  const bool is_dir = reference.transport == image::Transport::dir;
  if (is_dir && options.unsafe_no_sandbox) {
    fail(
        "dir: cannot be scanned with --unsafe-no-sandbox: without the throwaway layer the "
        "evaluation would write into {}",
        reference.path.string());
  }
  const auto ns = enter_namespace(options);
  auto workdir = make_workdir(options);
  const auto rootfs_path = is_dir ? fs::absolute(reference.path) : workdir.rootfs();
  const auto root = rootfs::open_root(rootfs_path);
  const auto unpacked = is_dir ? Unpacked{} : unpack(*source, img, root, ns, *progress);
  clock.stop("unpack");

  util::throw_if_interrupted();
  const auto os = scan::read_os_release(root);
  auto target = make_target(options, reference, img, workdir, root);
  target.rootfs = rootfs_path;
  scan::prepare_environment(target);

  clock.start();
  progress->phase("checking package probes");
  const bool chroot_refused = !target.isolated && !sandbox::can_chroot();
  const auto broken = broken_probes(target, chroot_refused);
  clock.stop("probe_check");

  progress->phase("evaluating");
  scan::EvalRequest request{content, options.profile, options.tailoring_file, workdir.results_dir(),
                            rules_to_skip(content, chroot_refused)};
  const auto outcome = scan::evaluate(target, request, *progress);

  report::Summary summary;
  summary.results = corrected_results(outcome, content.kind, broken);
  progress->phase("writing the HTML report");
  const auto html = workdir.results_dir() / "report.html";
  const auto report_figures = scan::render_report(
      target, {outcome.results_file, content.kind, outcome.result_id, outcome.profile_id, html});
  progress->finish();

  summary.image = image_facts(reference, img);
  if (os) {
    summary.os = {true, os->id, os->version_id, os->pretty_name};
  }
  summary.content_path = content.path.string();
  summary.content_kind = std::string(scan::content_kind_name(content.kind));
  summary.content_sha256 = content.sha256.hex();
  summary.profile_id = outcome.profile_id;
  summary.profile_title = outcome.profile_title;
  summary.tailoring_file =
      options.tailoring_file ? fs::absolute(*options.tailoring_file).string() : "";
  summary.target_label = target.label;
  summary.container_marker = outcome.container_marker;
  summary.container_marker_origin = target.add_container_marker ? "imgscap" : "image";
  summary.sandbox = sandbox_facts(ns, is_dir);
  summary.fail_on = options.fail_on;
  add_notes(summary, unpacked, ns, broken, content.kind);

  util::throw_if_interrupted();
  const auto out_dir = output_dir(options, reference);
  const auto results_name =
      content.kind == scan::ContentKind::oval ? "oval-results.xml" : "arf.xml";
  util::AtomicFile results_file(out_dir / results_name);
  results_file.write_file(outcome.results_file);
  util::AtomicFile report_file(out_dir / "report.html");
  report_file.write_file(html);
  util::AtomicFile text_file(out_dir / "summary.txt");
  util::AtomicFile json_file(out_dir / "summary.json");
  summary.files = {{content.kind == scan::ContentKind::oval ? "oval_results" : "arf",
                    results_file.destination().string()},
                   {"report", report_file.destination().string()},
                   {"summary_text", text_file.destination().string()},
                   {"summary_json", json_file.destination().string()}};
  summary.timings = clock.seconds();
  summary.timings.insert(outcome.seconds.begin(), outcome.seconds.end());
  summary.timings.insert(report_figures.seconds.begin(), report_figures.seconds.end());
  summary.timings["total"] = seconds_since(started);
  summary.peak_rss_kb = clock.peak_rss_kb();
  summary.peak_rss_kb.insert(outcome.peak_rss_kb.begin(), outcome.peak_rss_kb.end());
  summary.peak_rss_kb.insert(report_figures.peak_rss_kb.begin(), report_figures.peak_rss_kb.end());
  const auto text = report::render_text(summary);
  const auto json_text = report::to_json(summary).dump(2);
  text_file.write(text);
  json_file.write(json_text + "\n");
  util::throw_if_interrupted();
  results_file.commit();
  report_file.commit();
  text_file.commit();
  json_file.commit();
  print_summary(options, streams, summary, json_text);
  return summary.exit_code();
}

}  // namespace imgscap::cli
