// SPDX-License-Identifier: Apache-2.0
// Decompressing feeds with libarchive's raw format and inspecting them with libxml2's streaming
// reader (a distributor feed can be hundreds of megabytes: never a DOM).
#include <imgscap/feeds/feed_file.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/fd.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/xml.hpp>

#include <archive.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <ctime>
#include <memory>
#include <set>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_oval_defs_ns = "http://oval.mitre.org/XMLSchema/oval-definitions-5";
constexpr std::string_view k_oval_common_ns = "http://oval.mitre.org/XMLSchema/oval-common-5";
constexpr std::size_t k_max_platforms = 8;

struct ArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

std::string archive_message(archive* a) {
  const char* text = archive_error_string(a);
  return text == nullptr ? std::string("unreadable data") : std::string(text);
}

std::string compression_name(int code) {
  switch (code) {
    case ARCHIVE_FILTER_NONE:
      return "none";
    case ARCHIVE_FILTER_GZIP:
      return "gzip";
    case ARCHIVE_FILTER_BZIP2:
      return "bzip2";
    case ARCHIVE_FILTER_XZ:
      return "xz";
    case ARCHIVE_FILTER_ZSTD:
      return "zstd";
    default:
      return fmt::format("filter {}", code);
  }
}

using util::xml::str;

// The text content of the element the reader is on (its subtree expanded).
std::string element_text(xmlTextReader* reader) {
  xmlChar* content = xmlTextReaderReadString(reader);
  std::string out = str(content);
  xmlFree(content);
  return out;
}

void fill_facts(const fs::path& xml, FeedFacts& facts) {
  const auto reader = util::xml::open_reader(xml);
  if (!reader) {
    fail("cannot open {}", xml.string());
  }
  bool root_seen = false;
  std::set<std::string> platforms;
  int status = 0;
  while ((status = xmlTextReaderRead(reader.get())) == 1) {
    if (xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT) {
      continue;
    }
    const auto name = str(xmlTextReaderConstLocalName(reader.get()));
    const auto ns = str(xmlTextReaderConstNamespaceUri(reader.get()));
    if (!root_seen) {
      root_seen = true;
      if (name != "oval_definitions" || ns != k_oval_defs_ns) {
        fail("not OVAL definitions (root element <{}> in namespace \"{}\")", name, ns);
      }
      continue;
    }
    const int depth = xmlTextReaderDepth(reader.get());
    if (name == "definition" && ns == k_oval_defs_ns && depth == 2) {
      ++facts.definitions;
      xmlChar* cls =
          xmlTextReaderGetAttribute(reader.get(), reinterpret_cast<const xmlChar*>("class"));
      ++facts.classes[str(cls)];
      xmlFree(cls);
    } else if (depth == 2 && name.ends_with("_test")) {
      ++facts.tests[name];
    } else if (name == "platform" && ns == k_oval_defs_ns && platforms.size() < k_max_platforms) {
      platforms.insert(element_text(reader.get()));
    } else if (ns == k_oval_common_ns && depth == 2 && name == "timestamp") {
      facts.generated = element_text(reader.get());
    } else if (ns == k_oval_common_ns && depth == 2 && name == "product_name") {
      facts.product = element_text(reader.get());
    }
  }
  if (status != 0) {
    fail("not well-formed XML{}", util::xml::last_error());
  }
  if (!root_seen) {
    fail("empty document");
  }
  facts.platforms.assign(platforms.begin(), platforms.end());
}

}  // namespace

FeedFacts unpack_feed(const fs::path& source, const fs::path& destination,
                      std::uint64_t max_bytes) {
  return with_context("feed " + source.string(), [&] {
    ArchivePtr a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    if (archive_read_open_filename(a.get(), source.c_str(), 1 << 16) != ARCHIVE_OK) {
      fail("cannot read: {}", archive_message(a.get()));
    }
    archive_entry* entry = nullptr;
    const int header = archive_read_next_header(a.get(), &entry);
    FeedFacts facts;
    std::error_code ec;
    facts.source_size = fs::file_size(source, ec);
    facts.compression = compression_name(archive_filter_code(a.get(), 0));
    util::Fd out(::open(destination.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!out) {
      fail("cannot create {}: {}", destination.string(), errno_text(errno));
    }
    util::Hasher hasher;
    if (header == ARCHIVE_OK) {
      std::array<char, 1 << 16> buffer{};
      for (;;) {
        const auto n = archive_read_data(a.get(), buffer.data(), buffer.size());
        if (n < 0) {
          fail("{} data is corrupt or truncated: {}", facts.compression, archive_message(a.get()));
        }
        if (n == 0) {
          break;
        }
        const auto size = static_cast<std::size_t>(n);
        facts.size += size;
        if (facts.size > max_bytes) {
          fail(
              "more than {} bytes unpacked (limit feed-bytes; raise it with --limit "
              "feed-bytes=...)",
              max_bytes);
        }
        hasher.update(std::string_view(buffer.data(), size));
        util::write_all(out.get(), std::string_view(buffer.data(), size), destination);
      }
    } else if (header != ARCHIVE_EOF) {
      fail("cannot read: {}", archive_message(a.get()));
    }
    if (::fsync(out.get()) != 0) {
      fail("cannot write {}: {}", destination.string(), errno_text(errno));
    }
    out.reset();
    if (facts.size == 0) {
      fail("empty");
    }
    facts.sha256 = hasher.finish().hex();
    fill_facts(destination, facts);
    return facts;
  });
}

FeedFacts inspect_feed(const fs::path& xml) {
  return with_context("feed " + xml.string(), [&] {
    FeedFacts facts;
    facts.compression = "none";
    std::error_code ec;
    facts.size = fs::file_size(xml, ec);
    if (ec) {
      fail("cannot read: {}", ec.message());
    }
    facts.source_size = facts.size;
    facts.sha256 = util::sha256_of_file(xml).hex();
    fill_facts(xml, facts);
    return facts;
  });
}

long long parse_timestamp(const std::string& text) {
  std::tm tm{};
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6) {
    return -1;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  auto seconds = static_cast<long long>(::timegm(&tm));
  // Optional fraction, then Z or +hh:mm / -hh:mm (none: UTC).
  std::string_view rest(text);
  rest.remove_prefix(static_cast<std::size_t>(consumed));
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
      rest.remove_prefix(1);
    }
  }
  int zone_hours = 0;
  int zone_minutes = 0;
  if (rest.size() >= 6 && (rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(std::string(rest.substr(1, 5)).c_str(), "%2d:%2d", &zone_hours, &zone_minutes) ==
          2) {
    const long long offset = zone_hours * 3600LL + zone_minutes * 60LL;
    seconds += rest[0] == '+' ? -offset : offset;
  }
  return seconds;
}

}  // namespace imgscap::feeds
