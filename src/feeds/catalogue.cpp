// SPDX-License-Identifier: Apache-2.0
// Reading and searching the CVE feed catalogue.
#include <imgscap/feeds/catalogue.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

// Cache keys become file names: keep them to a safe alphabet.
bool valid_name(const std::string& name) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  };
  return !name.empty() && name.size() <= 64 && name.front() != '.' && name.front() != '_' &&
         name.front() != '-' && std::all_of(name.begin(), name.end(), allowed) &&
         name.find("..") == std::string::npos;
}

std::string text_field(const nlohmann::json& entry, const char* key, bool required,
                       const std::string& where) {
  const auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) {
    if (required) {
      fail("{}: \"{}\" is missing", where, key);
    }
    return {};
  }
  if (!it->is_string()) {
    fail("{}: \"{}\" must be a string", where, key);
  }
  return it->get<std::string>();
}

FeedEntry parse_entry(const nlohmann::json& entry, const fs::path& file, std::size_t index) {
  auto where = fmt::format("feed catalogue {}: entry {}", file.string(), index + 1);
  if (!entry.is_object()) {
    fail("{}: not an object", where);
  }
  FeedEntry e;
  e.name = text_field(entry, "name", true, where);
  where += " (" + e.name + ")";
  if (!valid_name(e.name)) {
    fail("{}: a name is lower-case letters, digits, '.', '_' and '-' (at most 64)", where);
  }
  e.os_id = text_field(entry, "os_id", true, where);
  e.version = text_field(entry, "version", true, where);
  e.no_oval = text_field(entry, "no_oval", false, where);
  e.url = text_field(entry, "url", e.no_oval.empty(), where);
  if (!e.no_oval.empty() && !e.url.empty()) {
    fail("{}: an entry has either \"url\" or \"no_oval\" (why there is no feed)", where);
  }
  if (e.no_oval.empty() && !e.url.starts_with("https://") && !e.url.starts_with("http://") &&
      !e.url.starts_with("file://")) {
    fail("{}: url must be https://, http:// or file:// (got \"{}\")", where, e.url);
  }
  e.distributor = text_field(entry, "distributor", false, where);
  e.platform = text_field(entry, "platform", false, where);
  e.note = text_field(entry, "note", false, where);
  e.dpkg_names = text_field(entry, "dpkg_names", false, where);
  if (!e.dpkg_names.empty() && e.dpkg_names != "source" && e.dpkg_names != "binary") {
    fail("{}: \"dpkg_names\" is \"source\" or \"binary\"", where);
  }
  e.catalogue = file;
  return e;
}

}  // namespace

bool version_matches(std::string_view version, std::string_view version_id) {
  if (version.find('.') != std::string_view::npos) {
    return version == version_id;
  }
  return version == version_id.substr(0, version_id.find('.'));
}

FeedCatalogue load_catalogue(const std::vector<fs::path>& files) {
  FeedCatalogue catalogue;
  for (const auto& file : files) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      fail("feed catalogue {}: no such file", file.string());
    }
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(util::read_file(file));
    } catch (const nlohmann::json::exception& e) {
      fail("feed catalogue {}: {}", file.string(), e.what());
    }
    const auto feeds = doc.is_object() ? doc.find("feeds") : doc.end();
    if (feeds == doc.end() || !feeds->is_array()) {
      fail("feed catalogue {}: expected an object with a \"feeds\" array", file.string());
    }
    for (std::size_t i = 0; i < feeds->size(); ++i) {
      auto entry = parse_entry((*feeds)[i], file, i);
      auto same = std::find_if(catalogue.entries.begin(), catalogue.entries.end(),
                               [&entry](const FeedEntry& e) { return e.name == entry.name; });
      if (same != catalogue.entries.end()) {
        *same = std::move(entry);
      } else {
        catalogue.entries.push_back(std::move(entry));
      }
    }
    catalogue.files.push_back(file);
  }
  return catalogue;
}

const FeedEntry* FeedCatalogue::find(std::string_view name) const {
  const auto it = std::find_if(entries.begin(), entries.end(),
                               [name](const FeedEntry& e) { return e.name == name; });
  return it == entries.end() ? nullptr : &*it;
}

const FeedEntry* FeedCatalogue::for_os(std::string_view id, std::string_view version_id) const {
  // Later catalogue files win: search from the end.
  const auto it = std::find_if(entries.rbegin(), entries.rend(), [&](const FeedEntry& e) {
    return e.os_id == id && !version_id.empty() && version_matches(e.version, version_id);
  });
  return it == entries.rend() ? nullptr : &*it;
}

const FeedEntry* FeedCatalogue::for_url(std::string_view url) const {
  const auto it = std::find_if(entries.begin(), entries.end(), [url](const FeedEntry& e) {
    return !e.url.empty() && e.url == url;
  });
  return it == entries.end() ? nullptr : &*it;
}

std::string FeedCatalogue::supported() const {
  std::map<std::string, std::vector<std::string>> by_os;
  for (const auto& e : entries) {
    if (!e.url.empty()) {
      by_os[e.os_id].push_back(e.version);
    }
  }
  std::vector<std::string> parts;
  for (const auto& [os, versions] : by_os) {
    parts.push_back(fmt::format("{} {}", os, fmt::join(versions, ", ")));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace imgscap::feeds
