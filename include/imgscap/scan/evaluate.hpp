// SPDX-License-Identifier: Apache-2.0
// Runs libopenscap against an unpacked root in a child process (one evaluation per process, as
// libopenscap's globals, chroot and abort() paths require), configured for offline image
// evaluation: probe root, target label, container variables, apt isolation, rpm database path.
#pragma once

#include <imgscap/scan/content.hpp>
#include <imgscap/scan/facts.hpp>
#include <imgscap/util/progress.hpp>

#include <filesystem>
#include <map>
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
  // Whether the image has no container marker of its own, so the evaluation adds one.
  bool add_container_marker = true;
};

struct EvalRequest {
  Content content;
  std::string profile;  // full id or unique suffix; empty: the content's default
  std::optional<std::filesystem::path> tailoring_file;
  std::filesystem::path results_dir;  // where arf.xml / oval-results.xml and report.html go
};

struct EvalOutcome {
  std::string profile_id;  // as resolved ("" for the default profile)
  std::string profile_title;
  std::filesystem::path results_file;       // ARF (XCCDF content) or OVAL results (OVAL content)
  std::filesystem::path report_file;        // HTML report
  std::map<std::string, double> seconds;    // "load", "evaluate", "arf"/"results", "html"
  std::map<std::string, long> peak_rss_kb;  // the child's peak memory by the end of each phase
  std::string container_marker;  // the marker the evaluation saw ("run/.containerenv"...), or ""
};

// Writes the environment files (apt configuration, HOME with .rpmmacros) into
// target.private_dir and names the sandbox's private directory. Does not touch the root.
void prepare_environment(Target& target);

// Checks in a child process that the package probes can read the image's package databases
// (a probe that cannot read one reports every package as absent). Throws imgscap::Error naming
// the database and what was seen.
void check_package_probes(const Target& target);

// Evaluates in a child process. Throws imgscap::Error with libopenscap's message on failure and
// the interrupted error when a termination signal arrives (the child is killed).
EvalOutcome evaluate(const Target& target, const EvalRequest& request, util::Progress& progress);

}  // namespace imgscap::scan
