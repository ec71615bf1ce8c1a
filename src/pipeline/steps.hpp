// SPDX-License-Identifier: Apache-2.0
// The steps of the scan pipeline, in the order scan_image calls them: unpack the image inside
// the user namespace, decide the content, evaluate each content (corrected results, HTML
// report), and gather the summary. Private to the pipeline module.
#pragma once

#include <imgscap/feeds/cache.hpp>
#include <imgscap/feeds/catalogue.hpp>
#include <imgscap/feeds/feeds.hpp>
#include <imgscap/feeds/file_needs.hpp>
#include <imgscap/image/image.hpp>
#include <imgscap/image/reference.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/pipeline/feeds_setup.hpp>
#include <imgscap/pipeline/scan.hpp>
#include <imgscap/report/findings.hpp>
#include <imgscap/report/summary.hpp>
#include <imgscap/rootfs/apply.hpp>
#include <imgscap/rootfs/workdir.hpp>
#include <imgscap/sandbox/memory_root.hpp>
#include <imgscap/sandbox/user_namespace.hpp>
#include <imgscap/scan/catalogue.hpp>
#include <imgscap/scan/content.hpp>
#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/progress.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::pipeline {

// --- unpack.cpp -----------------------------------------------------------------------

struct Unpacked {
  std::vector<rootfs::SkippedEntry> skipped;  // special files not created
  std::uint64_t unmapped_owners = 0;          // entries whose owner the namespace cannot hold
  rootfs::FileFacts file_facts;               // recorded while applying (or walking a dir:)
  std::vector<std::string> notes;             // for the summary (e.g. fell back to disk)
};

// The user namespace of the scan (none with --unsafe-no-sandbox).
std::optional<sandbox::UserNamespace> enter_namespace(const ScanOptions& options);

rootfs::WorkDir make_workdir(const ScanOptions& options);

// The special files the image declared and imgscap did not create, as the probes see them in
// /run/imgscap/config/special_files: "TYPE MODE UID:GID /PATH" per line.
std::string special_files_fact(const std::vector<rootfs::SkippedEntry>& skipped);

// The facts of a dir: root, in one walk (nothing is unpacked).
Unpacked walk_directory(const std::filesystem::path& rootfs_path);

// A RAM-backed root over the work directory's rootfs/ within --rootfs-memory (default: a
// quarter of the available memory, at most 8 GiB); none with --keep-rootfs, without a user
// namespace, or when the kernel refuses.
std::optional<sandbox::MemoryRoot> memory_root_for(const ScanOptions& options,
                                                   const std::optional<sandbox::UserNamespace>& ns,
                                                   const rootfs::WorkDir& workdir);

// Applies every layer in order onto the root at `rootfs_path`, recording the file facts; errors
// name the layer. When the RAM-backed root fills up, it is unmounted and the layers are applied
// again on disk (with a note).
Unpacked unpack(image::Source& source, const image::Image& img,
                const std::filesystem::path& rootfs_path,
                std::optional<sandbox::MemoryRoot>& memory_root,
                const std::optional<sandbox::UserNamespace>& ns, util::Progress& progress);

// --- content.cpp ----------------------------------------------------------------------

// The explicit --content files, checked before anything is unpacked.
std::vector<scan::PlannedContent> explicit_contents(const ScanOptions& options);

// What the scan evaluates: explicit files, and with "auto" the baseline plus SSG for the OS.
scan::ContentPlan plan_contents(const ScanOptions& options,
                                const std::vector<scan::PlannedContent>& explicit_files,
                                const std::optional<scan::OsRelease>& os);

// Results files are named arf.xml/report.html for a single explicit content, else
// <name>-arf.xml/<name>-report.html.
bool plain_file_names(const ScanOptions& options);

// --- evaluate.cpp ---------------------------------------------------------------------

scan::Target make_target(const ScanOptions& options, const image::Reference& reference,
                         const image::Image& img, const rootfs::WorkDir& workdir,
                         const std::filesystem::path& rootfs_path, const util::Fd& root);

struct ProbeHealth {
  report::BrokenProbes broken;  // probes that cannot be trusted in this evaluation, and why
  // Every package name the rpminfo probe lists, when it can be trusted.
  std::optional<std::vector<std::string>> rpm_packages;
};

// Which package probes can be trusted (and what the rpminfo probe lists).
ProbeHealth check_probes(scan::Target& target, bool chroot_refused);

struct EvaluatedContent {
  report::Evaluation evaluation;
  report::Results results;
  scan::ContentKind kind = scan::ContentKind::datastream;
  std::filesystem::path results_file;  // corrected ARF or OVAL results, in the work directory
  std::filesystem::path report_file;   // its HTML report
  scan::EvalOutcome outcome;
  // The HTML report renders in its own child while the next evaluation runs; finish_reports
  // waits for it and fills report_figures.
  std::optional<scan::PendingReport> pending_report;
  scan::ChildFigures report_figures;
};

// Waits for every content's HTML report.
void finish_reports(std::vector<EvaluatedContent>& evaluated, util::Progress& progress);

// Evaluates one content in its own child, corrects its results, records the waivers that
// cover its rules (XCCDF overrides in the ARF) and starts rendering its report into
// `results_dir`.
EvaluatedContent evaluate_content(const scan::Target& target, const scan::PlannedContent& planned,
                                  const std::filesystem::path& results_dir,
                                  const report::BrokenProbes& broken, bool chroot_refused,
                                  const report::ImageWaivers& waivers, util::Progress& progress);

// The waivers of the options that concern this image today (none without --waivers).
report::ImageWaivers image_waivers(const ScanOptions& options, const report::ImageFacts& image);

// Marks the vulnerabilities the waivers cover and records every waiver's use in the summary.
void record_waivers(const ScanOptions& options, const report::ImageWaivers& waivers,
                    report::Summary& summary);

// --- cve.cpp --------------------------------------------------------------------------

// Checks --cve before anything is unpacked (a file that is missing, a catalogue that is bad).
void check_cve_option(const ScanOptions& options);

// --- kept.cpp -------------------------------------------------------------------------

// What a scan kept of an image for later feeds (ScanOptions::kept_dir).
struct KeptPart {
  std::filesystem::path root;  // the kept files, at their paths in the image
  std::string label;           // the scan's target label
  std::string dpkg_architecture;
  std::vector<std::string> env;
  // Paths looked for (relative to the image's root) -> "content" (copied), "absent" or
  // "not kept"; directories kept whole likewise.
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> dirs;

  // Why these files cannot answer a feed that reads `needs` exactly, or "" when they can.
  [[nodiscard]] std::string cannot_answer(const feeds::FileNeeds& needs) const;
};

// Copies the package databases, release files and the files `needs` names out of the root into
// `dir` (replaced). Throws imgscap::Error when something the feeds read cannot be kept.
void keep_feed_inputs(const util::Fd& root, const feeds::FileNeeds& needs,
                      const scan::Target& target, const std::filesystem::path& dir);

// The kept part in `dir`; nullopt when there is none of this format.
std::optional<KeptPart> read_kept_part(const std::filesystem::path& dir);

// --- cve.cpp (continued) --------------------------------------------------------------

struct ScannedFeed {
  report::VulnerabilityScan scan;
  // The files the feed reads (for keep_feed_inputs), and, when scan_vulnerabilities was given a
  // kept part that cannot answer the feed, why (nothing was evaluated then).
  feeds::FileNeeds file_needs;
  std::string cannot_answer;
  std::filesystem::path results_file;  // OVAL results in the work directory ("" when none)
  std::filesystem::path report_file;   // its HTML report
  scan::ChildFigures figures;          // evaluation and report phases
};

// The CVE scan: the feed for the image's OS (or the one given), evaluated in the sandbox, the
// vulnerabilities read back from its OVAL results, the OVAL HTML report.
// With `kept`, the target is a kept part: a feed it cannot answer is not evaluated
// (cannot_answer says why).
ScannedFeed scan_vulnerabilities(const ScanOptions& options,
                                 const std::optional<scan::OsRelease>& os,
                                 const scan::Target& target, const rootfs::WorkDir& workdir,
                                 const ProbeHealth& probes, util::Progress& progress,
                                 const KeptPart* kept = nullptr);

// --- outputs.cpp ----------------------------------------------------------------------

report::ImageFacts image_facts(const image::Reference& reference, const image::Image& img);
report::SandboxFacts sandbox_facts(const std::optional<sandbox::UserNamespace>& ns, bool is_dir);
void add_notes(report::Summary& summary, const Unpacked& unpacked,
               const std::optional<sandbox::UserNamespace>& ns, const report::BrokenProbes& broken);

// --attach after the outputs are written: its failure is kept in outcome.attach_error (and
// logged), so that a finished scan is never lost to a registry that refuses the push.
void attach(const ScanOptions& options, const std::filesystem::path& outputs, ScanOutcome& outcome);

// The directory a summary's outputs were written to.
std::filesystem::path outputs_of(const report::Summary& summary);

// The output directory (created): -o, else named after the image.
std::filesystem::path output_dir(const ScanOptions& options, const image::Reference& reference);

// Whether an output file is rendered from the summary (summary.txt/json, results.sarif,
// junit.xml, the GitLab report): written anew whenever the summary changes.
bool rendered_from_summary(const std::filesystem::path& name);

// Adds the CVE results and the files rendered from the summary to `files` (results files
// written, not yet in place), fills summary.files for them, and renames every file into place.
// `results_files` are the ARF / OVAL results the rules' documentation is read from (SARIF).
// Returns summary.json's text.
std::string commit_outputs(const std::filesystem::path& dir,
                           std::vector<std::unique_ptr<util::AtomicFile>>& files,
                           const ScannedFeed& cve, report::Summary& summary,
                           const std::vector<std::filesystem::path>& results_files);

// Writes every results file, the reports and the summaries into the output directory: all
// as hidden temporaries first, renamed only when everything was written. Fills summary.files.
// Returns the summary as JSON text, as written.
std::string write_outputs(const ScanOptions& options, const image::Reference& reference,
                          const std::vector<EvaluatedContent>& evaluated, const ScannedFeed& cve,
                          report::Summary& summary);

}  // namespace imgscap::pipeline
