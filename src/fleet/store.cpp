// SPDX-License-Identifier: Apache-2.0
// The result store's files: keyed results, locks, run records, pruning; and the key itself.
#include <imgscap/fleet/store.hpp>
#include <imgscap/pipeline/feeds_setup.hpp>
#include <imgscap/scan/catalogue.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

namespace imgscap::fleet {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_result_file = "result.json";
constexpr const char* k_kept_dir = ".kept";

void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    fail("cannot create {}: {}", dir.string(), ec.message());
  }
}

// A key or a run file name as a path component: only what result_key and record() make.
bool safe_component(std::string_view name) {
  return !name.empty() && name.front() != '.' && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

std::string random_suffix() {
  std::random_device random;
  return fmt::format("{:08x}", random());
}

// Content "auto" chooses among the built-in content and the SSG datastreams installed: their
// names, sizes and modification times (hashing every datastream on each run would cost more
// than it saves).
nlohmann::json auto_content_fingerprint(const pipeline::ScanOptions& options) {
  nlohmann::json files = nlohmann::json::array();
  const auto data = scan::data_dir();
  for (const char* name : {"imgscap-baseline-ds.xml", "ssg-catalogue.json"}) {
    files.push_back({{"path", name}, {"sha256", util::sha256_of_file(data / name).str()}});
  }
  auto dirs = options.content_dirs;
  const auto standard = scan::default_ssg_dirs();
  dirs.insert(dirs.end(), standard.begin(), standard.end());
  for (const auto& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".xml") {
        found.push_back(entry.path());
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& path : found) {
      const auto size = fs::file_size(path, ec);
      const auto mtime = fs::last_write_time(path, ec).time_since_epoch().count();
      files.push_back({{"path", path.string()}, {"size", size}, {"mtime", mtime}});
    }
  }
  return files;
}

nlohmann::json content_inputs(const pipeline::ScanOptions& options) {
  nlohmann::json contents = nlohmann::json::array();
  for (const auto& content : options.contents) {
    if (content == "auto") {
      contents.push_back({{"auto", auto_content_fingerprint(options)}});
    } else {
      contents.push_back({{"sha256", util::sha256_of_file(content).str()}});
    }
  }
  return contents;
}

std::string cve_input(const pipeline::ScanOptions& options) {
  const auto& cve = options.cve;
  if (cve == "off" || cve == "auto" || pipeline::is_url(cve)) {
    return cve;  // a downloaded feed is checked by its sha256 in the stored result
  }
  // A feed file by its path: a new version of it is checked by its sha256 in the stored result
  // (and evaluated again on the kept part of each image).
  return "file " + fs::absolute(cve).lexically_normal().string();
}

}  // namespace

fs::path default_store_dir() {
  const auto state = util::env_text("XDG_STATE_HOME");
  if (!state.empty() && fs::path(state).is_absolute()) {
    return fs::path(state) / "imgscap";
  }
  const auto home = util::env_text("HOME");
  if (home.empty() || !fs::path(home).is_absolute()) {
    fail("no result store: set --store DIR, XDG_STATE_HOME or HOME");
  }
  return fs::path(home) / ".local" / "state" / "imgscap";
}

std::string result_key(const pipeline::ScanOptions& options, const std::string& image_digest) {
  const nlohmann::json inputs = {
      {"image", image_digest},
      {"platform", options.source.platform},
      {"contents", content_inputs(options)},
      {"profile", options.profile},
      {"tailoring", options.tailoring_file ? util::sha256_of_file(*options.tailoring_file).str()
                                           : std::string()},
      {"fail_on", report::fail_on_name(options.fail_on)},
      {"cve", cve_input(options)},
      {"ignore_unfixed", options.ignore_unfixed},
      {"cve_full_evaluation", options.cve_full_evaluation},
      {"unsafe_no_sandbox", options.unsafe_no_sandbox},
      // Waivers match the reference as given: with waivers, a result is the reference's.
      {"waivers", options.waivers ? report::waivers_state(*options.waivers, report::utc_today()) +
                                        "\n" + options.image
                                  : std::string()},
      {"imgscap", IMGSCAP_VERSION},
  };
  return util::sha256_of(inputs.dump()).hex();
}

nlohmann::json to_json(const RunRecord& run) {
  nlohmann::json images = nlohmann::json::array();
  for (const auto& image : run.images) {
    images.push_back(to_json(image));
  }
  return {{"run_id", run.run_id},
          {"started_at", run.started_at},
          {"shard", run.shard},
          {"images", images}};
}

RunRecord run_record_from_json(const nlohmann::json& json) {
  RunRecord run;
  run.run_id = json.value("run_id", "");
  run.started_at = json.value("started_at", "");
  run.shard = json.value("shard", "");
  for (const auto& image : json.value("images", nlohmann::json::array())) {
    run.images.push_back(image_result_from_json(image));
  }
  return run;
}

namespace {

void link_or_copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec) {
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  }
}

void copy_tree(const fs::path& from, const fs::path& to) {
  make_dirs(to);
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    const auto target = to / fs::relative(entry.path(), from);
    if (entry.is_directory()) {
      make_dirs(target);
    } else {
      link_or_copy(entry.path(), target);
    }
  }
}

}  // namespace

fs::path kept_part(const fs::path& stored) { return stored / k_kept_dir; }

void copy_outputs(const fs::path& from, const fs::path& to) {
  make_dirs(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    const auto name = entry.path().filename();
    if (name == k_result_file || name == k_kept_dir) {
      continue;
    }
    if (entry.is_directory()) {
      copy_tree(entry.path(), to / name);
    } else {
      link_or_copy(entry.path(), to / name);
    }
  }
}

ResultStore::ResultStore(fs::path dir) : m_dir(std::move(dir)) {
  for (const char* sub : {"results", "runs", "locks", "tmp"}) {
    make_dirs(m_dir / sub);
  }
}

util::Fd ResultStore::lock(const std::string& key) const {
  if (!safe_component(key)) {
    fail("result store: bad key {}", key);
  }
  const auto path = m_dir / "locks" / key;
  util::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) {
    fail_errno(errno, "cannot open the lock {}", path.string());
  }
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) {
      fail_errno(errno, "cannot lock {}", path.string());
    }
  }
  return fd;
}

std::optional<ResultStore::Found> ResultStore::find(const std::string& key) const {
  const auto dir = m_dir / "results" / key;
  const auto text = util::read_file(dir / k_result_file);
  if (!safe_component(key) || text.empty()) {
    return std::nullopt;
  }
  try {
    return Found{dir, image_result_from_json(nlohmann::json::parse(text))};
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a damaged entry: scanned again and replaced
  }
}

fs::path ResultStore::put(const std::string& key, const fs::path& outputs,
                          const ImageResult& result, const std::optional<fs::path>& kept) const {
  const auto final_dir = m_dir / "results" / key;
  const auto staging = m_dir / "tmp" / (key + "." + random_suffix());
  copy_outputs(outputs, staging);
  if (kept && fs::is_directory(*kept)) {
    copy_tree(*kept, kept_part(staging));
  }
  util::write_file(staging / k_result_file, to_json(result).dump(2) + "\n");
  // Read-only: copies under -o are hard links to these files.
  for (const auto& entry : fs::recursive_directory_iterator(staging)) {
    if (entry.is_regular_file()) {
      fs::permissions(entry.path(),
                      fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    }
  }
  std::error_code ec;
  fs::remove_all(final_dir, ec);  // a damaged entry find() refused
  fs::rename(staging, final_dir, ec);
  if (ec) {
    fs::remove_all(staging, ec);  // another writer stored the same key first: theirs stays
  }
  return final_dir;
}

void ResultStore::update(const std::string& key, const ImageResult& result) const {
  util::AtomicFile file(m_dir / "results" / key / k_result_file);
  file.write(to_json(result).dump(2) + "\n");
  file.commit();
}

void ResultStore::record(const RunRecord& run) const {
  std::string name = run.started_at + "-" + run.run_id;
  if (!run.shard.empty()) {
    name += "-shard" + run.shard;
  }
  std::replace_if(
      name.begin(), name.end(),
      [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-'; }, '_');
  util::AtomicFile file(m_dir / "runs" / (name + ".json"));
  file.write(to_json(run).dump(2) + "\n");
  file.commit();
}

std::vector<RunRecord> ResultStore::runs() const {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir / "runs", ec)) {
    if (entry.path().extension() == ".json" && safe_component(entry.path().filename().string())) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<RunRecord> runs;
  for (const auto& file : files) {
    try {
      runs.push_back(run_record_from_json(nlohmann::json::parse(util::read_file(file))));
    } catch (const nlohmann::json::exception&) {
      // a record being written by another run is not there yet (AtomicFile); a damaged one
      // is skipped
    }
  }
  std::stable_sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) {
    return a.started_at < b.started_at;
  });
  return runs;
}

void ResultStore::prune(std::size_t keep_runs) const {
  const auto all = runs();
  std::vector<std::string> ids;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (std::find(ids.begin(), ids.end(), it->run_id) == ids.end()) {
      ids.push_back(it->run_id);
    }
  }
  const std::set<std::string> kept_ids(
      ids.begin(), ids.begin() + static_cast<long>(std::min(keep_runs, ids.size())));
  // Only records older than every kept run go: one that a concurrent run renamed into place
  // after runs() was read is newer, and stays.
  std::string oldest_kept;
  for (const auto& run : all) {
    if (kept_ids.contains(run.run_id) && (oldest_kept.empty() || run.started_at < oldest_kept)) {
      oldest_kept = run.started_at;
    }
  }
  std::set<std::string> kept_keys;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir / "runs", ec)) {
    if (entry.path().filename().string().starts_with('.')) {
      continue;  // a record being written
    }
    const auto text = util::read_file(entry.path());
    try {
      const auto run = run_record_from_json(nlohmann::json::parse(text));
      if (!kept_ids.contains(run.run_id) && run.started_at < oldest_kept) {
        fs::remove(entry.path(), ec);
        continue;
      }
      for (const auto& image : run.images) {
        kept_keys.insert(image.key);
      }
    } catch (const nlohmann::json::exception&) {
    }
  }
  const auto day_ago = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (const auto& entry : fs::directory_iterator(m_dir / "results", ec)) {
    const auto name = entry.path().filename().string();
    if (kept_keys.count(name) == 0 && fs::last_write_time(entry.path(), ec) < day_ago &&
        safe_component(name)) {
      // Not while another process holds the key (its CVE feed may be evaluated on .kept now).
      const util::Fd lock(
          ::open((m_dir / "locks" / name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
      if (lock && ::flock(lock.get(), LOCK_EX | LOCK_NB) == 0) {
        fs::remove_all(entry.path(), ec);
      }
    }
  }
}

}  // namespace imgscap::fleet
