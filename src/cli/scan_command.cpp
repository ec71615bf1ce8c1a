// SPDX-License-Identifier: Apache-2.0
// `imgscap scan IMAGE`: the pipeline (pipeline::scan_image) with a progress display, then the
// summary printed as text or JSON.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/report/summary.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <fmt/format.h>

#include <ostream>

namespace imgscap::cli {

std::unique_ptr<util::Progress> make_progress(const ScanOptions& options, const Streams& streams) {
  if (streams.err_is_terminal && !options.quiet) {
    return util::make_terminal_progress(streams.err);
  }
  return util::make_silent_progress();
}

void print_summary(const ScanOptions& options, const Streams& streams,
                   const report::Summary& summary, const std::string& json_text) {
  if (options.quiet) {
    return;
  }
  switch (options.format) {
    case OutputFormat::json:
      streams.out << json_text << '\n';
      break;
    case OutputFormat::sarif:
    case OutputFormat::junit:
    case OutputFormat::gitlab: {
      const char* kind = options.format == OutputFormat::sarif   ? "sarif"
                         : options.format == OutputFormat::junit ? "junit"
                                                                 : "gitlab";
      const auto it = summary.files.find(kind);
      if (it == summary.files.end()) {
        fail("the scan wrote no {} output", kind);
      }
      streams.out << util::read_file(it->second);
      break;
    }
    case OutputFormat::text:
      streams.out << report::render_text(summary);
      break;
  }
  streams.out.flush();
}

int run_scan(const ScanOptions& options, const Streams& streams) {
  const auto progress = make_progress(options, streams);
  const auto outcome = pipeline::scan_image(options, *progress);
  print_summary(options, streams, outcome.summary, outcome.json_text);
  if (outcome.attached && !options.quiet) {
    streams.err << fmt::format("imgscap: results attached to {} as {} ({})\n",
                               outcome.summary.image.manifest_digest, outcome.attached->digest,
                               outcome.attached->how);
  }
  if (!outcome.attach_error.empty()) {
    return static_cast<int>(ExitCode::error);  // asked to attach, and it did not happen
  }
  return outcome.summary.exit_code();
}

}  // namespace imgscap::cli
