// SPDX-License-Identifier: Apache-2.0
// Fleet scans: many images in one run, each scanned by the scan pipeline in a process of its
// own (its own user namespace, memory and time limit; one image's failure never stops the
// others), results in a directory per image under -o beside a fleet summary and the verdicts
// as OpenShift annotations.
#pragma once

#include <imgscap/pipeline/scan.hpp>
#include <imgscap/report/summary.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::fleet {

struct FleetOptions {
  pipeline::ScanOptions scan;       // for every image; image and output_dir are set per image
  std::vector<std::string> images;  // references, in the order given
  std::filesystem::path output_dir;
  std::optional<std::filesystem::path> store;  // the result store (none: every image scanned)
  bool write_outputs = true;  // false: --store without -o (the store is the only output)
  std::string run_id;         // names this run in the store's records (shards of one run share it)
  // --shard I/N: this process scans the images whose reference hashes to I (0-based) of N.
  unsigned shard_index = 0;
  unsigned shard_count = 1;
  unsigned jobs = 1;  // images scanned at once; each gets 1/jobs of the RAM-backed root budget
  std::uint64_t image_seconds = 20 * 60;  // one image's time limit (ManageIQ's 20 minutes)
};

// One image's outcome, as the fleet summary and the annotations show it.
struct ImageResult {
  std::string reference;  // as listed
  // "compliant", "non-compliant", "incomplete", "no-cve-feed" or "error"
  std::string verdict;
  int exit_code = 1;
  std::string manifest_digest;  // "" when the format stores none (docker-archive)
  std::string config_digest;
  std::string directory;                    // its results under the fleet's -o ("" after an error)
  std::string error;                        // why it could not be scanned
  std::map<std::string, int> failed_rules;  // severity -> failed rules
  std::map<std::string, int> vulnerabilities;  // severity -> vulnerabilities found
  std::vector<std::string> worst;              // a few of the worst findings, worst first
  std::string fail_on;
  std::string scanned_at;  // UTC, RFC 3339 (of the scan that produced the result)
  double seconds = 0;
  // The result store: the key the result is kept under, and whether this run reused it.
  std::string key;
  bool reused = false;
  // Only the CVE feed changed: this run evaluated it again on the part of the image the store
  // kept, and kept the rules' results (neither pulled nor unpacked the image).
  bool cve_reevaluated = false;
  std::string attached;  // --attach: the digest of the artifact pushed beside the image
  // The CVE feed evaluated ("" when none): a stored result is reused only while the feed's
  // sha256 is the same.
  std::string feed_name;
  std::string feed_url;
  std::string feed_sha256;
  std::string feed_file_sha256;                // --cve FILE: the file's sha256 (compressed or not)
  std::vector<std::string> vulnerability_ids;  // found: CVE ids (or definition ids), sorted

  // The digest that names the image: the manifest's, else the config's (the image id).
  [[nodiscard]] const std::string& digest() const {
    return manifest_digest.empty() ? config_digest : manifest_digest;
  }
};

struct FleetReport {
  std::vector<ImageResult> images;  // in the order listed
  std::string started_at;           // UTC, RFC 3339
  double seconds = 0;
  std::map<std::string, std::string> files;  // kind -> path written

  // The worst image's exit code: 1 (error) before 3 (incomplete) before 2 (non-compliant)
  // before 4 (no CVE feed) before 0.
  [[nodiscard]] int exit_code() const;
};

// Images scanned at once by default: the cores, fewer when memory is short (about 1.5 GiB
// per scan).
unsigned default_jobs();

// The references in an image list: one per line; blank lines and '#' comments are skipped,
// duplicates kept once.
std::vector<std::string> read_image_list(std::istream& in);

// A directory name for an image's results: its reference without the transport (of a file,
// its last component) reduced to [A-Za-z0-9._-] (at most 64 characters, never starting with
// '.'), "@" and the first 12 hex digits of its digest. No reference can make it a path
// outside the directory it is created in.
std::string image_directory_name(std::string_view reference, std::string_view digest);

// `text` with control characters shown as '?' (image names are untrusted).
std::string printable(std::string_view text);

// "sha256-<hex>" for "sha256:<hex>": a file name for an image digest (anything but letters
// and digits becomes '-').
std::string digest_file_name(std::string_view digest);

// What the fleet shows of one scanned image.
ImageResult image_result(const std::string& reference, const report::Summary& summary);

nlohmann::json to_json(const ImageResult& result);
ImageResult image_result_from_json(const nlohmann::json& json);

// Whether `reference` is in shard index/count: a stable choice (sha256 of the reference), so
// that every shard of one list agrees without talking to the others.
bool in_shard(std::string_view reference, unsigned index, unsigned count);

// A new run id: the time and random digits.
std::string new_run_id();

// Scans every image with at most `jobs` at a time and writes the fleet outputs. Diagnostics go
// to the log; `progress_out` gets one line per image as it finishes (nullptr: none).
FleetReport scan_fleet(const FleetOptions& options, std::ostream* progress_out);

// The fleet summary as text (summary.txt, stdout) and JSON (summary.json).
std::string render_text(const FleetReport& report);
nlohmann::json to_json(const FleetReport& report);

// OpenShift's view of one image (the annotations ManageIQ writes on an Image): a JSON merge
// patch for `oc patch image sha256:... --type merge --patch-file F`.
nlohmann::json openshift_patch(const ImageResult& result);

}  // namespace imgscap::fleet
