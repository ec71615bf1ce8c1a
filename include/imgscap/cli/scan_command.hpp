// SPDX-License-Identifier: Apache-2.0
// `imgscap scan`: image -> unpacked root -> evaluation -> ARF, HTML report and failure summary.
// Takes a plain options struct; argument parsing stays in cli.cpp.
#pragma once

#include <imgscap/cli/cli.hpp>
#include <imgscap/report/summary.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::cli {

enum class OutputFormat { text, json };

struct ScanOptions {
  std::string image;
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
  bool unsafe_no_sandbox = false;  // evaluate on the host, without namespaces (see the man page)
};

// Runs a scan and prints the summary; returns the exit code (0 compliant, 2 non-compliant).
// Throws imgscap::Error for everything that makes the scan fail.
int run_scan(const ScanOptions& options, const Streams& streams);

struct InspectOptions {
  std::string image;
  OutputFormat format = OutputFormat::text;
};

int run_inspect(const InspectOptions& options, const Streams& streams);

}  // namespace imgscap::cli
