// SPDX-License-Identifier: Apache-2.0
// The feed catalogue, cache and policy as FeedOptions say: shared by scan --cve and the feeds
// command.
#pragma once

#include <imgscap/feeds/cache.hpp>
#include <imgscap/feeds/catalogue.hpp>
#include <imgscap/feeds/feeds.hpp>
#include <imgscap/pipeline/scan.hpp>

#include <string>

namespace imgscap::pipeline {

feeds::FeedCatalogue load_feed_catalogue(const FeedOptions& options);
feeds::FeedCache open_feed_cache(const FeedOptions& options);
feeds::Policy feed_policy(const FeedOptions& options);
// A cache name for a URL the catalogue does not list: "url-<12 hex of its sha256>".
std::string feed_name_for_url(const feeds::FeedCatalogue& catalogue, const std::string& url);
bool is_url(const std::string& text);

}  // namespace imgscap::pipeline
