// SPDX-License-Identifier: Apache-2.0
// The feed policy: revalidate, fall back to the cache, refuse stale copies; imports.
#include <imgscap/feeds/download.hpp>
#include <imgscap/feeds/feeds.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

// Another imgscap revalidated the feed this recently: use it without asking again.
constexpr long long k_fresh_seconds = 60;

// Removes a temporary file when it goes out of scope, unless it was moved away.
class Temporary {
 public:
  explicit Temporary(fs::path path) : m_path(std::move(path)) {}
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    std::error_code ec;
    fs::remove(m_path, ec);
  }
  [[nodiscard]] const fs::path& path() const noexcept { return m_path; }

 private:
  fs::path m_path;
};

std::string what_to_do(const std::string& name, const std::string& url) {
  return fmt::format(
      "run `imgscap feeds update {}` where {} is reachable, or fetch that file elsewhere and "
      "`imgscap feeds import FILE --name {}`",
      name, url, name);
}

void check_age(const FeedRecord& record, const Policy& policy, const std::string& context) {
  const auto age = now_seconds() - record.verified_at;
  if (policy.max_age_seconds > 0 && age > policy.max_age_seconds) {
    fail(
        "feed {}: {}the cached copy was last known current {} ago, more than the maximum age "
        "({}; --feed-max-age): {}",
        record.name, context, util::format_age(age), util::format_age(policy.max_age_seconds),
        what_to_do(record.name, record.url));
  }
}

Obtained from_cache(const FeedCache& cache, FeedRecord record, std::string how) {
  Obtained o;
  o.file = cache.file_of(record);
  o.age_seconds = now_seconds() - record.verified_at;
  o.record = std::move(record);
  o.how = std::move(how);
  return o;
}

Obtained download(const FeedCache& cache, const std::string& name, const std::string& url,
                  const Policy& policy, const std::optional<FeedRecord>& cached) {
  Validators validators;
  if (cached && cached->origin == "download" && cached->url == url) {
    validators = {cached->etag, cached->last_modified};
  }
  Temporary body(cache.temporary(name, ".download"));
  const auto fetched = fetch(url, validators, body.path(), policy.max_bytes);
  if (fetched.not_modified) {
    auto record = *cached;
    record.verified_at = now_seconds();
    if (!fetched.etag.empty()) {
      record.etag = fetched.etag;
    }
    if (!fetched.last_modified.empty()) {
      record.last_modified = fetched.last_modified;
    }
    cache.save_record(record);
    return from_cache(cache, std::move(record), "not modified since the last download (HTTP 304)");
  }
  Temporary xml(cache.temporary(name, ".xml"));
  FeedRecord record;
  record.name = name;
  record.url = url;
  record.origin = "download";
  record.source = url;
  record.etag = fetched.etag;
  record.last_modified = fetched.last_modified;
  record.fetched_at = record.verified_at = now_seconds();
  record.facts = unpack_feed(body.path(), xml.path(), policy.max_bytes);
  auto how =
      fmt::format("downloaded ({} bytes, {} definitions)", fetched.bytes, record.facts.definitions);
  record = cache.commit(std::move(record), xml.path());
  return from_cache(cache, std::move(record), std::move(how));
}

}  // namespace

long long now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Obtained obtain(const FeedCache& cache, const std::string& name, const std::string& url,
                const Policy& policy) {
  if (policy.offline) {
    auto cached = cache.find(name);
    if (!cached) {
      fail("feed {} is not in the cache ({}) and --offline forbids downloading it: {}", name,
           cache.dir().string(), what_to_do(name, url));
    }
    check_age(*cached, policy, "");
    return from_cache(cache, std::move(*cached), "cache (--offline)");
  }
  const auto lock = cache.lock(name);
  const auto cached = cache.find(name);
  if (cached && cached->url == url && now_seconds() - cached->verified_at < k_fresh_seconds &&
      cached->origin == "download") {
    return from_cache(cache, *cached, "cache (revalidated by another imgscap moments ago)");
  }
  try {
    return download(cache, name, url, policy, cached);
  } catch (const Error& e) {
    if (util::interruption_pending() || e.code() != ExitCode::error) {
      throw;
    }
    if (!cached) {
      fail("feed {}: cannot download it ({}) and nothing is cached for it in {}: {}", name,
           e.what(), cache.dir().string(), what_to_do(name, url));
    }
    check_age(*cached, policy, fmt::format("cannot download it ({}); ", e.what()));
    auto o = from_cache(cache, *cached, "cache (download failed)");
    o.warnings.push_back(fmt::format(
        "feed {}: cannot download it ({}); using the cached copy, last known current {} ago", name,
        e.what(), util::format_age(o.age_seconds)));
    return o;
  }
}

FeedRecord import_file(const FeedCache& cache, const std::string& name, const std::string& url,
                       const fs::path& file, const std::optional<std::string>& expected_sha256,
                       const std::string& platform, std::uint64_t max_bytes) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    fail("{}: no such file", file.string());
  }
  if (expected_sha256) {
    auto expected = *expected_sha256;
    if (expected.starts_with("sha256:")) {
      expected.erase(0, 7);
    }
    const auto actual = util::sha256_of_file(file).hex();
    if (actual != expected) {
      fail("{}: sha256 is {}, not {} as --sha256 says", file.string(), actual, expected);
    }
  }
  const auto lock = cache.lock(name);
  Temporary xml(cache.temporary(name, ".xml"));
  FeedRecord record;
  record.name = name;
  record.url = url;
  record.origin = "import";
  record.source = fs::absolute(file).string();
  record.facts = unpack_feed(file, xml.path(), max_bytes);
  if (!platform.empty() &&
      std::none_of(record.facts.platforms.begin(), record.facts.platforms.end(),
                   [&platform](const std::string& p) { return p == platform; })) {
    fail(
        "{}: its definitions are for {}, not {} (feed {}): a different release's feed? Give "
        "--name for the right entry",
        file.string(),
        record.facts.platforms.empty()
            ? std::string("no platform")
            : fmt::format("\"{}\"", fmt::join(record.facts.platforms, "\", \"")),
        platform, name);
  }
  record.fetched_at = now_seconds();
  // An imported feed is as current as its generator says, never newer than now.
  const auto generated = parse_timestamp(record.facts.generated);
  record.verified_at = generated > 0 ? std::min(generated, record.fetched_at) : record.fetched_at;
  return cache.commit(std::move(record), xml.path());
}

long long parse_duration(const std::string& text, const std::string& option) {
  if (text == "none" || text == "0") {
    return 0;
  }
  long long value = 0;
  const auto* begin = text.data();
  const auto* end = text.data() + text.size();
  const auto [next, ec] = std::from_chars(begin, end, value);
  const std::string unit(next, end);
  long long scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else if (unit == "d") {
    scale = 86400;
  } else if (unit == "w") {
    scale = 7 * 86400;
  }
  if (ec != std::errc() || next == begin || value <= 0 || scale == 0 ||
      value > 100LL * 365 * 86400 / scale) {
    fail("{} takes a duration like 36h, 7d or 2w (s, m, h, d, w), or none (got \"{}\")", option,
         text);
  }
  return value * scale;
}

}  // namespace imgscap::feeds
