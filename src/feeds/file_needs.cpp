// SPDX-License-Identifier: Apache-2.0
// The files a feed reads, from its objects' XML as the index keeps it. Package tests the index
// resolved (dpkginfo/rpminfo by exact name) are known to read only the package databases; every
// other object is parsed, wrapped in the feed's own root start tag for its namespaces.
#include <imgscap/feeds/file_needs.hpp>
#include <imgscap/util/oval.hpp>
#include <imgscap/util/xml.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>

namespace imgscap::feeds {
namespace {

namespace xml = util::xml;

// Objects that read nothing of the image but its package databases (or nothing of it at all).
constexpr std::string_view k_package_or_no_file[] = {
    "dpkginfo_object", "rpminfo_object", "family_object", "uname_object", "variable_object"};
// The object elements package tests refer to.
std::set<std::uint32_t> package_objects(const FeedIndex& index) {
  std::set<std::uint32_t> objects;
  for (const auto& e : index.elements) {
    if (e.section != Section::tests || index.tests[e.test].probe == PackageProbe::none) {
      continue;
    }
    for (std::uint32_t r = 0; r < e.refs_count; ++r) {
      objects.insert(index.refs[e.refs_begin + r]);
    }
  }
  return objects;
}

void sort_unique(std::vector<std::string>& paths) {
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
}

}  // namespace

FileNeeds file_needs(const FeedIndex& index) {
  FileNeeds needs;
  const auto skip = package_objects(index);
  const auto open =
      index.root_start + index.section_start[static_cast<std::size_t>(Section::objects)];
  const auto close = index.section_end[static_cast<std::size_t>(Section::objects)] + index.root_end;
  for (std::uint32_t i = 0; i < index.elements.size(); ++i) {
    const auto& e = index.elements[i];
    if (e.section != Section::objects || skip.contains(i)) {
      continue;
    }
    const auto doc = xml::parse_memory(open + index.xml(i) + close, "object " + e.id);
    const auto objects = xml::select(doc.get(), "/*/*/*");
    if (objects.size() != 1) {
      needs.inexact = fmt::format("its object {} could not be read back", e.id);
      continue;
    }
    const auto name = xml::local_name(objects.front());
    const auto is = [&name](std::string_view kind) { return name == kind; };
    if (std::any_of(std::begin(k_package_or_no_file), std::end(k_package_or_no_file), is)) {
      continue;
    }
    if (!util::oval::is_file_object(name)) {
      needs.inexact = fmt::format("its object {} is a {}", e.id, name);
      continue;
    }
    const auto path = util::oval::literal_file_path(objects.front());
    if (path.empty()) {
      needs.inexact = fmt::format("its {} {} names its files by pattern or variable", name, e.id);
      continue;
    }
    (name == "file_object" ? needs.metadata : needs.content).push_back(path);
  }
  sort_unique(needs.content);
  sort_unique(needs.metadata);
  return needs;
}

}  // namespace imgscap::feeds
