// SPDX-License-Identifier: Apache-2.0
// The result store of fleet scans (--store DIR): each image's results kept under a key made of
// everything that decides them, so that an unchanged image is reported without being pulled or
// unpacked again; and a record per run, from which `imgscap report` tells what changed.
//
//   DIR/results/<key>/   a scan's outputs (summary.json, ARF, reports) and result.json;
//                        .kept/: the part of the image its CVE feed reads (pipeline::ScanOptions::
//                        kept_dir), for evaluating a later feed without the image
//   DIR/runs/<started>-<run id>-<shard>.json   what one run (or shard) scanned
//   DIR/locks/<key>      flock'ed while an image with that key is scanned
//   DIR/tmp/             results being written (renamed into results/ when complete)
//
// Safe for concurrent writers (several cron jobs, shards on a shared filesystem): results and
// run records appear by rename, a key is scanned by one process at a time, and a result that
// is already there is kept.
#pragma once

#include <imgscap/fleet/fleet.hpp>
#include <imgscap/util/fd.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::fleet {

// The default store: $XDG_STATE_HOME/imgscap, else ~/.local/state/imgscap.
std::filesystem::path default_store_dir();

// What a run record holds.
struct RunRecord {
  std::string run_id;      // shards of one run share it (--run-id)
  std::string started_at;  // UTC, RFC 3339
  std::string shard;       // "I/N", "" when not sharded
  std::vector<ImageResult> images;
};

nlohmann::json to_json(const RunRecord& run);
RunRecord run_record_from_json(const nlohmann::json& json);

class ResultStore {
 public:
  explicit ResultStore(std::filesystem::path dir);  // creates the layout; throws imgscap::Error

  [[nodiscard]] const std::filesystem::path& dir() const { return m_dir; }

  // Held while the image with this key is looked up and scanned: a second process asking for
  // the same key waits, then finds the first one's result.
  [[nodiscard]] util::Fd lock(const std::string& key) const;

  struct Found {
    std::filesystem::path directory;  // the stored outputs
    ImageResult result;
  };
  [[nodiscard]] std::optional<Found> find(const std::string& key) const;

  // Stores a finished scan's outputs (copied; hard links where the filesystem allows) with its
  // result and the kept part of the image (when there is one), replacing what the key held.
  // Returns the stored directory.
  std::filesystem::path put(const std::string& key, const std::filesystem::path& outputs,
                            const ImageResult& result,
                            const std::optional<std::filesystem::path>& kept) const;

  // Replaces the result kept with a stored scan (held under lock(key)).
  void update(const std::string& key, const ImageResult& result) const;

  void record(const RunRecord& run) const;
  // Every run record, oldest first (by started_at, then name).
  [[nodiscard]] std::vector<RunRecord> runs() const;

  // Keeps the records of the last `keep_runs` runs (by run id) and the results they name;
  // removes older records and results nothing kept names (results younger than a day stay:
  // a concurrent run may be about to record them).
  void prune(std::size_t keep_runs) const;

 private:
  std::filesystem::path m_dir;
};

// The store key of an image scanned with these options: sha256 over the image's digest and
// every input that decides its results (content files by sha256, for --content auto the
// built-in content and the SSG datastreams that could be chosen, profile, tailoring, --cve (a
// feed file by its path), --fail-on, --ignore-unfixed, platform, imgscap's version). The feed a
// stored result used is checked apart (its sha256 is in the result): when only the feed
// changed, the store's kept part of the image answers the new one.
std::string result_key(const pipeline::ScanOptions& options, const std::string& image_digest);

// The directory of a result's kept part.
std::filesystem::path kept_part(const std::filesystem::path& stored);

// Copies a result directory (hard links where possible), without the store's own entries
// (result.json, .kept): what a reused result shows under -o.
void copy_outputs(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace imgscap::fleet
