// SPDX-License-Identifier: Apache-2.0
// `imgscap scan IMAGE IMAGE... | --images-from FILE|-`: the fleet (fleet::scan_fleet), a line
// per image on stderr as it finishes, the fleet summary on stdout.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/fleet/fleet.hpp>
#include <imgscap/fleet/store.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/signals.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <ostream>
#include <sstream>
#include <tuple>

namespace imgscap::cli {
namespace {

std::vector<std::string> fleet_images(const FleetCommandOptions& options) {
  auto images = options.images;
  if (options.images_from) {
    std::vector<std::string> listed;
    if (*options.images_from == "-") {
      listed = fleet::read_image_list(std::cin);
    } else {
      std::ifstream in(*options.images_from);
      if (!in) {
        fail("--images-from {}: cannot be read", options.images_from->string());
      }
      listed = fleet::read_image_list(in);
    }
    images.insert(images.end(), listed.begin(), listed.end());
  }
  if (images.empty()) {
    fail("no image to scan: give IMAGE arguments or a list with --images-from");
  }
  return images;
}

// "I/N" with 0 <= I < N.
std::pair<unsigned, unsigned> parse_shard(const std::string& text) {
  unsigned index = 0;
  unsigned count = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> index >> slash >> count) || slash != '/' || !in.eof() || count == 0 ||
      index >= count) {
    fail("--shard {}: expected I/N with 0 <= I < N (Kubernetes' JOB_COMPLETION_INDEX/N)", text);
  }
  return {index, count};
}

}  // namespace

int run_fleet_scan(const FleetCommandOptions& options, const Streams& streams) {
  pipeline::check_scan_options_except_image(options.scan);
  fleet::FleetOptions fleet;
  fleet.scan = options.scan;
  fleet.images = fleet_images(options);
  if (!options.no_store) {
    fleet.store = options.store.value_or(fleet::default_store_dir());
  }
  fleet.run_id = options.run_id;
  if (!options.shard.empty()) {
    std::tie(fleet.shard_index, fleet.shard_count) = parse_shard(options.shard);
  }
  if (fleet.store && !options.scan.output_dir) {
    // --store without -o: the store is the only output.
    fleet.write_outputs = false;
    fleet.output_dir = *fleet.store / "tmp" / ("fleet-" + fleet::new_run_id());
  } else {
    fleet.output_dir = options.scan.output_dir.value_or("imgscap-fleet");
  }
  fleet.jobs = options.jobs.value_or(fleet::default_jobs());
  fleet.image_seconds = options.image_seconds;
  // The run's own bound replaces --limit scan-seconds, which bounds each image's scan instead
  // (with --image-timeout, whichever is lower).
  fleet.image_seconds =
      std::min<std::uint64_t>(fleet.image_seconds, util::limit(util::Limit::scan_seconds));
  util::set_deadline_in(options.run_seconds);
  const auto report = fleet::scan_fleet(fleet, options.scan.quiet ? nullptr : &streams.err);
  if (!options.scan.quiet) {
    if (options.scan.format == OutputFormat::json) {
      streams.out << fleet::to_json(report).dump(2) << '\n';
    } else {
      streams.out << fleet::render_text(report);
    }
    streams.out.flush();
  }
  return report.exit_code();
}

}  // namespace imgscap::cli
