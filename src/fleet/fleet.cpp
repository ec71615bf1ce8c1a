// SPDX-License-Identifier: Apache-2.0
// The fleet runner: one forked worker per image (the pipeline enters a user namespace, which
// takes the whole process; a crash or a leak stays in the worker), at most --jobs at once.
// A worker scans into -o/.imgscap-fleet/<n>/ and leaves its ImageResult in <n>.json; the parent
// renames the results to the image's directory and writes the fleet outputs.
#include <imgscap/feeds/feeds.hpp>
#include <imgscap/fleet/fleet.hpp>
#include <imgscap/fleet/report.hpp>
#include <imgscap/fleet/store.hpp>
#include <imgscap/image/reference.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/pipeline/feeds_setup.hpp>
#include <imgscap/sandbox/memory_root.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/log.hpp>
#include <imgscap/util/signals.hpp>
#include <imgscap/util/text.hpp>

#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <iostream>
#include <map>
#include <random>
#include <set>

namespace imgscap::fleet {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* k_work_dir = ".imgscap-fleet";
// How long past its own deadline a worker may take to clean up before it is killed.
constexpr auto k_kill_grace = std::chrono::seconds(60);
// Runs whose records (and results) the store keeps.
constexpr std::size_t k_runs_kept = 30;

// A worker's diagnostics start with its image (shortened, '%' escaped for spdlog's pattern),
// so that lines of images scanned at once can be told apart.
void name_diagnostics(const std::string& reference) {
  constexpr std::size_t k_shown = 80;
  auto shown = printable(reference);
  if (shown.size() > k_shown) {
    shown = "..." + shown.substr(shown.size() - k_shown);
  }
  std::string escaped;
  for (const char c : shown) {
    escaped += c == '%' ? std::string("%%") : std::string(1, c);
  }
  spdlog::default_logger()->set_pattern("imgscap: " + escaped + ": %v");
}

// --cve FILE: the file's sha256, once per run (every worker compares its stored result's).
std::string cve_file_sha256(const pipeline::ScanOptions& scan) {
  const auto& cve = scan.cve;
  if (cve == "off" || cve == "auto" || pipeline::is_url(cve)) {
    return {};
  }
  return util::sha256_of_file(cve).str();
}

struct Worker {
  pid_t pid = -1;
  std::size_t index = 0;
  Clock::time_point started;
  std::string started_at;
  bool killed = false;
};

class FleetRun {
 public:
  FleetRun(const FleetOptions& options, std::ostream* progress_out)
      : m_options(options),
        m_out(progress_out),
        m_work(options.output_dir / k_work_dir),
        m_results(options.images.size()),
        m_cve_file_sha256(cve_file_sha256(options.scan)) {
    std::error_code ec;
    fs::remove_all(m_work, ec);
    fs::create_directories(m_work, ec);
    if (ec) {
      fail("cannot create {}: {}", m_work.string(), ec.message());
    }
  }
  FleetRun(const FleetRun&) = delete;
  FleetRun& operator=(const FleetRun&) = delete;
  ~FleetRun() {
    for (const auto& worker : m_running) {
      ::kill(worker.pid, SIGTERM);
    }
    for (const auto& worker : m_running) {
      int status = 0;
      ::waitpid(worker.pid, &status, 0);
    }
    std::error_code ec;
    fs::remove_all(m_work, ec);
  }

  std::vector<ImageResult> run() {
    std::size_t next = 0;
    while (next < m_results.size() || !m_running.empty()) {
      util::throw_if_interrupted();
      while (m_running.size() < std::max(1U, m_options.jobs) && next < m_results.size()) {
        start(next++);
      }
      reap();
      ::usleep(50'000);
    }
    return std::move(m_results);
  }

 private:
  [[nodiscard]] fs::path staging(std::size_t index) const { return m_work / std::to_string(index); }
  [[nodiscard]] fs::path kept_staging(std::size_t index) const {
    return m_work / (std::to_string(index) + ".kept");
  }
  [[nodiscard]] fs::path result_file(std::size_t index) const {
    return m_work / (std::to_string(index) + ".json");
  }

  void start(std::size_t index) {
    std::cout.flush();
    std::cerr.flush();
    Worker worker{::fork(), index, Clock::now(), util::utc_now()};
    if (worker.pid < 0) {
      fail_errno(errno, "cannot start the scan process of {}", m_options.images[index]);
    }
    if (worker.pid == 0) {
      work(index);
    }
    m_running.push_back(worker);
  }

  // The worker: the pipeline on one image; its result in <n>.json; the exit code as the scan's.
  [[noreturn]] void work(std::size_t index) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    util::set_deadline_in(m_options.image_seconds);
    const auto& reference = m_options.images[index];
    name_diagnostics(reference);
    const auto started_at = util::utc_now();
    ImageResult result;
    try {
      result = scan_one(index);
    } catch (const Error& e) {
      result.reference = reference;
      result.verdict = "error";
      result.exit_code = static_cast<int>(e.code());
      result.error = e.what();
    } catch (const std::exception& e) {
      result.reference = reference;
      result.verdict = "error";
      result.error = e.what();
    }
    if (result.scanned_at.empty()) {
      result.scanned_at = started_at;
    }
    try {
      util::AtomicFile file(result_file(index));
      file.write(to_json(result).dump());
      file.commit();
    } catch (const std::exception& e) {
      spdlog::error("{}: cannot record the result: {}", reference, e.what());
    }
    std::cout.flush();
    ::_exit(result.exit_code);
  }

  // The pipeline on one image; with a store, its stored result when every input is unchanged,
  // or the stored result with the CVE feed evaluated again when only the feed changed.
  ImageResult scan_one(std::size_t index) {
    const auto& reference = m_options.images[index];
    auto scan = m_options.scan;
    scan.image = reference;
    scan.output_dir = staging(index);
    const auto progress = util::make_silent_progress();
    if (!m_options.store) {
      const auto outcome = pipeline::scan_image(scan, *progress);
      auto result = image_result(reference, outcome.summary);
      result.attached = outcome.attached ? outcome.attached->digest : std::string();
      return result;
    }
    const ResultStore store(*m_options.store);
    const auto digest =
        image::Source::open(image::parse_reference(reference), scan.source)->identify();
    const auto key = result_key(scan, digest);
    const auto lock = store.lock(key);
    auto found = store.find(key);
    if (found && feed_unchanged(found->result, scan)) {
      auto result = found->result;
      result.reference = reference;
      result.reused = true;
      result.cve_reevaluated = false;
      result.directory.clear();
      copy_outputs(found->directory, staging(index));
      if (scan.attach && result.attached.empty()) {
        // Attached once per result: a later run asking for it attaches the stored result.
        auto stored = found->result;
        stored.attached = pipeline::attach_results(scan, staging(index)).digest;
        store.update(key, stored);
        result.attached = stored.attached;
      }
      return result;
    }
    if (found) {
      const auto kept = kept_part(found->directory);
      if (auto outcome =
              pipeline::rescan_vulnerabilities(scan, found->directory, kept, *progress)) {
        auto result = stored_result(reference, key, *outcome);
        result.cve_reevaluated = true;
        result.seconds = outcome->summary.timings["cve_reevaluation_total"];
        store.put(key, staging(index), result, kept);
        return with_attach_error(result, *outcome);
      }
    }
    scan.kept_dir = kept_staging(index);
    const auto outcome = pipeline::scan_image(scan, *progress);
    auto result = stored_result(reference, key, outcome);
    store.put(key, staging(index), result, scan.kept_dir);
    std::error_code ec;
    fs::remove_all(*scan.kept_dir, ec);
    return with_attach_error(result, outcome);
  }

  // A result stored without its attachment is attached by the next run that asks; this run's
  // summary says why it was not.
  static ImageResult with_attach_error(ImageResult result, const pipeline::ScanOutcome& outcome) {
    if (!outcome.attach_error.empty()) {
      result.error = "the results could not be attached: " + outcome.attach_error;
    }
    return result;
  }

  ImageResult stored_result(const std::string& reference, const std::string& key,
                            const pipeline::ScanOutcome& outcome) const {
    auto result = image_result(reference, outcome.summary);
    result.attached = outcome.attached ? outcome.attached->digest : std::string();
    result.key = key;
    result.scanned_at = util::utc_now();
    result.feed_file_sha256 = m_cve_file_sha256;
    return result;
  }

  // The CVE feed a stored result used is still the one a scan would use now: for --cve FILE the
  // file's sha256 (taken once per run), else the feed the cache gives (revalidated as a scan
  // would); a feed that cannot be obtained now counts as changed (the scan says why).
  bool feed_unchanged(const ImageResult& stored, const pipeline::ScanOptions& scan) const {
    if (!m_cve_file_sha256.empty()) {
      return stored.feed_file_sha256 == m_cve_file_sha256;
    }
    if (stored.feed_name.empty()) {
      return true;
    }
    try {
      const auto cache = pipeline::open_feed_cache(scan.feeds);
      const auto obtained = feeds::obtain(cache, stored.feed_name, stored.feed_url,
                                          pipeline::feed_policy(scan.feeds));
      return obtained.record.facts.sha256 == stored.feed_sha256;
    } catch (const Error&) {
      return false;
    }
  }

  void reap() {
    for (auto it = m_running.begin(); it != m_running.end();) {
      int status = 0;
      const pid_t done = ::waitpid(it->pid, &status, WNOHANG);
      if (done == it->pid) {
        finish(*it, status);
        it = m_running.erase(it);
        continue;
      }
      if (!it->killed && Clock::now() - it->started >
                             std::chrono::seconds(m_options.image_seconds) + k_kill_grace) {
        ::kill(it->pid, SIGKILL);
        it->killed = true;
      }
      ++it;
    }
  }

  void finish(const Worker& worker, int status) {
    const auto& reference = m_options.images[worker.index];
    auto result = read_result(worker, status);
    if (result.scanned_at.empty()) {
      result.scanned_at = worker.started_at;
    }
    const auto from = staging(worker.index);
    std::error_code ec;
    if (m_options.write_outputs && result.verdict != "error" && fs::is_directory(from)) {
      result.directory = unique_directory_name(result);
      const auto to = m_options.output_dir / result.directory;
      fs::remove_all(to, ec);
      fs::rename(from, to, ec);
      if (ec) {
        result.verdict = "error";
        result.exit_code = static_cast<int>(ExitCode::error);
        result.error = fmt::format("cannot move the results to {}: {}", to.string(), ec.message());
        result.directory.clear();
      }
    }
    fs::remove_all(from, ec);
    if (m_out != nullptr) {
      *m_out << fmt::format("[{}/{}] {} {}{}\n", ++m_finished, m_results.size(), result.verdict,
                            printable(reference), result.error.empty() ? "" : ": " + result.error);
      m_out->flush();
    }
    m_results[worker.index] = std::move(result);
  }

  ImageResult read_result(const Worker& worker, int status) {
    const auto& reference = m_options.images[worker.index];
    const auto text = util::read_file(result_file(worker.index));
    if (!text.empty()) {
      try {
        return image_result_from_json(nlohmann::json::parse(text));
      } catch (const nlohmann::json::exception&) {
        // a truncated file: reported below as a worker that died
      }
    }
    ImageResult result;
    result.reference = reference;
    result.verdict = "error";
    if (worker.killed) {
      result.error = fmt::format("the scan took longer than {} seconds and was killed",
                                 m_options.image_seconds);
    } else if (WIFSIGNALED(status)) {
      result.error =
          fmt::format("the scan process was killed by SIG{}", sigabbrev_np(WTERMSIG(status)));
    } else {
      result.error =
          fmt::format("the scan process exited with status {} and no result", WEXITSTATUS(status));
    }
    return result;
  }

  std::string unique_directory_name(const ImageResult& result) {
    const auto base = image_directory_name(result.reference, result.digest());
    auto name = base;
    for (int n = 2; !m_names.insert(name).second; ++n) {
      name = fmt::format("{}-{}", base, n);
    }
    return name;
  }

  const FleetOptions& m_options;
  std::ostream* m_out;
  fs::path m_work;
  std::vector<ImageResult> m_results;
  std::vector<Worker> m_running;
  std::set<std::string> m_names;
  std::size_t m_finished = 0;
  std::string m_cve_file_sha256;  // --cve FILE: its sha256, "" otherwise
};

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte == 0x7f ? '?' : c);
  }
  return out;
}

unsigned default_jobs() {
  constexpr std::uint64_t k_per_scan = 1536ULL << 20;
  const auto cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  // The budget is a quarter of what is available (at most 8 GiB).
  const auto by_memory =
      std::max<std::uint64_t>(1, 4 * sandbox::default_memory_budget() / k_per_scan);
  return static_cast<unsigned>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(cores), by_memory));
}

bool in_shard(std::string_view reference, unsigned index, unsigned count) {
  if (count <= 1) {
    return true;
  }
  const auto hex = util::sha256_of(reference).hex();
  return std::stoull(hex.substr(0, 15), nullptr, 16) % count == index;
}

std::string new_run_id() {
  std::random_device random;
  auto stamp = util::utc_now();
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  return fmt::format("{}-{:08x}", stamp, random());
}

void write_fleet_outputs(FleetReport& report, const fs::path& dir, const std::string& text,
                         const nlohmann::json& json) {
  const auto annotations = dir / "annotations";
  std::error_code ec;
  fs::remove_all(annotations, ec);
  fs::create_directories(annotations, ec);
  std::vector<std::unique_ptr<util::AtomicFile>> files;
  // One patch per image digest (an OpenShift Image is one digest), from the first reference
  // listed for it; the line names every reference that resolved to it.
  std::map<std::string, std::vector<std::string>> references;
  std::vector<const ImageResult*> first;
  for (const auto& image : report.images) {
    if (image.verdict == "error" || image.manifest_digest.empty()) {
      continue;  // an image that was not scanned keeps whatever verdict it had
    }
    auto& refs = references[image.manifest_digest];
    if (refs.empty()) {
      first.push_back(&image);
    }
    refs.push_back(image.reference);
  }
  std::string lines;
  for (const auto* image : first) {
    const auto patch = openshift_patch(*image);
    lines += nlohmann::json{{"image", image->manifest_digest},
                            {"references", references[image->manifest_digest]},
                            {"patch", patch}}
                 .dump() +
             "\n";
    auto file = std::make_unique<util::AtomicFile>(
        annotations / (digest_file_name(image->manifest_digest) + ".json"));
    file->write(patch.dump(2) + "\n");
    files.push_back(std::move(file));
  }
  report.files["annotations"] = (dir / "annotations.jsonl").string();
  report.files["summary_text"] = (dir / "summary.txt").string();
  report.files["summary_json"] = (dir / "summary.json").string();
  files.push_back(std::make_unique<util::AtomicFile>(dir / "annotations.jsonl"));
  files.back()->write(lines);
  files.push_back(std::make_unique<util::AtomicFile>(dir / "summary.txt"));
  files.back()->write(text);
  files.push_back(std::make_unique<util::AtomicFile>(dir / "summary.json"));
  auto with_files = json;
  with_files["files"] = report.files;
  files.back()->write(with_files.dump(2) + "\n");
  for (auto& file : files) {
    file->commit();
  }
}

FleetReport scan_fleet(const FleetOptions& given, std::ostream* progress_out) {
  auto options = given;
  if (options.jobs > 1 && !options.scan.rootfs_memory) {
    options.scan.rootfs_memory = sandbox::default_memory_budget() / options.jobs;
  }
  std::erase_if(options.images, [&](const std::string& reference) {
    return !in_shard(reference, options.shard_index, options.shard_count);
  });
  if (options.run_id.empty()) {
    options.run_id = new_run_id();
  }
  const auto started = Clock::now();
  FleetReport report;
  report.started_at = util::utc_now();
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (ec) {
    fail("cannot create the output directory {}: {}", options.output_dir.string(), ec.message());
  }
  report.images = FleetRun(options, progress_out).run();
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (options.store) {
    const ResultStore store(*options.store);
    RunRecord run{options.run_id, report.started_at,
                  options.shard_count > 1
                      ? fmt::format("{}/{}", options.shard_index, options.shard_count)
                      : std::string(),
                  report.images};
    store.record(run);
    store.prune(k_runs_kept);
  }
  if (options.write_outputs) {
    write_fleet_outputs(report, options.output_dir, render_text(report), to_json(report));
  } else {
    fs::remove_all(options.output_dir, ec);
  }
  return report;
}

}  // namespace imgscap::fleet
