// SPDX-License-Identifier: Apache-2.0
// Runs libopenscap against an unpacked root in a child process (one evaluation per process, as
// libopenscap's globals, chroot and abort() paths require), configured for offline image
// evaluation: probe root, target label, container variables, apt isolation, rpm database path.
#pragma once

#include <imgscap/rootfs/file_facts.hpp>
#include <imgscap/scan/content.hpp>
#include <imgscap/scan/facts.hpp>
#include <imgscap/util/progress.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::scan {

// Where and how to evaluate. All paths absolute, on the host.
struct Target {
  std::filesystem::path rootfs;       // the image tree; never modified when isolated
  std::filesystem::path private_dir;  // imgscap's files for the evaluation (apt.conf, HOME, logs)
  std::filesystem::path layer_dir;    // the throwaway layer over rootfs (overlay upper/work)
  std::filesystem::path staging_dir;  // an empty directory the sandbox root is mounted on
  // Evaluate in the sandbox (sandbox::enter). false: --unsafe-no-sandbox, the probes work on
  // rootfs itself and see the host.
  bool isolated = true;
  std::string sandbox_name;      // the sandbox's private directory (prepare_environment sets it)
  std::string label;             // OSCAP_EVALUATION_TARGET and the sandbox's host name
  std::vector<std::string> env;  // the image config's Env, as container variables
  PackageDatabases packages;
  std::string rpm_dbpath = "/var/lib/rpm";  // where librpm looks, inside the image
  // Whether the image has no container marker of its own, so the evaluation adds one.
  bool add_container_marker = true;
  // The image config facts shown to the probes (none for a directory).
  std::optional<ConfigFacts> config_facts;
  // The file facts shown to the probes under run/imgscap/files/ (rootfs::FileFacts::files).
  rootfs::FileFactFiles file_facts;
  // Files the probes need, written into the throwaway layer (replacing what the image has
  // there): path inside the image -> content (a dpkg status joining status.d's stanzas, dpkg's
  // architecture tables, a dpkg view for the CVE feed). Filled by prepare_environment.
  std::map<std::string, std::string> added_files;
  // The dpkg status file the dpkginfo probe reads, inside the image ("" for
  // var/lib/dpkg/status), and the apt configuration (in private_dir) that says so.
  std::string dpkg_status;
  std::string apt_config = "apt.conf";
};

struct EvalRequest {
  Content content;
  std::string profile;  // full id or unique suffix; empty: the content's default
  std::optional<std::filesystem::path> tailoring_file;
  std::filesystem::path results_dir;  // where arf.xml / oval-results.xml and report.html go
  // XCCDF rules not to evaluate (their probes would abort the evaluation); only those the profile
  // selects are skipped, and EvalOutcome::skipped_rules lists them.
  std::vector<std::string> skip_rules;
  // Validate the content against the schemas before loading. Off for CVE feeds: a distributor
  // feed is hundreds of megabytes and XSD validation takes minutes; feeds are checked to be
  // well-formed OVAL definitions when downloaded or imported.
  bool validate = true;
};

struct EvalOutcome {
  std::string profile_id;  // as resolved ("" for the default profile)
  std::string profile_title;
  std::filesystem::path results_file;       // ARF (XCCDF content) or OVAL results (OVAL content)
  std::string result_id;                    // the XCCDF TestResult's id ("" for OVAL)
  std::map<std::string, double> seconds;    // "load", "evaluate", "arf"/"results", "html"
  std::map<std::string, long> peak_rss_kb;  // the child's peak memory by the end of each phase
  std::string container_marker;  // the marker the evaluation saw ("run/.containerenv"...), or ""
  std::vector<std::string> skipped_rules;  // of EvalRequest::skip_rules, those skipped
};

// The version of the libopenscap imgscap runs with ("1.3.7"), for --version.
std::string openscap_version();

// Writes the environment files (apt configuration, HOME with .rpmmacros) into
// target.private_dir and names the sandbox's private directory. Does not touch the root.
void prepare_environment(Target& target);

// The same target, but its dpkginfo probe reads `status` (a dpkg status file's text, written at
// `path` inside the image's throwaway layer) instead of the image's database: Debian's CVE
// feeds are answered from the source-package view. `name` names its apt configuration.
Target with_dpkg_view(const Target& target, const std::string& name, const std::string& path,
                      std::string status);

// A Berkeley DB rpm database becomes sqlite in the throwaway layer (sandboxed child), which the
// rpminfo probe can search by name; target.packages.rpm says sqlite afterwards. Returns "" or why
// it could not be converted.
std::string prepare_rpm_database(Target& target);

// Why the package probes cannot be trusted, per database; "" where they can.
struct PackageProbeProblems {
  std::string dpkg;
  std::string rpm;
  // Every package name the rpminfo probe lists, when it passed the check (nullopt otherwise).
  std::optional<std::vector<std::string>> rpm_packages;
};

// Checks in a child process that the package probes can read the image's package databases
// (a probe that cannot read one reports every package as absent).
PackageProbeProblems check_package_probes(const Target& target);

// Time and peak memory per phase of a child's work.
struct ChildFigures {
  std::map<std::string, double> seconds;
  std::map<std::string, long> peak_rss_kb;
};

struct ReportRequest {
  std::filesystem::path results_file;  // ARF or OVAL results, as evaluate() wrote them
  ContentKind kind = ContentKind::datastream;
  std::string result_id;            // XCCDF TestResult to show
  std::string profile_id;           // its profile
  std::filesystem::path html_file;  // written beside results_file
};

class Child;

// An HTML report being rendered in its own sandboxed child (with its own throwaway layer), while
// the parent goes on with the next evaluation.
class PendingReport {
 public:
  PendingReport(const Target& target, const ReportRequest& request);
  PendingReport(PendingReport&&) noexcept;
  PendingReport& operator=(PendingReport&&) = delete;
  ~PendingReport();  // an unfinished render is killed
  // Waits for the report. Throws imgscap::Error.
  ChildFigures finish();

 private:
  std::unique_ptr<Child> m_child;
};

// Renders the standard OpenSCAP HTML report (xccdf-report.xsl, or oval-results-report.xsl for
// OVAL) from the results file, in a sandboxed child. Throws imgscap::Error.
ChildFigures render_report(const Target& target, const ReportRequest& request);

// A definition imgscap decided without OpenSCAP, for the results file.
struct SettledResult {
  std::string id;
  std::string version;
  std::string message;  // how it was decided
};

// What OpenSCAP is to evaluate of a CVE feed, decided once the checks' results are known.
struct CvePlan {
  std::filesystem::path definitions;             // OVAL definitions, as the child sees them
  std::vector<SettledResult> settled;            // added to the results as false
  std::map<std::string, std::uint64_t> figures;  // passed back to the parent as they are
};

// Where the evaluation child sees its writable directory and the request's content directory.
struct CvePlaces {
  std::filesystem::path eval;
  std::filesystem::path content;
};

// Called in the evaluation child with the checks' results (id -> OVAL result).
using CvePlanner = std::function<CvePlan(const std::map<std::string, std::string>& checks,
                                         const CvePlaces& places)>;

struct CveRequest {
  // Bound into the sandbox as its "content" place (the feed's directory, for a full
  // evaluation of the feed file itself).
  std::filesystem::path content_dir;
  // OVAL definitions holding the checks (in target.private_dir), evaluated first; "" for none.
  std::filesystem::path checks_file;
  std::vector<std::string> checks;  // test or definition ids whose results are wanted
  CvePlanner plan;
  std::filesystem::path results_dir;  // oval-results.xml and report.html go there
  // A package the dpkginfo probe must find in the database it reads (a dpkg view of the
  // target's): "" when there is nothing to check.
  std::string dpkg_canary;
};

struct CveOutcome {
  std::filesystem::path results_file;  // OpenSCAP's results plus the settled definitions
  std::filesystem::path report_file;   // the OVAL HTML report: every definition but false ones
  std::map<std::string, std::string> checks;     // id -> OVAL result in the main evaluation
  std::map<std::string, std::uint64_t> figures;  // the plan's
  std::string canary;  // the canary definition's result ("" when none was asked for)
  std::map<std::string, double> seconds;  // "checks", "plan", "load", "evaluate", "results", "html"
  std::map<std::string, long> peak_rss_kb;
};

// Evaluates a CVE feed in a sandboxed child: the checks first (when there are any), then what
// the plan leaves to OpenSCAP; writes OpenSCAP's results (false definitions thin) with each
// settled definition added as false with its message, and the HTML report from a view of the
// results without false definitions (OVAL directives). When the canary is not found nothing is
// evaluated (CveOutcome::canary says what the probe answered). Throws imgscap::Error.
CveOutcome evaluate_cve(const Target& target, const CveRequest& request);

// Evaluates in a child process. Throws imgscap::Error with libopenscap's message on failure and
// the interrupted error when a termination signal arrives (the child is killed).
EvalOutcome evaluate(const Target& target, const EvalRequest& request, util::Progress& progress);

}  // namespace imgscap::scan
