// SPDX-License-Identifier: Apache-2.0
// The feed cache: one directory (XDG cache by default) holding each feed as an uncompressed
// OVAL file named by its content (<name>-<sha256 prefix>.xml) and a record <name>.json that
// points to it. Replacing a feed writes the new file, then renames the record over the old one:
// readers never see a partial feed, and a scan already reading the old file keeps it (old files
// are removed only an hour after they were superseded). Updates of one feed take a lock on
// <name>.lock; reading takes none.
#pragma once

#include <imgscap/feeds/feed_file.hpp>
#include <imgscap/util/fd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace imgscap::feeds {

struct FeedRecord {
  std::string name;
  std::string url;     // where it comes from (the catalogue's URL for an import)
  std::string origin;  // "download" or "import"
  std::string source;  // the URL downloaded, or the path imported
  std::string file;    // the OVAL file's name in the cache directory
  std::string etag;    // validators of the download, for conditional requests
  std::string last_modified;
  long long fetched_at = 0;   // when this content was stored (seconds since the epoch)
  long long verified_at = 0;  // when it was last known current (download, 304, import)
  FeedFacts facts;
};

class FeedCache {
 public:
  // Creates the directory (0700) when missing. Throws imgscap::Error when it cannot.
  explicit FeedCache(std::filesystem::path dir);

  // $XDG_CACHE_HOME/imgscap/feeds, else $HOME/.cache/imgscap/feeds.
  static std::filesystem::path default_dir();

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return m_dir; }
  // The record of a feed whose file is present, or nullopt.
  [[nodiscard]] std::optional<FeedRecord> find(const std::string& name) const;
  // Every usable record, by name.
  [[nodiscard]] std::vector<FeedRecord> list() const;
  [[nodiscard]] std::filesystem::path file_of(const FeedRecord& record) const;

  // An exclusive lock on one feed's updates, held while the returned fd lives.
  [[nodiscard]] util::Fd lock(const std::string& name) const;
  // A new empty temporary file in the cache directory (same filesystem, for rename).
  [[nodiscard]] std::filesystem::path temporary(const std::string& name,
                                                const std::string& suffix) const;
  // Moves `xml` (an unpacked, inspected feed in this directory) into place and writes the
  // record; the previous file is kept an hour for scans still reading it. Returns the record.
  FeedRecord commit(FeedRecord record, const std::filesystem::path& xml) const;
  // Rewrites the record (verified_at, validators) without touching the feed file.
  void save_record(const FeedRecord& record) const;

 private:
  void prune() const;
  std::filesystem::path m_dir;
};

}  // namespace imgscap::feeds
