// SPDX-License-Identifier: Apache-2.0
// `imgscap feeds list|update|import`: the CVE feed cache for cron jobs and air-gapped sites.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/pipeline/feeds_setup.hpp>

#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/text.hpp>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <ostream>

namespace imgscap::cli {
namespace {

namespace fs = std::filesystem;
using pipeline::feed_policy;
using pipeline::load_feed_catalogue;
using pipeline::open_feed_cache;

std::string size_text(std::uint64_t bytes) {
  if (bytes >= (1ULL << 20)) {
    return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  }
  return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
}

nlohmann::json record_json(const feeds::FeedRecord& r, const feeds::FeedCache& cache) {
  return {{"name", r.name},
          {"url", r.url},
          {"origin", r.origin},
          {"source", r.source},
          {"path", cache.file_of(r).string()},
          {"sha256", r.facts.sha256},
          {"size", r.facts.size},
          {"definitions", r.facts.definitions},
          {"generated", r.facts.generated},
          {"platforms", r.facts.platforms},
          {"fetched_at", r.fetched_at},
          {"verified_at", r.verified_at},
          {"age_seconds", feeds::now_seconds() - r.verified_at},
          {"etag", r.etag},
          {"last_modified", r.last_modified}};
}

int list_feeds(const FeedsOptions& options, const Streams& streams) {
  const auto catalogue = load_feed_catalogue(options.feeds);
  const auto cache = open_feed_cache(options.feeds);
  const auto records = cache.list();
  std::vector<std::string> missing;
  std::vector<std::string> no_oval;
  for (const auto& entry : catalogue.entries) {
    if (!entry.no_oval.empty()) {
      no_oval.push_back(fmt::format("{} ({})", entry.name, entry.no_oval));
      continue;
    }
    if (std::none_of(records.begin(), records.end(),
                     [&entry](const feeds::FeedRecord& r) { return r.name == entry.name; })) {
      missing.push_back(entry.name);
    }
  }
  if (options.format == OutputFormat::json) {
    nlohmann::json cached = nlohmann::json::array();
    for (const auto& r : records) {
      cached.push_back(record_json(r, cache));
    }
    streams.out << nlohmann::json{{"cache_dir", cache.dir().string()},
                                  {"feeds", cached},
                                  {"not_cached", missing},
                                  {"no_oval", no_oval}}
                       .dump(2)
                << "\n";
    return 0;
  }
  streams.out << fmt::format("Cache: {}\n", cache.dir().string());
  if (records.empty()) {
    streams.out << "No feeds cached.\n";
  } else {
    streams.out << fmt::format("{:<16} {:>10} {:>11} {:>11}  {:<8} {}\n", "NAME", "AGE", "SIZE",
                               "DEFINITIONS", "ORIGIN", "SOURCE");
    for (const auto& r : records) {
      streams.out << fmt::format("{:<16} {:>10} {:>11} {:>11}  {:<8} {}\n", r.name,
                                 util::format_age(feeds::now_seconds() - r.verified_at),
                                 size_text(r.facts.size), r.facts.definitions, r.origin, r.source);
    }
    streams.out << "AGE: since last known current (downloaded, revalidated, or generated for "
                   "an import).\n";
  }
  if (!missing.empty()) {
    streams.out << fmt::format("Not cached (catalogue): {}\n", fmt::join(missing, ", "));
  }
  for (const auto& line : no_oval) {
    streams.out << fmt::format("No OVAL feed: {}\n", line);
  }
  return 0;
}

int update_feeds(const FeedsOptions& options, const Streams& streams) {
  const auto catalogue = load_feed_catalogue(options.feeds);
  const auto cache = open_feed_cache(options.feeds);
  auto policy = feed_policy(options.feeds);
  policy.offline = false;
  std::vector<std::pair<std::string, std::string>> wanted;  // name, url
  if (options.names.empty()) {
    for (const auto& r : cache.list()) {
      const auto* entry = catalogue.find(r.name);
      const auto url = entry != nullptr ? entry->url : r.url;
      if (url.empty()) {
        spdlog::warn("feed {}: imported without a URL; skipped", r.name);
        continue;
      }
      wanted.emplace_back(r.name, url);
    }
    if (wanted.empty()) {
      fail("no cached feed to update: name catalogue entries ({})", [&catalogue] {
        std::vector<std::string> names;
        for (const auto& e : catalogue.entries) {
          names.push_back(e.name);
        }
        return fmt::format("{}", fmt::join(names, ", "));
      }());
    }
  } else {
    for (const auto& name : options.names) {
      const auto* entry = catalogue.find(name);
      if (entry == nullptr) {
        fail("feed {}: not in the catalogue (it has: {})", name, catalogue.supported());
      }
      if (!entry->no_oval.empty()) {
        fail("feed {}: there is no OVAL feed to update: {}", name, entry->no_oval);
      }
      wanted.emplace_back(entry->name, entry->url);
    }
  }
  int failures = 0;
  for (const auto& [name, url] : wanted) {
    try {
      const auto obtained = feeds::obtain(cache, name, url, policy);
      if (!obtained.warnings.empty()) {
        ++failures;
        for (const auto& w : obtained.warnings) {
          spdlog::error("{}", w);
        }
        continue;
      }
      streams.out << fmt::format("{}: {}\n", name, obtained.how);
    } catch (const Error& e) {
      if (e.code() != ExitCode::error) {
        throw;
      }
      ++failures;
      spdlog::error("{}", e.what());
    }
  }
  return failures == 0 ? 0 : static_cast<int>(ExitCode::error);
}

// The catalogue entry a published file is for: its URL ends with the file's name.
const feeds::FeedEntry* entry_for_file(const feeds::FeedCatalogue& catalogue,
                                       const fs::path& file) {
  auto stem = [](std::string name) {
    for (const char* suffix : {".bz2", ".xz", ".gz", ".zst"}) {
      if (name.ends_with(suffix)) {
        name.erase(name.size() - std::string_view(suffix).size());
      }
    }
    return name;
  };
  const auto name = stem(file.filename().string());
  for (const auto& entry : catalogue.entries) {
    if (!entry.url.empty() && stem(entry.url.substr(entry.url.rfind('/') + 1)) == name) {
      return &entry;
    }
  }
  return nullptr;
}

int import_feed(const FeedsOptions& options, const Streams& streams) {
  const auto catalogue = load_feed_catalogue(options.feeds);
  const auto cache = open_feed_cache(options.feeds);
  const feeds::FeedEntry* entry = nullptr;
  std::string name = options.name;
  if (name.empty()) {
    entry = entry_for_file(catalogue, options.file);
    if (entry == nullptr) {
      fail("{}: no catalogue entry publishes a file of this name; give --name (one of: {})",
           options.file.string(), catalogue.supported());
    }
    name = entry->name;
  } else {
    entry = catalogue.find(name);
    if (entry == nullptr) {
      fail("--name {}: not in the catalogue (it has: {}); add it with --cve-catalogue FILE", name,
           catalogue.supported());
    }
    if (!entry->no_oval.empty()) {
      fail("--name {}: that release has no OVAL feed: {}", name, entry->no_oval);
    }
  }
  const auto record = feeds::import_file(cache, name, entry->url, options.file, options.sha256,
                                         entry->platform, util::limit(util::Limit::feed_bytes));
  streams.out << fmt::format(
      "{}: imported {} ({} definitions, {}, sha256 {}, generated {}); last known current {} "
      "ago\n",
      name, options.file.string(), record.facts.definitions, size_text(record.facts.size),
      record.facts.sha256, record.facts.generated.empty() ? "?" : record.facts.generated,
      util::format_age(feeds::now_seconds() - record.verified_at));
  return 0;
}

}  // namespace

int run_feeds(const FeedsOptions& options, const Streams& streams) {
  if (options.action == "list") {
    return list_feeds(options, streams);
  }
  if (options.action == "update") {
    return update_feeds(options, streams);
  }
  return import_feed(options, streams);
}

}  // namespace imgscap::cli
