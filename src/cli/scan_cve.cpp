// SPDX-License-Identifier: Apache-2.0
// The CVE scan step of `imgscap scan --cve`: choose the feed (catalogue entry for the image's OS,
// a URL or a file), obtain it under the cache policy, evaluate it in the sandbox like any OVAL
// content, and read the vulnerabilities back.
#include "scan_steps.hpp"

#include <imgscap/report/checks.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/signals.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <fstream>

namespace imgscap::cli {
namespace {

namespace fs = std::filesystem;

std::string os_text(const scan::OsRelease& os) {
  return fmt::format("{} (ID={} VERSION_ID={})",
                     os.pretty_name.empty() ? os.id + " " + os.version_id : os.pretty_name, os.id,
                     os.version_id.empty() ? "none" : os.version_id);
}

bool compressed(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<unsigned char, 6> magic{};
  in.read(reinterpret_cast<char*>(magic.data()), magic.size());
  const auto n = in.gcount();
  const auto starts = [&](std::initializer_list<unsigned char> bytes) {
    return n >= static_cast<std::streamsize>(bytes.size()) &&
           std::equal(bytes.begin(), bytes.end(), magic.begin());
  };
  return starts({0x1f, 0x8b}) || starts({'B', 'Z', 'h'}) ||
         starts({0xfd, '7', 'z', 'X', 'Z', 0x00}) || starts({0x28, 0xb5, 0x2f, 0xfd});
}

// Why the probes this feed's tests use cannot be trusted on this image, or "".
std::string broken_probe_reason(const feeds::FeedFacts& facts, const report::BrokenProbes& broken) {
  for (const auto& [test, count] : facts.tests) {
    const auto probe = test.substr(0, test.size() - std::string_view("_test").size());
    if (const auto it = broken.find(probe); it != broken.end()) {
      return fmt::format("its {} {} tests need the {} probe, which cannot be trusted here: {}",
                         count, test, probe, it->second);
    }
  }
  return {};
}

// Warns when a feed given explicitly is for another release than the catalogue's for this OS.
void check_platform(const feeds::FeedFacts& facts, const feeds::FeedCatalogue& catalogue,
                    const std::optional<scan::OsRelease>& os, report::VulnerabilityScan& out) {
  if (!os) {
    return;
  }
  const auto* entry = catalogue.for_os(os->id, os->version_id);
  if (entry == nullptr || entry->platform.empty() || facts.platforms.empty()) {
    return;
  }
  if (std::find(facts.platforms.begin(), facts.platforms.end(), entry->platform) ==
      facts.platforms.end()) {
    out.warnings.push_back(fmt::format(
        "the feed's definitions are for {}, but the image is {}: its release checks will find "
        "nothing vulnerable; --cve auto uses {}",
        fmt::join(facts.platforms, ", "), os_text(*os), entry->name));
  }
}

void record_feed(report::VulnerabilityScan& out, const feeds::Obtained& obtained) {
  auto& f = out.feed;
  f.name = obtained.record.name;
  f.url = obtained.record.url;
  f.origin = obtained.record.origin;
  f.source = obtained.record.source;
  f.path = obtained.file.string();
  f.sha256 = obtained.record.facts.sha256;
  f.generated = obtained.record.facts.generated;
  f.how = obtained.how;
  f.age_seconds = obtained.age_seconds;
  f.definitions = obtained.record.facts.definitions;
  out.warnings.insert(out.warnings.end(), obtained.warnings.begin(), obtained.warnings.end());
}

struct ChosenFeed {
  fs::path file;
  feeds::FeedFacts facts;
};

// Decides and obtains the feed; fills out.status "unsupported" (and returns nullopt) when there
// is none for the OS.
std::optional<ChosenFeed> choose_feed(const ScanOptions& options,
                                      const std::optional<scan::OsRelease>& os,
                                      const rootfs::WorkDir& workdir,
                                      report::VulnerabilityScan& out) {
  const auto catalogue = load_feed_catalogue(options.feeds);
  if (options.cve == "auto") {
    if (!os) {
      out.status = "unsupported";
      out.reason =
          "the image has no etc/os-release, so its OS and release are unknown; give the feed with "
          "--cve FILE|URL";
      return std::nullopt;
    }
    const auto* entry = catalogue.for_os(os->id, os->version_id);
    if (entry == nullptr) {
      out.status = "unsupported";
      out.reason = fmt::format(
          "no CVE feed for {} in the catalogue (it has: {}); add an entry with --cve-catalogue "
          "FILE, or give the feed with --cve FILE|URL",
          os_text(*os), catalogue.supported());
      return std::nullopt;
    }
    if (!entry->no_oval.empty()) {
      out.status = "unsupported";
      out.reason = fmt::format("no OVAL feed for {}: {}", os_text(*os), entry->no_oval);
      return std::nullopt;
    }
    out.reason = fmt::format("the catalogue's feed for {}: {} {}", os_text(*os), entry->distributor,
                             entry->name);
    auto cache = open_feed_cache(options.feeds);
    const auto obtained = feeds::obtain(cache, entry->name, entry->url, feed_policy(options.feeds));
    record_feed(out, obtained);
    return ChosenFeed{obtained.file, obtained.record.facts};
  }
  if (is_url(options.cve)) {
    const auto name = feed_name_for_url(catalogue, options.cve);
    out.reason = "given with --cve URL";
    auto cache = open_feed_cache(options.feeds);
    const auto obtained = feeds::obtain(cache, name, options.cve, feed_policy(options.feeds));
    record_feed(out, obtained);
    check_platform(obtained.record.facts, catalogue, os, out);
    return ChosenFeed{obtained.file, obtained.record.facts};
  }
  const fs::path file = fs::absolute(options.cve);
  out.reason = "given with --cve FILE";
  ChosenFeed chosen;
  if (compressed(file)) {
    chosen.file = workdir.private_dir() / "cve-feed.xml";
    chosen.facts = feeds::unpack_feed(file, chosen.file, util::limit(util::Limit::feed_bytes));
  } else {
    chosen.file = file;
    chosen.facts = feeds::inspect_feed(file);
  }
  auto& f = out.feed;
  f.url = "file://" + file.string();
  f.origin = "file";
  f.source = file.string();
  f.path = chosen.file.string();
  f.sha256 = chosen.facts.sha256;
  f.generated = chosen.facts.generated;
  f.how = chosen.facts.compression == "none" ? "file" : "file (" + chosen.facts.compression + ")";
  f.definitions = chosen.facts.definitions;
  check_platform(chosen.facts, catalogue, os, out);
  return chosen;
}

}  // namespace

void check_cve_option(const ScanOptions& options) {
  if (options.cve == "off") {
    return;
  }
  (void)load_feed_catalogue(options.feeds);
  (void)feed_policy(options.feeds);
  if (options.cve == "auto" || is_url(options.cve)) {
    return;
  }
  std::error_code ec;
  if (!fs::is_regular_file(options.cve, ec)) {
    fail("--cve {}: no such file (--cve takes auto, off, a feed file or an http(s):// URL)",
         options.cve);
  }
}

ScannedFeed scan_vulnerabilities(const ScanOptions& options,
                                 const std::optional<scan::OsRelease>& os,
                                 const scan::Target& target, const rootfs::WorkDir& workdir,
                                 const report::BrokenProbes& broken, util::Progress& progress) {
  ScannedFeed scanned;
  auto& out = scanned.scan;
  if (options.cve == "off") {
    return scanned;
  }
  progress.phase("getting the CVE feed");
  const auto chosen =
      with_context("--cve " + options.cve, [&] { return choose_feed(options, os, workdir, out); });
  for (const auto& warning : out.warnings) {
    spdlog::warn("{}", warning);
  }
  if (!chosen) {
    spdlog::warn("no vulnerability scan: {}", out.reason);
    return scanned;
  }
  if (const auto reason = broken_probe_reason(chosen->facts, broken); !reason.empty()) {
    out.status = "not_evaluated";
    out.reason = reason;
    return scanned;
  }
  util::throw_if_interrupted();
  const auto results_dir = workdir.results_dir() / "cve";
  fs::create_directories(results_dir);
  scan::Content content{chosen->file, scan::ContentKind::oval, util::Digest{}};
  content.sha256 = util::Digest::parse("sha256:" + chosen->facts.sha256);
  progress.phase("evaluating the CVE feed");
  scan::EvalRequest request{content, "", std::nullopt, results_dir, {}};
  request.validate = false;
  const auto outcome = scan::evaluate(target, request, progress);
  scanned.results_file = outcome.results_file;
  const auto reading = std::chrono::steady_clock::now();
  out.results = report::read_vulnerabilities(outcome.results_file);
  const double read_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - reading).count();
  out.status = "scanned";
  if (!out.results.failed_release_checks.empty()) {
    out.status = "not_evaluated";
    out.reason = fmt::format(
        "the feed does not apply to this image: its release check is not true here ({}); it is "
        "for another OS or release, so its definitions say nothing about this image",
        fmt::join(out.results.failed_release_checks, "; "));
  } else if (const auto n = out.results.without_package; n > 0) {
    if (n == out.results.found.size()) {
      out.status = "not_evaluated";
      out.reason = fmt::format(
          "the feed does not apply to this image: its {} true definitions are true only "
          "because of the feed's release check (no installed package is older than a fixed "
          "version), which is how a feed for another OS or release answers",
          n);
    } else {
      out.warnings.push_back(fmt::format(
          "{} definitions are true without an installed vulnerable package (the feed's release "
          "check): is the feed for this OS and release?",
          n));
    }
  }
  progress.phase("writing the HTML report of the CVE scan");
  scanned.report_file = results_dir / "report.html";
  const auto report_figures = scan::render_report(
      target, {outcome.results_file, scan::ContentKind::oval, "", "", scanned.report_file});
  scanned.figures.seconds = outcome.seconds;
  scanned.figures.peak_rss_kb = outcome.peak_rss_kb;
  scanned.figures.seconds.insert(report_figures.seconds.begin(), report_figures.seconds.end());
  scanned.figures.peak_rss_kb.insert(report_figures.peak_rss_kb.begin(),
                                     report_figures.peak_rss_kb.end());
  scanned.figures.seconds["read"] = read_seconds;
  out.timings = scanned.figures.seconds;
  return scanned;
}

}  // namespace imgscap::cli
