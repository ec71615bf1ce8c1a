// SPDX-License-Identifier: Apache-2.0
// Writing and reading a feed index. Reading trusts nothing: every count is bounded by the bytes
// left, every reference is checked to be in range and criteria children to come after their
// parent (so folding always ends); anything off and the index is rebuilt.
#include "index_format.hpp"

#include <imgscap/feeds/index.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <type_traits>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_magic = "IMGSCAP-FEED-INDEX";

class Writer {
 public:
  template <typename T>
  void num(T value) {
    static_assert(std::is_integral_v<T>);
    m_out.append(reinterpret_cast<const char*>(&value), sizeof value);
  }
  void str(std::string_view s) {
    num(static_cast<std::uint32_t>(s.size()));
    m_out.append(s);
  }
  template <typename T>
  void count(const std::vector<T>& v) {
    num(static_cast<std::uint32_t>(v.size()));
  }
  [[nodiscard]] const std::string& out() const { return m_out; }

 private:
  std::string m_out;
};

struct Damaged {};  // thrown by Reader, caught by load: the index is rebuilt

class Reader {
 public:
  explicit Reader(std::string_view data) : m_data(data) {}
  template <typename T>
  T num() {
    static_assert(std::is_integral_v<T>);
    T value{};
    need(sizeof value);
    std::memcpy(&value, m_data.data(), sizeof value);
    m_data.remove_prefix(sizeof value);
    return value;
  }
  std::string str() {
    const auto n = num<std::uint32_t>();
    need(n);
    std::string s(m_data.substr(0, n));
    m_data.remove_prefix(n);
    return s;
  }
  // A record count, which cannot exceed the bytes left (every record takes at least one).
  std::uint32_t count() {
    const auto n = num<std::uint32_t>();
    need(n);
    return n;
  }
  [[nodiscard]] bool done() const { return m_data.empty(); }

 private:
  void need(std::size_t n) const {
    if (m_data.size() < n) {
      throw Damaged{};
    }
  }
  std::string_view m_data;
};

void write_facts(Writer& w, const FeedFacts& f) {
  w.str(f.compression);
  w.num(f.source_size);
  w.num(f.size);
  w.str(f.sha256);
  w.num(f.definitions);
  for (const auto* map : {&f.classes, &f.tests}) {
    w.num(static_cast<std::uint32_t>(map->size()));
    for (const auto& [key, count] : *map) {
      w.str(key);
      w.num(count);
    }
  }
  w.str(f.generated);
  w.str(f.product);
  w.count(f.platforms);
  for (const auto& p : f.platforms) {
    w.str(p);
  }
}

void write_tables(Writer& w, const FeedIndex& x) {
  write_facts(w, x.facts);
  w.str(x.root_start);
  w.str(x.root_end);
  w.str(x.generator);
  for (std::size_t i = 0; i < k_sections; ++i) {
    w.str(x.section_start[i]);
    w.str(x.section_end[i]);
  }
  w.count(x.elements);
  for (const auto& e : x.elements) {
    w.num(static_cast<std::uint8_t>(e.section));
    w.str(e.id);
    w.num(e.xml_offset);
    w.num(e.xml_size);
    w.num(e.refs_begin);
    w.num(e.refs_count);
    w.num(e.test);
    w.num(e.definition);
  }
  w.count(x.refs);
  for (const auto r : x.refs) {
    w.num(r);
  }
  w.count(x.tests);
  for (const auto& t : x.tests) {
    w.num(static_cast<std::uint8_t>(t.probe));
    w.num(static_cast<std::uint8_t>(t.existence));
    w.num(static_cast<std::uint8_t>(t.package_test));
    w.count(t.names);
    for (const auto& n : t.names) {
      w.str(n);
    }
  }
  w.count(x.definitions);
  for (const auto& d : x.definitions) {
    w.num(d.element);
    w.str(d.version);
    w.str(d.cls);
    w.num(d.root);
    w.num(static_cast<std::uint8_t>(d.foldable));
  }
  w.count(x.nodes);
  for (const auto& n : x.nodes) {
    w.num(static_cast<std::uint8_t>(n.kind));
    w.num(static_cast<std::uint8_t>(n.op));
    w.num(static_cast<std::uint8_t>(n.negate));
    w.num(n.ref);
    w.num(n.first_child);
    w.num(n.child_count);
  }
  w.count(x.child_nodes);
  for (const auto c : x.child_nodes) {
    w.num(c);
  }
  w.count(x.release_checks);
  for (const auto& c : x.release_checks) {
    w.num(c.element);
    w.str(c.comment);
  }
}

template <typename E>
E enum_in(Reader& r, std::uint8_t last) {
  const auto v = r.num<std::uint8_t>();
  if (v > last) {
    throw Damaged{};
  }
  return static_cast<E>(v);
}

void read_facts(Reader& r, FeedFacts& f) {
  f.compression = r.str();
  f.source_size = r.num<std::uint64_t>();
  f.size = r.num<std::uint64_t>();
  f.sha256 = r.str();
  f.definitions = r.num<std::uint64_t>();
  for (auto* map : {&f.classes, &f.tests}) {
    for (auto n = r.count(); n > 0; --n) {
      auto key = r.str();
      (*map)[key] = r.num<std::uint64_t>();
    }
  }
  f.generated = r.str();
  f.product = r.str();
  f.platforms.resize(r.count());
  for (auto& p : f.platforms) {
    p = r.str();
  }
}

void read_tables(Reader& r, FeedIndex& x) {
  read_facts(r, x.facts);
  x.root_start = r.str();
  x.root_end = r.str();
  x.generator = r.str();
  for (std::size_t i = 0; i < k_sections; ++i) {
    x.section_start[i] = r.str();
    x.section_end[i] = r.str();
  }
  x.elements.resize(r.count());
  for (auto& e : x.elements) {
    e.section = enum_in<Section>(r, k_sections - 1);
    e.id = r.str();
    e.xml_offset = r.num<std::uint64_t>();
    e.xml_size = r.num<std::uint32_t>();
    e.refs_begin = r.num<std::uint32_t>();
    e.refs_count = r.num<std::uint32_t>();
    e.test = r.num<std::uint32_t>();
    e.definition = r.num<std::uint32_t>();
  }
  x.refs.resize(r.count());
  for (auto& ref : x.refs) {
    ref = r.num<std::uint32_t>();
  }
  x.tests.resize(r.count());
  for (auto& t : x.tests) {
    t.probe = enum_in<PackageProbe>(r, 2);
    t.existence = enum_in<Existence>(r, 4);
    t.package_test = r.num<std::uint8_t>() != 0;
    t.names.resize(r.count());
    for (auto& n : t.names) {
      n = r.str();
    }
  }
  x.definitions.resize(r.count());
  for (auto& d : x.definitions) {
    d.element = r.num<std::uint32_t>();
    d.version = r.str();
    d.cls = r.str();
    d.root = r.num<std::uint32_t>();
    d.foldable = r.num<std::uint8_t>() != 0;
  }
  x.nodes.resize(r.count());
  for (auto& n : x.nodes) {
    n.kind = enum_in<NodeKind>(r, 2);
    n.op = enum_in<Operator>(r, 3);
    n.negate = r.num<std::uint8_t>() != 0;
    n.ref = r.num<std::uint32_t>();
    n.first_child = r.num<std::uint32_t>();
    n.child_count = r.num<std::uint32_t>();
  }
  x.child_nodes.resize(r.count());
  for (auto& c : x.child_nodes) {
    c = r.num<std::uint32_t>();
  }
  x.release_checks.resize(r.count());
  for (auto& c : x.release_checks) {
    c.element = r.num<std::uint32_t>();
    c.comment = r.str();
  }
  if (!r.done()) {
    throw Damaged{};
  }
}

bool in_range(std::uint32_t value, std::size_t size) { return value < size; }
bool none_or_in_range(std::uint32_t value, std::size_t size) {
  return value == k_no_element || value < size;
}

// Every reference in range; criteria children after their parent; element XML in the pieces.
bool consistent(const FeedIndex& x, std::uint64_t pieces_size) {
  const auto ne = x.elements.size();
  for (const auto& e : x.elements) {
    if (e.xml_offset > pieces_size || e.xml_size > pieces_size - e.xml_offset ||
        std::uint64_t{e.refs_begin} + e.refs_count > x.refs.size() ||
        !none_or_in_range(e.test, x.tests.size()) ||
        !none_or_in_range(e.definition, x.definitions.size()) ||
        (e.section == Section::tests) != (e.test != k_no_element) ||
        (e.section == Section::definitions) != (e.definition != k_no_element)) {
      return false;
    }
  }
  for (const auto r : x.refs) {
    if (!in_range(r, ne)) {
      return false;
    }
  }
  for (const auto& d : x.definitions) {
    if (!in_range(d.element, ne) || !none_or_in_range(d.root, x.nodes.size())) {
      return false;
    }
  }
  for (std::size_t i = 0; i < x.nodes.size(); ++i) {
    const auto& n = x.nodes[i];
    if (std::uint64_t{n.first_child} + n.child_count > x.child_nodes.size() ||
        !none_or_in_range(n.ref, ne)) {
      return false;
    }
    if (n.ref != k_no_element &&
        x.elements[n.ref].section !=
            (n.kind == NodeKind::criterion ? Section::tests : Section::definitions)) {
      return false;
    }
    for (std::uint32_t c = 0; c < n.child_count; ++c) {
      const auto child = x.child_nodes[n.first_child + c];
      if (!in_range(child, x.nodes.size()) || child <= i) {
        return false;
      }
    }
  }
  for (const auto& c : x.release_checks) {
    if (!in_range(c.element, ne)) {
      return false;
    }
  }
  return true;
}

std::string header(const FeedIndex& x, std::uint64_t pieces_size) {
  Writer w;
  w.str(k_magic);
  w.num(FeedIndex::k_format);
  w.str(x.feed_sha256);
  w.num(pieces_size);
  return w.out();
}

}  // namespace

std::string_view section_name(Section section) {
  switch (section) {
    case Section::definitions:
      return "definitions";
    case Section::tests:
      return "tests";
    case Section::objects:
      return "objects";
    case Section::states:
      return "states";
    case Section::variables:
      return "variables";
  }
  return "?";
}

std::string_view probe_name(PackageProbe probe) {
  switch (probe) {
    case PackageProbe::dpkginfo:
      return "dpkginfo";
    case PackageProbe::rpminfo:
      return "rpminfo";
    case PackageProbe::none:
      break;
  }
  return "none";
}

fs::path pieces_path(const fs::path& index_file) { return fs::path(index_file).concat(".pieces"); }

fs::path index_path(const fs::path& cache_dir, const std::string& feed_sha256) {
  return cache_dir / (feed_sha256 + ".index");
}

void write_index(const FeedIndex& index, std::uint64_t pieces_size, const fs::path& file) {
  Writer tables;
  write_tables(tables, index);
  util::AtomicFile out(file);
  out.write(header(index, pieces_size));
  out.write(tables.out());
  out.commit();
}

std::optional<FeedIndex> FeedIndex::load(const fs::path& file, const std::string& feed_sha256) {
  const auto data = util::read_file(file);
  auto pieces =
      std::make_shared<const util::Fd>(::open(pieces_path(file).c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (data.empty() || !*pieces || ::fstat(pieces->get(), &st) != 0) {
    return std::nullopt;
  }
  try {
    Reader r(data);
    if (r.str() != k_magic || r.num<std::uint32_t>() != k_format || r.str() != feed_sha256) {
      return std::nullopt;
    }
    FeedIndex x;
    x.feed_sha256 = feed_sha256;
    x.m_pieces_size = r.num<std::uint64_t>();
    if (x.m_pieces_size != static_cast<std::uint64_t>(st.st_size)) {
      return std::nullopt;
    }
    read_tables(r, x);
    if (x.facts.sha256 != feed_sha256 || !consistent(x, x.m_pieces_size)) {
      return std::nullopt;
    }
    x.m_file = std::move(pieces);
    x.m_by_id.reserve(x.elements.size());
    for (std::uint32_t i = 0; i < x.elements.size(); ++i) {
      x.m_by_id.emplace(x.elements[i].id, i);
    }
    return x;
  } catch (const Damaged&) {
    return std::nullopt;
  }
}

std::string FeedIndex::xml(std::uint32_t element) const {
  const auto& e = elements.at(element);
  std::string text(e.xml_size, '\0');
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::pread(m_file->get(), text.data() + done, text.size() - done,
                           static_cast<off_t>(e.xml_offset + done));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      fail("cannot read the feed index: {}", n < 0 ? errno_text(errno) : "truncated");
    }
    done += static_cast<std::size_t>(n);
  }
  return text;
}

std::uint32_t FeedIndex::find(std::string_view id) const {
  const auto it = m_by_id.find(id);
  return it == m_by_id.end() ? k_no_element : it->second;
}

FeedIndex load_or_build_index(const fs::path& feed, const FeedFacts& facts, const fs::path& file) {
  const auto& feed_sha256 = facts.sha256;
  if (auto index = FeedIndex::load(file, feed_sha256)) {
    ::utimensat(AT_FDCWD, file.c_str(), nullptr, 0);  // used: kept by the cache's pruning
    return std::move(*index);
  }
  spdlog::debug("indexing {} into {}", feed.string(), file.string());
  build_index(feed, facts, file);
  auto index = FeedIndex::load(file, feed_sha256);
  if (!index) {
    fail("the index of feed {} cannot be read back from {}", feed.string(), file.string());
  }
  return std::move(*index);
}

}  // namespace imgscap::feeds
