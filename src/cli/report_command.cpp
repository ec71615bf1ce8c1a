// SPDX-License-Identifier: Apache-2.0
// `imgscap report --store DIR [--since last|DATE] [-o DIR] [--format text|json]`: the fleet as
// the store last saw it and what changed; exits with the fleet's worst image code.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/fleet/report.hpp>
#include <imgscap/fleet/store.hpp>

#include <ostream>

namespace imgscap::cli {

int run_report(const ReportOptions& options, const Streams& streams) {
  const fleet::ResultStore store(options.store.value_or(fleet::default_store_dir()));
  auto report = fleet::build_report(store.runs(), options.since);
  const auto text = fleet::render_text(report);
  auto json = fleet::to_json(report);
  if (options.output_dir) {
    fleet::write_fleet_outputs(report.fleet, *options.output_dir, text, json);
    json["files"] = report.fleet.files;
  }
  if (options.format == OutputFormat::json) {
    streams.out << json.dump(2) << '\n';
  } else {
    streams.out << text;
  }
  streams.out.flush();
  return report.fleet.exit_code();
}

}  // namespace imgscap::cli
