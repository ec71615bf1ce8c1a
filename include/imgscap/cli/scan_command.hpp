// SPDX-License-Identifier: Apache-2.0
// `imgscap scan`: image -> unpacked root -> evaluation -> ARF, HTML report and failure summary.
// Takes a plain options struct; argument parsing stays in cli.cpp.
#pragma once

#include <imgscap/cli/cli.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/report/summary.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::cli {

enum class OutputFormat { text, json };

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
  std::optional<std::filesystem::path> output_dir;
  std::optional<std::filesystem::path> workdir;
  report::FailOn fail_on = report::FailOn::low;
  OutputFormat format = OutputFormat::text;
  bool quiet = false;
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
};

// Runs a scan and prints the summary; returns the exit code (0 compliant, 2 non-compliant).
// Throws imgscap::Error for everything that makes the scan fail.
int run_scan(const ScanOptions& options, const Streams& streams);

struct InspectOptions {
  std::string image;
  image::SourceOptions source;
  OutputFormat format = OutputFormat::text;
};

int run_inspect(const InspectOptions& options, const Streams& streams);

// imgscap feeds list | update [NAME...] | import FILE [--name NAME] [--sha256 HEX]
struct FeedsOptions {
  std::string action;              // "list", "update", "import"
  std::vector<std::string> names;  // update: catalogue entries (default: every cached feed)
  std::filesystem::path file;      // import
  std::string name;                // import: the catalogue entry (default: told by file name)
  std::optional<std::string> sha256;
  OutputFormat format = OutputFormat::text;
  FeedOptions feeds;
};

int run_feeds(const FeedsOptions& options, const Streams& streams);

}  // namespace imgscap::cli
