// SPDX-License-Identifier: Apache-2.0
// `imgscap inspect`: refs, digests, layers, config and OS of an image, as text or JSON.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/image/inspect.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/scan/facts.hpp>

#include <ostream>

namespace imgscap::cli {

int run_inspect(const InspectOptions& options, const Streams& streams) {
  const auto reference = image::parse_reference(options.image);
  auto source = image::Source::open(reference, options.source);
  const auto img = source->resolve();
  std::optional<std::string> os_release;
  const bool registry = reference.transport == image::Transport::registry;
  if (registry) {
    // Only the manifest and config are fetched from a registry: the layers stay there.
  } else if (reference.transport == image::Transport::dir) {
    os_release = scan::os_release_text(rootfs::open_root(reference.path));
  } else {
    os_release = image::os_release_from_layers(*source, img);
  }
  auto inspected = image::inspect_json(reference, *source, img, os_release);
  if (registry) {
    inspected["os_release_note"] = "not read: inspect fetches only the manifest and config";
  }
  if (options.format == OutputFormat::json) {
    streams.out << inspected.dump(2) << '\n';
  } else {
    streams.out << image::inspect_text(inspected);
  }
  return 0;
}

}  // namespace imgscap::cli
