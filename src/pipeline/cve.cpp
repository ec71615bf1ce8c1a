// SPDX-License-Identifier: Apache-2.0
// The CVE scan step of `imgscap scan --cve`: choose the feed (catalogue entry for the image's OS,
// a URL or a file), obtain it under the cache policy, evaluate it in the sandbox like any OVAL
// content, and read the vulnerabilities back.
#include "steps.hpp"

#include <imgscap/feeds/index.hpp>
#include <imgscap/feeds/settle.hpp>
#include <imgscap/report/checks.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/signals.hpp>

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <fstream>
#include <unordered_set>

namespace imgscap::pipeline {
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

// Where the feed's index is kept: the cache directory (named by the feed's digest, so a feed
// given as a file shares it), or the work directory when the cache cannot be used.
fs::path index_file(const ScanOptions& options, const std::string& feed_sha256,
                    const rootfs::WorkDir& workdir) {
  try {
    const auto cache = open_feed_cache(options.feeds);
    return feeds::index_path(cache.dir(), feed_sha256);
  } catch (const Error& e) {
    spdlog::debug("feed index in the work directory: {}", e.what());
    return workdir.private_dir() / "cve-feed.index";
  }
}

struct ChosenFeed {
  fs::path file;
  feeds::FeedFacts facts;
  std::optional<feeds::FeedIndex> index;  // when already loaded
  std::optional<feeds::FeedEntry> entry;  // the catalogue's entry for it, if any
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
    return ChosenFeed{obtained.file, obtained.record.facts, std::nullopt, *entry};
  }
  if (is_url(options.cve)) {
    const auto name = feed_name_for_url(catalogue, options.cve);
    out.reason = "given with --cve URL";
    auto cache = open_feed_cache(options.feeds);
    const auto obtained = feeds::obtain(cache, name, options.cve, feed_policy(options.feeds));
    record_feed(out, obtained);
    check_platform(obtained.record.facts, catalogue, os, out);
    const auto* entry = catalogue.for_url(options.cve);
    return ChosenFeed{obtained.file, obtained.record.facts, std::nullopt,
                      entry != nullptr ? std::optional(*entry) : std::nullopt};
  }
  const fs::path file = fs::absolute(options.cve);
  out.reason = "given with --cve FILE";
  ChosenFeed chosen;
  if (compressed(file)) {
    chosen.file = workdir.private_dir() / "cve-feed.xml";
    chosen.facts = feeds::unpack_feed(file, chosen.file, util::limit(util::Limit::feed_bytes));
  } else {
    // Known by its digest: a file indexed before is not checked and parsed again.
    chosen.file = file;
    const auto sha256 = util::sha256_of_file(file).hex();
    if (auto index = feeds::FeedIndex::load(index_file(options, sha256, workdir), sha256)) {
      chosen.facts = index->facts;
      chosen.index = std::move(index);
    } else {
      chosen.facts = feeds::inspect_feed(file);
    }
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

// Debian's feeds name source packages and compare source versions: the catalogue entry says so
// ("dpkg_names": "source"), or, for a feed from elsewhere, its generator is Debian's.
bool names_source_packages(const ChosenFeed& feed) {
  if (feed.entry && !feed.entry->dpkg_names.empty()) {
    return feed.entry->dpkg_names == "source";
  }
  return feed.facts.product == "Debian";
}

// The dpkg database the feed is answered from, and what its probes find.
struct PackageView {
  scan::Target target;  // the CVE evaluation's target (a dpkg view of the image's, or the same)
  feeds::InstalledPackages installed;
  std::string canary;  // a package the dpkg view's probe must find ("" when not a view)
  std::vector<scan::SourcePackage> sources;
};

PackageView package_view(const scan::Target& target, const ProbeHealth& probes, bool source_names) {
  PackageView view{target, {}, {}, {}};
  const auto& packages = target.packages;
  const bool dpkg_trusted =
      packages.dpkg && !probes.broken.contains("dpkginfo") && !packages.dpkg_probe_package.empty();
  if (dpkg_trusted && source_names) {
    view.sources = scan::source_packages(packages.dpkg_packages);
    if (!view.sources.empty()) {
      std::vector<std::string> names;
      for (const auto& source : view.sources) {
        names.push_back(source.name);
      }
      view.installed.dpkg.emplace(names.begin(), names.end());
      view.installed.dpkg_meaning = "dpkg source package";
      view.canary = view.sources.front().name;
      view.target = scan::with_dpkg_view(target, "cve", "run/imgscap/dpkg/source-status",
                                         scan::source_view_status(view.sources, "all"));
    }
  } else if (dpkg_trusted) {
    auto& names = view.installed.dpkg.emplace();
    for (const auto& p : packages.dpkg_packages) {
      names.insert(p.name);
    }
  }
  if (probes.rpm_packages) {
    view.installed.rpm.emplace(probes.rpm_packages->begin(), probes.rpm_packages->end());
  }
  return view;
}

std::vector<std::string> check_ids(const feeds::FeedIndex& index) {
  std::vector<std::string> ids;
  for (const auto& check : index.release_checks) {
    ids.push_back(index.elements[check.element].id);
  }
  return ids;
}

// Decides, in the evaluation child once the release checks' results are known, what OpenSCAP
// evaluates: the definitions imgscap cannot settle (all of them, or the feed file itself, with
// --cve-full-evaluation).
scan::CvePlanner planner(const ScanOptions& options, const feeds::FeedIndex& index,
                         const feeds::InstalledPackages& installed, const fs::path& feed) {
  return [&options, &index, &installed, feed](const std::map<std::string, std::string>& checks,
                                              const scan::CvePlaces& places) {
    scan::CvePlan plan;
    if (options.cve_full_evaluation) {
      plan.definitions = places.content / feed.filename();
      plan.figures["by_openscap"] = index.definitions.size();
      return plan;
    }
    feeds::KnownResults known;
    for (const auto& [id, result] : checks) {
      if (const auto element = index.find(id); element != feeds::k_no_element) {
        known.emplace(element, result);
      }
    }
    const auto settlement = feeds::settle(index, installed, known);
    plan.definitions = places.eval / "cve-definitions.xml";
    feeds::write_subset(index, settlement.evaluate, plan.definitions);
    std::uint64_t vulnerabilities = 0;
    for (const auto& one : settlement.settled) {
      const auto& d = index.definitions[one.definition];
      plan.settled.push_back({index.elements[d.element].id, d.version, one.message});
      vulnerabilities += d.cls == "vulnerability" || d.cls == "patch" ? 1 : 0;
    }
    plan.figures["settled"] = settlement.settled.size();
    plan.figures["settled_vulnerability_patch"] = vulnerabilities;
    plan.figures["by_openscap"] = settlement.evaluate.size();
    return plan;
  };
}

// The release checks' verdict: none of them true means the feed is for another OS or release.
std::vector<std::string> failed_release_checks(const feeds::FeedIndex& index,
                                               const std::map<std::string, std::string>& results) {
  std::vector<std::string> failed;
  for (const auto& check : index.release_checks) {
    const auto& id = index.elements[check.element].id;
    const auto it = results.find(id);
    const auto result = it == results.end() ? std::string("not evaluated") : it->second;
    if (result == "true") {
      return {};
    }
    failed.push_back(
        fmt::format("\"{}\" is {}", check.comment.empty() ? id : check.comment, result));
  }
  return failed;
}

// Source packages get the installed binaries built from them.
void add_binaries(report::VulnerabilityResults& results,
                  const std::vector<scan::SourcePackage>& sources) {
  for (auto* list : {&results.found, &results.not_evaluated}) {
    for (auto& v : *list) {
      for (auto& p : v.packages) {
        const auto source =
            std::find_if(sources.begin(), sources.end(),
                         [&p](const scan::SourcePackage& s) { return s.name == p.name; });
        if (source == sources.end()) {
          continue;
        }
        for (const auto* binary : source->binaries) {
          p.binaries.push_back({binary->name, binary->version});
        }
      }
    }
  }
}

void add_figures(ScannedFeed& scanned, const scan::CveOutcome& outcome) {
  scanned.figures.seconds.insert(outcome.seconds.begin(), outcome.seconds.end());
  scanned.figures.peak_rss_kb.insert(outcome.peak_rss_kb.begin(), outcome.peak_rss_kb.end());
}

// What the evaluation says of the feed as a whole: its release check false, or every true
// definition true only through the release check (a Red Hat feed on another rpm system).
void judge_applicability(report::VulnerabilityScan& out) {
  if (!out.failed_release_checks.empty()) {
    out.status = "not_evaluated";
    out.reason = fmt::format(
        "the feed does not apply to this image: its release check is not true here ({}); it is "
        "for another OS or release, so its definitions say nothing about this image",
        fmt::join(out.failed_release_checks, "; "));
  } else if (const auto n = out.results.without_package; n > 0 && n == out.results.found.size()) {
    out.status = "not_evaluated";
    out.reason = fmt::format(
        "the feed does not apply to this image: its {} true definitions are true only because "
        "of the feed's release check (no installed package is older than a fixed version), "
        "which is how a feed for another OS or release answers",
        n);
  }
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
                                 const ProbeHealth& probes, util::Progress& progress,
                                 const KeptPart* kept) {
  ScannedFeed scanned;
  auto& out = scanned.scan;
  out.ignore_unfixed = options.ignore_unfixed;
  if (options.cve == "off") {
    return scanned;
  }
  progress.phase("getting the CVE feed");
  auto chosen =
      with_context("--cve " + options.cve, [&] { return choose_feed(options, os, workdir, out); });
  for (const auto& warning : out.warnings) {
    spdlog::warn("{}", warning);
  }
  if (!chosen) {
    spdlog::warn("no vulnerability scan: {}", out.reason);
    return scanned;
  }
  if (const auto reason = broken_probe_reason(chosen->facts, probes.broken); !reason.empty()) {
    out.status = "not_evaluated";
    out.reason = reason;
    return scanned;
  }
  util::throw_if_interrupted();
  progress.phase("indexing the CVE feed");
  const auto indexing = std::chrono::steady_clock::now();
  const auto index = chosen->index ? std::move(*chosen->index)
                                   : feeds::load_or_build_index(
                                         chosen->file, chosen->facts,
                                         index_file(options, chosen->facts.sha256, workdir));
  scanned.file_needs = feeds::file_needs(index);
  scanned.figures.seconds["index"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - indexing).count();
  if (kept != nullptr) {
    scanned.cannot_answer = kept->cannot_answer(scanned.file_needs);
    if (!scanned.cannot_answer.empty()) {
      return scanned;
    }
  }
  const auto view = package_view(target, probes, names_source_packages(*chosen));
  out.feed.dpkg_names = view.canary.empty() ? "binary" : "source";

  const auto results_dir = workdir.results_dir() / "cve";
  fs::create_directories(results_dir);
  scan::CveRequest request;
  request.content_dir = chosen->file.parent_path();
  request.checks = check_ids(index);
  if (!request.checks.empty() && !options.cve_full_evaluation) {
    request.checks_file = workdir.private_dir() / "cve-checks.xml";
    feeds::write_subset(index, feeds::release_check_holders(index), request.checks_file);
  }
  request.plan = planner(options, index, view.installed, chosen->file);
  request.results_dir = results_dir;
  request.dpkg_canary = view.canary;
  progress.phase("evaluating the CVE feed");
  const auto outcome = scan::evaluate_cve(view.target, request);
  add_figures(scanned, outcome);
  if (!view.canary.empty() && outcome.canary != "true") {
    out.status = "not_evaluated";
    out.reason = fmt::format(
        "the feed names source packages, and the dpkginfo probe cannot read the image's source "
        "packages as imgscap wrote them (probe check result: {})",
        outcome.canary);
    return scanned;
  }
  scanned.results_file = outcome.results_file;
  scanned.report_file = outcome.report_file;
  const auto reading = std::chrono::steady_clock::now();
  out.results = report::read_vulnerabilities(outcome.results_file);
  scanned.figures.seconds["read"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - reading).count();
  const auto figure = [&outcome](const char* name) {
    const auto it = outcome.figures.find(name);
    return it == outcome.figures.end() ? std::uint64_t{0} : it->second;
  };
  out.settled = figure("settled");
  out.by_openscap = figure("by_openscap");
  out.results.definitions += figure("settled_vulnerability_patch");
  out.results.results["false"] += figure("settled_vulnerability_patch");
  add_binaries(out.results, view.sources);
  out.failed_release_checks = failed_release_checks(index, outcome.checks);
  out.status = "scanned";
  judge_applicability(out);
  out.timings = scanned.figures.seconds;
  return scanned;
}

}  // namespace imgscap::pipeline
