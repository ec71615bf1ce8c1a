// SPDX-License-Identifier: Apache-2.0
// `imgscap scan`: image -> unpacked root -> evaluation -> ARF, HTML report and failure summary.
// Takes a plain options struct; argument parsing stays in cli.cpp.
#pragma once

#include <imgscap/cli/cli.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/pipeline/scan.hpp>
#include <imgscap/report/summary.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::cli {

// What a command prints on stdout. sarif, junit and gitlab only for `scan` of one image: the
// output directory's results.sarif, junit.xml or gl-container-scanning-report.json.
enum class OutputFormat { text, json, sarif, junit, gitlab };

using pipeline::FeedOptions;

// `imgscap scan`: the pipeline's options and how the summary is shown.
struct ScanOptions : pipeline::ScanOptions {
  OutputFormat format = OutputFormat::text;
  bool quiet = false;
};

// A terminal progress display on stderr, or none (-q, or stderr not a terminal).
std::unique_ptr<util::Progress> make_progress(const ScanOptions& options, const Streams& streams);

// Prints the summary as --format says (nothing with -q).
void print_summary(const ScanOptions& options, const Streams& streams,
                   const report::Summary& summary, const std::string& json_text);

// `imgscap scan` with several images or --images-from: the fleet.
struct FleetCommandOptions {
  ScanOptions scan;  // for every image (scan.image unused)
  std::vector<std::string> images;
  std::optional<std::filesystem::path> images_from;  // "-": stdin
  std::optional<unsigned> jobs;                      // default: fleet::default_jobs()
  std::uint64_t image_seconds = 20 * 60;
  std::uint64_t run_seconds = 24 * 3600;
  std::optional<std::filesystem::path> store;  // default: fleet::default_store_dir()
  bool no_store = false;
  std::string run_id;  // default: a new one
  std::string shard;   // "I/N", "" for all
};

int run_fleet_scan(const FleetCommandOptions& options, const Streams& streams);

// imgscap report
struct ReportOptions {
  std::optional<std::filesystem::path> store;  // default: fleet::default_store_dir()
  std::optional<std::filesystem::path> output_dir;
  std::string since;  // "", "last", or a date
  OutputFormat format = OutputFormat::text;
};

int run_report(const ReportOptions& options, const Streams& streams);

// imgscap list docker://HOST[:PORT][/REPO]
struct ListOptions {
  std::string target;
  image::SourceOptions source;  // credentials, TLS, retries
  OutputFormat format = OutputFormat::text;
};

int run_list(const ListOptions& options, const Streams& streams);

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
