// SPDX-License-Identifier: Apache-2.0
// The failure summary: what was scanned, with what, the counts per result and every failed or
// errored rule worst first; as text (summary.txt, stdout) and JSON (summary.json, --format json).
#pragma once

#include <imgscap/report/results.hpp>
#include <imgscap/report/severity.hpp>
#include <imgscap/report/vulnerabilities.hpp>
#include <imgscap/report/waivers.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::report {

constexpr int k_summary_schema_version = 1;

struct LayerFacts {
  std::string digest;
  std::string diff_id;
  long long size = -1;
  std::string compression;
};

struct ImageFacts {
  std::string reference;  // as the user gave it
  std::string transport;
  std::vector<std::string> names;
  std::string manifest_digest;  // "" when the format stores none (docker-archive)
  std::string platform;         // chosen from an index ("linux/amd64"), "" when none
  // docker:// references: where the image was pulled from ("" otherwise)
  std::string registry;
  std::string repository;
  std::string tag;
  std::string config_digest;
  std::string architecture;
  std::string os;
  std::string user;
  std::vector<LayerFacts> layers;
};

struct OsFacts {
  bool known = false;
  std::string id;
  std::string version_id;
  std::string pretty_name;
};

struct SandboxFacts {
  bool isolated = true;         // evaluated in the sandbox
  std::string user_namespace;   // how ids are mapped (or why there is no sandbox)
  bool ownership_kept = true;   // the tree holds the image's file owners
  std::string ownership_limit;  // why not, when not
};

// One content evaluated on the image.
struct Evaluation {
  std::string name;  // "baseline", "ssg-debian11", or the content file's stem
  std::string content_path;
  std::string content_kind;
  std::string content_sha256;
  std::string reason;  // why this content was evaluated
  std::string profile_id;
  std::string profile_title;
  std::string tailoring_file;
  std::string test_result_id;
  std::map<std::string, int> counts;         // its rules per result
  std::map<std::string, std::string> files;  // "arf" or "oval_results", "report" -> path
  std::map<std::string, double> timings;     // its phases: load, evaluate, arf, html
};

// The feed a vulnerability scan used.
struct FeedFacts {
  std::string name;    // cache name ("debian-12"), or "" for a file given with --cve FILE
  std::string url;     // where it comes from
  std::string origin;  // "download", "import" or "file"
  std::string source;  // URL downloaded or path imported / given
  std::string path;    // the OVAL file evaluated
  std::string sha256;
  std::string generated;       // the feed generator's timestamp
  std::string how;             // "downloaded (...)", "not modified ...", "cache (--offline)", ...
  long long age_seconds = -1;  // since last known current (-1: a file given directly)
  std::uint64_t definitions = 0;
  // What the feed's dpkg package names mean: "binary", or "source" (Debian's feeds, answered
  // from the image's source packages).
  std::string dpkg_names = "binary";
};

// The CVE scan (--cve).
struct VulnerabilityScan {
  // "off" (not asked), "scanned", "unsupported" (no feed for the OS), "not_evaluated" (the
  // probes the feed needs cannot read the image's package database: reason says why).
  std::string status = "off";
  std::string reason;  // why this feed, or why none / why not evaluated
  FeedFacts feed;
  std::vector<std::string> warnings;  // e.g. a failed download that fell back to the cache
  VulnerabilityResults results;
  // Definitions imgscap settled as false without OpenSCAP (the image lacks every package
  // that could make them true) and definitions OpenSCAP evaluated.
  std::uint64_t settled = 0;
  std::uint64_t by_openscap = 0;
  // The checks many definitions share that ask no package (the feed's release check), when
  // none of them is true: the feed is for another OS or release. "\"<comment>\" is false".
  std::vector<std::string> failed_release_checks;
  bool ignore_unfixed = false;  // unfixed vulnerabilities are listed but do not fail the scan
  std::map<std::string, std::string> files;  // "oval_results", "report" -> path
  std::map<std::string, double> timings;
};

struct Summary {
  ImageFacts image;
  OsFacts os;
  std::vector<Evaluation> evaluations;
  std::vector<std::string> content_notes;  // what --content auto looked for and did not find
  std::string target_label;
  std::string container_marker;         // the marker file the evaluation saw, "" when none
  std::string container_marker_origin;  // "image" (already there) or "imgscap"
  SandboxFacts sandbox;
  FailOn fail_on = FailOn::low;
  Results results;  // the rules of every evaluation, in order (RuleResult::evaluation)
  std::map<std::string, std::string> files;  // kind -> path written
  std::map<std::string, double> timings;     // phase -> seconds
  std::map<std::string, long> peak_rss_kb;   // phase -> peak memory (KiB) of the process doing it
  std::vector<std::string> notes;            // things the user must know (skipped devices...)
  // When the scan (or the CVE feed's re-evaluation) started and finished, RFC 3339 UTC; "" in a
  // summary.json written before imgscap recorded them.
  std::string started_at;
  std::string finished_at;
  VulnerabilityScan vulnerabilities;
  // The waivers that concern the image (--waivers): applied, expired or unused.
  std::string waivers_file;
  std::vector<WaiverUse> waivers;

  // Rules that fail the scan under fail_on and no waiver covers, worst first.
  [[nodiscard]] std::vector<RuleResult> failures() const;
  // Every failed, errored or unknown rule, worst first.
  [[nodiscard]] std::vector<RuleResult> problems() const;
  // Rules whose checks look only at a running system.
  [[nodiscard]] std::vector<RuleResult> runtime_only() const;
  // Evaluated rules whose checks compare file owners.
  [[nodiscard]] std::vector<RuleResult> ownership_dependent() const;
  [[nodiscard]] bool compliant() const {
    return failures().empty() && vulnerability_failures().empty();
  }
  // Vulnerabilities found at or above fail_on (unknown severity: at every threshold but none)
  // that no waiver covers.
  [[nodiscard]] std::vector<Vulnerability> vulnerability_failures() const;
  // A rule or vulnerability definition at or above the threshold errored or is unknown, or the
  // CVE scan could not be evaluated: nobody can say it passed.
  [[nodiscard]] bool incomplete() const;
  // 3 incomplete (even when other rules failed), 2 non-compliant, 4 no CVE feed for the image's
  // OS (when nothing else failed), 0 compliant.
  [[nodiscard]] int exit_code() const;
};

// "compliant", "non-compliant", "incomplete" or "no-cve-feed" (as exit_code decides).
std::string verdict_name(const Summary& summary);
std::string render_text(const Summary& summary);
nlohmann::json to_json(const Summary& summary);
// summary.json read back (what to_json wrote; derived fields are derived again). Throws
// imgscap::Error for another schema version or a document of another shape.
Summary summary_from_json(const nlohmann::json& json);

}  // namespace imgscap::report
