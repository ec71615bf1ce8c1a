// SPDX-License-Identifier: Apache-2.0
// The scan pipeline as a library function: image -> unpacked root -> evaluation of each content
// and the CVE feed -> ARF, HTML reports and the failure summary written into the output
// directory. The single-image command and the fleet both call scan_image; neither parses
// arguments nor prints here.
#pragma once

#include <imgscap/image/source.hpp>
#include <imgscap/report/summary.hpp>
#include <imgscap/util/progress.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::pipeline {

// Where CVE feeds come from and how old they may be (scan --cve and the feeds command).
struct FeedOptions {
  // Users' catalogue files, after the built-in one (default: $XDG_CONFIG_HOME/imgscap/
  // cve-feeds.json when it exists).
  std::vector<std::filesystem::path> catalogues;
  std::optional<std::filesystem::path> cache_dir;  // default: $XDG_CACHE_HOME/imgscap/feeds
  bool offline = false;                            // the cache only
  std::string max_age = "7d";                      // of a cached feed; "none"
};

struct ScanOptions {
  std::string image;
  image::SourceOptions source;  // --platform, registry credentials, TLS and retries
  // Content files, or "auto": the built-in baseline plus the SSG datastream for the image's OS.
  std::vector<std::string> contents{"auto"};
  std::vector<std::filesystem::path> content_dirs;  // searched for SSG datastreams first
  std::string profile;
  std::optional<std::filesystem::path> tailoring_file;
  std::optional<std::filesystem::path> output_dir;  // default: named after the image
  std::optional<std::filesystem::path> workdir;
  report::FailOn fail_on = report::FailOn::low;
  bool keep_rootfs = false;
  // Bytes of memory the unpacked root may take on a RAM-backed tmpfs (0: on disk); nullopt:
  // a quarter of the available memory, at most 8 GiB.
  std::optional<std::uint64_t> rootfs_memory;
  bool unsafe_no_sandbox = false;  // evaluate on the host, without namespaces (see the man page)
  // CVE scan: "off", "auto" (the catalogue's feed for the image's OS), a feed file, or a URL.
  std::string cve = "off";
  FeedOptions feeds;
  // Vulnerabilities without a fix yet are listed but do not fail the scan.
  bool ignore_unfixed = false;
  // Hand every definition of the feed to OpenSCAP instead of settling those the image's packages
  // cannot make true (slow; the fast path is checked against it).
  bool cve_full_evaluation = false;
  // Where to keep the part of the image the CVE feed reads (package databases, release files,
  // the files the feed's tests name) for rescan_vulnerabilities; nullopt: nothing is kept.
  std::optional<std::filesystem::path> kept_dir;
  // Push the summary and ARF beside a docker:// image as an OCI artifact (attach_results).
  bool attach = false;
  // --waivers (read by the caller): findings accepted for a while.
  std::optional<report::Waivers> waivers;
};

// The artifactType of the results --attach pushes.
inline constexpr const char* k_artifact_type = "application/vnd.imgscap.scan.v1+json";

struct Attached {
  std::string digest;  // the artifact manifest's
  std::string how;     // "referrers API", or "referrers tag sha256-<hex>"
  std::string tag;     // the referrers tag updated ("" with the referrers API)
};

struct ScanOutcome {
  report::Summary summary;           // as written to summary.json (files filled in)
  std::string json_text;             // summary.json's text
  std::optional<Attached> attached;  // with ScanOptions::attach, when it succeeded
  // Why attaching failed ("" when it did not): the scan's outputs are written all the same.
  std::string attach_error;
};

// Checks what can be checked before anything is fetched (content files, tailoring, --cve;
// then the image reference). Throws imgscap::Error.
void check_scan_options(const ScanOptions& options);
void check_scan_options_except_image(const ScanOptions& options);

// Runs one scan and writes its outputs. Throws imgscap::Error for everything that makes the
// scan fail (nothing is written then).
ScanOutcome scan_image(const ScanOptions& options, util::Progress& progress);

// Pushes the results in `outputs` (summary.json, the ARF files it names) to the registry of the
// docker:// image as an OCI artifact whose subject is the scanned manifest; on a registry
// without the referrers API, the artifact is added to the referrers tag (imgscap's earlier
// results for the same manifest leave it). Needs push rights. Throws imgscap::Error.
Attached attach_results(const ScanOptions& options, const std::filesystem::path& outputs);

// Evaluates the CVE feed again for a scan whose outputs are in `stored` and whose kept part
// (ScanOptions::kept_dir) is in `kept`, without the image: the feed chosen as scan_image would
// choose it, evaluated in the sandbox on the kept files; the stored rule results stay. Writes
// the outputs into options.output_dir as scan_image does (the rules' files linked or copied).
// nullopt, with nothing written, when the kept part cannot answer the feed exactly (the feed
// reads a file that was not kept, or names files by pattern): scan the image again then.
// Throws imgscap::Error as scan_image does.
std::optional<ScanOutcome> rescan_vulnerabilities(const ScanOptions& options,
                                                  const std::filesystem::path& stored,
                                                  const std::filesystem::path& kept,
                                                  util::Progress& progress);

}  // namespace imgscap::pipeline
