// SPDX-License-Identifier: Apache-2.0
// The feed cache directory: records as JSON, content-named feed files, per-feed update locks.
#include <imgscap/feeds/cache.hpp>
#include <imgscap/feeds/feeds.hpp>
#include <imgscap/feeds/index.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/signals.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int k_record_version = 1;
constexpr long long k_keep_superseded_seconds = 3600;
constexpr long long k_keep_temporary_seconds = 86400;

struct Superseded {
  std::string file;
  long long since = 0;
};

json facts_json(const FeedFacts& f) {
  return {{"compression", f.compression},
          {"source_size", f.source_size},
          {"size", f.size},
          {"sha256", f.sha256},
          {"definitions", f.definitions},
          {"classes", f.classes},
          {"tests", f.tests},
          {"generated", f.generated},
          {"product", f.product},
          {"platforms", f.platforms}};
}

FeedFacts facts_from(const json& j) {
  FeedFacts f;
  f.compression = j.value("compression", "");
  f.source_size = j.value("source_size", std::uint64_t{0});
  f.size = j.value("size", std::uint64_t{0});
  f.sha256 = j.value("sha256", "");
  f.definitions = j.value("definitions", std::uint64_t{0});
  f.classes = j.value("classes", std::map<std::string, std::uint64_t>{});
  f.tests = j.value("tests", std::map<std::string, std::uint64_t>{});
  f.generated = j.value("generated", "");
  f.product = j.value("product", "");
  f.platforms = j.value("platforms", std::vector<std::string>{});
  return f;
}

json record_json(const FeedRecord& r, const std::vector<Superseded>& superseded) {
  json old = json::array();
  for (const auto& s : superseded) {
    old.push_back({{"file", s.file}, {"since", s.since}});
  }
  return {{"record_version", k_record_version},
          {"name", r.name},
          {"url", r.url},
          {"origin", r.origin},
          {"source", r.source},
          {"file", r.file},
          {"etag", r.etag},
          {"last_modified", r.last_modified},
          {"fetched_at", r.fetched_at},
          {"verified_at", r.verified_at},
          {"feed", facts_json(r.facts)},
          {"superseded", old}};
}

// A feed file name written by commit(): "<name>-<16 hex>.xml".
bool safe_file_name(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != ".." &&
         name.ends_with(".xml");
}

struct Loaded {
  FeedRecord record;
  std::vector<Superseded> superseded;
};

std::optional<Loaded> load(const fs::path& path) {
  const auto text = util::read_file(path);
  if (text.empty()) {
    return std::nullopt;
  }
  try {
    const auto j = json::parse(text);
    Loaded l;
    auto& r = l.record;
    r.name = j.at("name").get<std::string>();
    r.url = j.value("url", "");
    r.origin = j.value("origin", "");
    r.source = j.value("source", "");
    r.file = j.at("file").get<std::string>();
    r.etag = j.value("etag", "");
    r.last_modified = j.value("last_modified", "");
    r.fetched_at = j.value("fetched_at", 0LL);
    r.verified_at = j.value("verified_at", 0LL);
    r.facts = facts_from(j.value("feed", json::object()));
    for (const auto& s : j.value("superseded", json::array())) {
      l.superseded.push_back({s.value("file", ""), s.value("since", 0LL)});
    }
    if (!safe_file_name(r.file)) {
      spdlog::warn("feed cache: {}: bad file name, ignored", path.string());
      return std::nullopt;
    }
    return l;
  } catch (const json::exception& e) {
    spdlog::warn("feed cache: {}: unreadable record ({}), ignored", path.string(), e.what());
    return std::nullopt;
  }
}

void write_record(const fs::path& path, const FeedRecord& record,
                  const std::vector<Superseded>& superseded) {
  util::AtomicFile file(path);
  file.write(record_json(record, superseded).dump(2) + "\n");
  file.commit();
}

}  // namespace

FeedCache::FeedCache(fs::path dir) : m_dir(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(m_dir, ec);
  if (ec || !fs::is_directory(m_dir)) {
    fail("feed cache {}: cannot create it: {}", m_dir.string(),
         ec ? ec.message() : std::string("not a directory"));
  }
  ::chmod(m_dir.c_str(), 0700);
}

fs::path FeedCache::default_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return fs::path(xdg) / "imgscap" / "feeds";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return fs::path(home) / ".cache" / "imgscap" / "feeds";
  }
  fail("no cache directory: set XDG_CACHE_HOME or HOME, or give --cache-dir");
}

std::optional<FeedRecord> FeedCache::find(const std::string& name) const {
  auto loaded = load(m_dir / (name + ".json"));
  if (!loaded || loaded->record.name != name) {
    return std::nullopt;
  }
  std::error_code ec;
  if (!fs::is_regular_file(file_of(loaded->record), ec)) {
    spdlog::warn("feed cache: {} names {}, which is missing: ignored", name, loaded->record.file);
    return std::nullopt;
  }
  return loaded->record;
}

std::vector<FeedRecord> FeedCache::list() const {
  std::vector<FeedRecord> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && !name.starts_with(".")) {
      if (auto record = find(entry.path().stem().string())) {
        out.push_back(std::move(*record));
      }
    }
  }
  std::sort(out.begin(), out.end(),
            [](const FeedRecord& a, const FeedRecord& b) { return a.name < b.name; });
  return out;
}

fs::path FeedCache::file_of(const FeedRecord& record) const { return m_dir / record.file; }

util::Fd FeedCache::lock(const std::string& name) const {
  const auto path = m_dir / (name + ".lock");
  util::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) {
    fail("feed cache: cannot open {}: {}", path.string(), errno_text(errno));
  }
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    spdlog::info("feed {}: another imgscap is updating it; waiting", name);
    while (::flock(fd.get(), LOCK_EX) != 0) {
      if (errno != EINTR) {
        fail("feed cache: cannot lock {}: {}", path.string(), errno_text(errno));
      }
      util::throw_if_interrupted();
    }
  }
  return fd;
}

fs::path FeedCache::temporary(const std::string& name, const std::string& suffix) const {
  auto pattern = (m_dir / ("." + name + ".XXXXXX" + suffix)).string();
  const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) {
    fail("feed cache {}: cannot create a temporary file: {}", m_dir.string(), errno_text(errno));
  }
  ::close(fd);
  return pattern;
}

FeedRecord FeedCache::commit(FeedRecord record, const fs::path& xml) const {
  // Indexed once, as it enters the cache (scans then only load the index).
  const auto index = index_path(m_dir, record.facts.sha256);
  if (!FeedIndex::load(index, record.facts.sha256)) {
    build_index(xml, record.facts, index);
  }
  record.file = record.name + "-" + record.facts.sha256.substr(0, 16) + ".xml";
  const auto target = file_of(record);
  std::error_code ec;
  fs::rename(xml, target, ec);
  if (ec) {
    fail("feed cache: cannot move {} into place: {}", xml.string(), ec.message());
  }
  const auto record_path = m_dir / (record.name + ".json");
  std::vector<Superseded> superseded;
  if (auto old = load(record_path)) {
    superseded = std::move(old->superseded);
    if (old->record.file != record.file) {
      superseded.push_back({old->record.file, now_seconds()});
    }
  }
  std::erase_if(superseded, [&](const Superseded& s) {
    if (s.file == record.file) {
      return true;
    }
    if (now_seconds() - s.since < k_keep_superseded_seconds) {
      return false;
    }
    if (safe_file_name(s.file)) {
      fs::remove(m_dir / s.file, ec);
    }
    return true;
  });
  write_record(record_path, record, superseded);
  prune();
  return record;
}

void FeedCache::save_record(const FeedRecord& record) const {
  const auto record_path = m_dir / (record.name + ".json");
  std::vector<Superseded> superseded;
  if (auto old = load(record_path)) {
    superseded = std::move(old->superseded);
  }
  write_record(record_path, record, superseded);
}

// Temporaries left by an interrupted update, and indexes of feeds no record names that no scan
// used for a day (a scan touches the index it uses), a day later.
void FeedCache::prune() const {
  std::set<std::string> current;
  for (const auto& r : list()) {
    current.insert(r.facts.sha256 + ".index");
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(m_dir, ec)) {
    const auto name = entry.path().filename().string();
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        now_seconds() - st.st_mtime <= k_keep_temporary_seconds) {
      continue;
    }
    const bool orphan_pieces =
        name.ends_with(".index.pieces") &&
        !fs::exists(entry.path().parent_path() / name.substr(0, name.size() - 7), ec);
    if (name.starts_with(".") || orphan_pieces ||
        (name.ends_with(".index") && !current.contains(name))) {
      fs::remove(entry.path(), ec);
      fs::remove(pieces_path(entry.path()), ec);
    }
  }
}

}  // namespace imgscap::feeds
