// SPDX-License-Identifier: Apache-2.0
// Scan steps before evaluation: the user namespace, the work directory, and unpacking the
// layers in order.
#include "steps.hpp"

#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/prefetch_stream.hpp>
#include <imgscap/util/signals.hpp>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>

namespace imgscap::pipeline {
namespace {}  // namespace

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

namespace {

void apply_layers(image::Source& source, const image::Image& img, const util::Fd& root,
                  rootfs::ApplyOptions apply_options, Unpacked& unpacked,
                  util::Progress& progress) {
  apply_options.facts = &unpacked.file_facts;
  std::uint64_t image_bytes = 0;
  for (std::size_t i = 0; i < img.layers.size(); ++i) {
    util::throw_if_interrupted();
    apply_options.image_bytes_left = util::limit(util::Limit::image_bytes) - image_bytes;
    progress.layer_started(i, img.layers.size(), img.layers[i].digest.str(), img.layers[i].size);
    with_context(image::layer_context(img, i), [&] {
      util::PrefetchStream stream(source.open_layer(img, i));  // decompress while writing
      auto stats = rootfs::apply_layer(root, stream, apply_options);
      unpacked.skipped.insert(unpacked.skipped.end(), stats.skipped.begin(), stats.skipped.end());
      unpacked.unmapped_owners += stats.unmapped_owners;
      image_bytes += stats.tar_bytes;
    });
  }
  unpacked.file_facts.inspect_contents(root);
}

bool out_of_space(const Error& e) {
  return e.error_number() == ENOSPC || e.error_number() == EDQUOT;
}

}  // namespace

Unpacked walk_directory(const std::filesystem::path& rootfs_path) {
  Unpacked unpacked;
  unpacked.file_facts = rootfs::walk_file_facts(rootfs::open_root(rootfs_path));
  return unpacked;
}

std::optional<sandbox::MemoryRoot> memory_root_for(const ScanOptions& options,
                                                   const std::optional<sandbox::UserNamespace>& ns,
                                                   const rootfs::WorkDir& workdir) {
  if (!ns || options.keep_rootfs) {
    return std::nullopt;  // a kept tree must outlive the scan; without namespaces, no mounts
  }
  const auto budget = options.rootfs_memory.value_or(sandbox::default_memory_budget());
  auto memory_root = sandbox::MemoryRoot::mount(workdir.rootfs(), budget);
  if (memory_root) {
    spdlog::debug("unpacking into a RAM-backed root of at most {} MiB", budget >> 20);
  }
  return memory_root;
}

Unpacked unpack(image::Source& source, const image::Image& img,
                const std::filesystem::path& rootfs_path,
                std::optional<sandbox::MemoryRoot>& memory_root,
                const std::optional<sandbox::UserNamespace>& ns, util::Progress& progress) {
  rootfs::ApplyOptions apply_options;
  apply_options.preserve_ownership = ns ? ns->map != sandbox::IdMap::single : ::geteuid() == 0;
  if (ns) {
    apply_options.owner_id_limit = ns->mapped_ids;
  }
  apply_options.on_progress = [&progress](std::uint64_t bytes) { progress.layer_bytes(bytes); };
  apply_options.interrupted = [] { return util::interruption_pending(); };
  Unpacked unpacked;
  try {
    apply_layers(source, img, rootfs::open_root(rootfs_path), apply_options, unpacked, progress);
  } catch (const Error& e) {
    util::throw_if_interrupted();
    if (!memory_root || !out_of_space(e)) {
      throw;
    }
    const auto budget = memory_root->size_bytes();
    memory_root.reset();  // unmounted: rootfs/ is the empty directory on disk again
    unpacked = Unpacked{};
    unpacked.notes.push_back(fmt::format(
        "the image did not fit in a RAM-backed root of {} MiB (--rootfs-memory): unpacked on "
        "disk instead",
        budget >> 20));
    spdlog::info("{}", unpacked.notes.back());
    apply_layers(source, img, rootfs::open_root(rootfs_path), apply_options, unpacked, progress);
  }
  return unpacked;
}

}  // namespace imgscap::pipeline
