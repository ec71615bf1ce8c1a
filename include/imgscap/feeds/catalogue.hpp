// SPDX-License-Identifier: Apache-2.0
// The CVE feed catalogue: which distributor OVAL feed serves which OS release. The built-in
// catalogue (content/cve-feeds.json) comes first; users' catalogue files add entries or replace
// built-in ones of the same name (a mirror URL, a release imgscap does not know yet).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::feeds {

struct FeedEntry {
  std::string name;         // "debian-12", "rhel-9", "ubuntu-24.04": the cache key
  std::string os_id;        // os-release ID it serves: "debian", "rhel", "ubuntu"
  std::string version;      // VERSION_ID: "22.04" exactly, "9" the major part of "9.4"
  std::string distributor;  // "Debian", "Red Hat", "Canonical"
  std::string url;          // "" when the release has no OVAL feed (no_oval says why)
  std::string no_oval;      // why the distributor publishes no OVAL feed for this release
  std::string platform;     // what the feed's definitions name as platform ("Debian GNU/Linux 12")
  // What the feed's dpkginfo names mean: "source" (Debian's), "binary", or "" (told from the
  // feed's generator).
  std::string dpkg_names;
  std::string note;
  std::filesystem::path catalogue;  // the file the entry came from
};

struct FeedCatalogue {
  std::vector<FeedEntry> entries;
  std::vector<std::filesystem::path> files;  // read, in order

  [[nodiscard]] const FeedEntry* find(std::string_view name) const;
  // The entry for an os-release ID and VERSION_ID, or nullptr.
  [[nodiscard]] const FeedEntry* for_os(std::string_view id, std::string_view version_id) const;
  // The entry whose URL is `url`, or nullptr.
  [[nodiscard]] const FeedEntry* for_url(std::string_view url) const;
  // "debian 11, 12, 13; rhel 8, 9; ubuntu 22.04, 24.04" (entries with a feed) for messages.
  [[nodiscard]] std::string supported() const;
};

// Reads the catalogue files in order; a later entry with the same name replaces an earlier one.
// Throws imgscap::Error naming the file and entry when one is malformed.
FeedCatalogue load_catalogue(const std::vector<std::filesystem::path>& files);

// Whether `version` (as a catalogue writes it) matches an os-release VERSION_ID.
bool version_matches(std::string_view version, std::string_view version_id);

}  // namespace imgscap::feeds
