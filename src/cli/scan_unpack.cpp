// SPDX-License-Identifier: Apache-2.0
// Scan steps before evaluation: the user namespace, the work directory, and unpacking the
// layers in order.
#include "scan_steps.hpp"

#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/signals.hpp>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

namespace imgscap::cli {
namespace {

std::string layer_context(const image::Image& img, std::size_t index) {
  return fmt::format("layer {} ({})", index + 1, img.layers[index].digest.short_str());
}

}  // namespace

std::optional<sandbox::UserNamespace> enter_namespace(const ScanOptions& options) {
  if (options.unsafe_no_sandbox) {
    spdlog::warn(
        "--unsafe-no-sandbox: evaluating without isolation; image symlinks can make the "
        "probes read host files");
    return std::nullopt;
  }
  auto ns = sandbox::enter_user_namespace();
  spdlog::debug("user namespace: {}", ns.description);
  return ns;
}

rootfs::WorkDir make_workdir(const ScanOptions& options) {
  auto workdir = rootfs::WorkDir::create(options.workdir);
  if (options.keep_rootfs) {
    workdir.keep();
    spdlog::info("kept work directory: {} (root filesystem in {})", workdir.path().string(),
                 workdir.rootfs().string());
  }
  spdlog::debug("work directory {}", workdir.path().string());
  return workdir;
}

std::string special_files_fact(const std::vector<rootfs::SkippedEntry>& skipped) {
  std::string text;
  for (const auto& entry : skipped) {
    std::string type = entry.kind;
    std::replace(type.begin(), type.end(), ' ', '-');
    text +=
        fmt::format("{} {:04o} {}:{} /{}\n", type, entry.mode, entry.uid, entry.gid, entry.path);
  }
  return text;
}

Unpacked unpack(image::Source& source, const image::Image& img, const util::Fd& root,
                const std::optional<sandbox::UserNamespace>& ns, util::Progress& progress) {
  Unpacked unpacked;
  rootfs::ApplyOptions apply_options;
  apply_options.preserve_ownership = ns ? ns->map != sandbox::IdMap::single : ::geteuid() == 0;
  if (ns) {
    apply_options.owner_id_limit = ns->mapped_ids;
  }
  apply_options.on_progress = [&progress](std::uint64_t bytes) { progress.layer_bytes(bytes); };
  apply_options.interrupted = [] { return util::interruption_pending(); };
  apply_options.facts = &unpacked.file_facts;
  std::uint64_t image_bytes = 0;
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    util::throw_if_interrupted();
    apply_options.image_bytes_left = util::limit(util::Limit::image_bytes) - image_bytes;
    progress.layer_started(i, img.layers.size(), img.layers[i].digest.str(), img.layers[i].size);
    try {
      auto stream = source.open_layer(img, i);
      auto stats = rootfs::apply_layer(root, *stream, apply_options);
      unpacked.skipped.insert(unpacked.skipped.end(), stats.skipped.begin(), stats.skipped.end());
      unpacked.unmapped_owners += stats.unmapped_owners;
      image_bytes += stats.tar_bytes;
    } catch (const Error& e) {
      util::throw_if_interrupted();
      // Errors raised while reading the blob carry the layer already (with_error_context);
      // those of applying entries get it here.
      const std::string message = e.what();
      const auto context = layer_context(img, i);
      const auto at = message.find(context + ": ");
      if (at == 0) {
        throw;
      }
      if (at != std::string::npos) {  // "entry x: layer 2 (...): reason" -> "layer 2 (...): entry
                                      // x: reason"
        throw Error(
            context + ": " + message.substr(0, at) + message.substr(at + context.size() + 2),
            e.code());
      }
      throw Error(context + ": " + message, e.code());
    }
  }
  unpacked.file_facts.inspect_contents(root);
  return unpacked;
}

}  // namespace imgscap::cli
