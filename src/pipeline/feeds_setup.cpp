// SPDX-License-Identifier: Apache-2.0
// The feed catalogue, cache and policy as the options say; shared by scan --cve and feeds.
#include "steps.hpp"

#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/limits.hpp>

#include <cstdlib>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_catalogue_file = "cve-feeds.json";

// $XDG_CONFIG_HOME/imgscap/cve-feeds.json (or ~/.config/...) when it exists.
std::optional<fs::path> user_catalogue() {
  const auto base = util::config_home();
  if (!base) {
    return std::nullopt;
  }
  const auto path = *base / "imgscap" / k_catalogue_file;
  std::error_code ec;
  return fs::is_regular_file(path, ec) ? std::optional(path) : std::nullopt;
}

}  // namespace

bool is_url(const std::string& text) {
  return text.starts_with("https://") || text.starts_with("http://") || text.starts_with("file://");
}

feeds::FeedCatalogue load_feed_catalogue(const FeedOptions& options) {
  std::vector<fs::path> files{scan::data_dir() / k_catalogue_file};
  if (options.catalogues.empty()) {
    if (auto user = user_catalogue()) {
      files.push_back(*user);
    }
  } else {
    files.insert(files.end(), options.catalogues.begin(), options.catalogues.end());
  }
  return feeds::load_catalogue(files);
}

feeds::FeedCache open_feed_cache(const FeedOptions& options) {
  return feeds::FeedCache(options.cache_dir ? fs::absolute(*options.cache_dir)
                                            : feeds::FeedCache::default_dir());
}

feeds::Policy feed_policy(const FeedOptions& options) {
  feeds::Policy policy;
  policy.offline = options.offline;
  policy.max_age_seconds = feeds::parse_duration(options.max_age, "--feed-max-age");
  policy.max_bytes = util::limit(util::Limit::feed_bytes);
  return policy;
}

std::string feed_name_for_url(const feeds::FeedCatalogue& catalogue, const std::string& url) {
  if (const auto* entry = catalogue.for_url(url)) {
    return entry->name;
  }
  return "url-" + util::sha256_of(url).hex().substr(0, 12);
}

}  // namespace imgscap::pipeline
