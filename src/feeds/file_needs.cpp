// SPDX-License-Identifier: Apache-2.0
// The files a feed reads, from its objects' XML as the index keeps it. Package tests the index
// resolved (dpkginfo/rpminfo by exact name) are known to read only the package databases; every
// other object is parsed, wrapped in the feed's own root start tag for its namespaces.
#include <imgscap/feeds/file_needs.hpp>
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
// Objects that read one file, named by filepath or path + filename.
constexpr std::string_view k_file_objects[] = {"textfilecontent54_object", "textfilecontent_object",
                                               "file_object"};

bool literal(const xmlNode* node) {
  const auto operation = xml::attribute(node, "operation");
  return xml::attribute(node, "var_ref").empty() && (operation.empty() || operation == "equals");
}

const xmlNode* child(const xmlNode* node, std::string_view name) {
  const xmlNode* found = nullptr;
  xml::for_children(node, [&](const xmlNode* c) {
    if (found == nullptr && xml::local_name(c) == name) {
      found = c;
    }
  });
  return found;
}

// An absolute path without empty, "." or ".." components (nothing a copy could be steered by).
bool plain_absolute(std::string_view path) {
  if (!path.starts_with('/')) {
    return false;
  }
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    const auto part = path.substr(0, slash);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    path.remove_prefix(slash + 1);
  }
}

// The literal absolute path a file object names, or "" when it names none (or the probe would
// read more than that path: behaviors that recurse).
std::string literal_path(const xmlNode* object) {
  if (child(object, "set") != nullptr) {
    return {};
  }
  if (const auto* behaviors = child(object, "behaviors")) {
    const auto recurse = xml::attribute(behaviors, "recurse_direction");
    if (!recurse.empty() && recurse != "none") {
      return {};
    }
  }
  if (const auto* filepath = child(object, "filepath")) {
    const auto path = xml::text(filepath);
    return literal(filepath) && plain_absolute(path) ? path : std::string();
  }
  const auto* dir = child(object, "path");
  const auto* name = child(object, "filename");
  if (dir == nullptr || name == nullptr || !literal(dir) || !literal(name)) {
    return {};
  }
  const auto path = xml::text(dir);
  const auto file = xml::text(name);
  const auto joined = path.ends_with('/') ? path + file : path + "/" + file;
  return file.find('/') == std::string::npos && plain_absolute(joined) ? joined : std::string();
}

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
    if (std::none_of(std::begin(k_file_objects), std::end(k_file_objects), is)) {
      needs.inexact = fmt::format("its object {} is a {}", e.id, name);
      continue;
    }
    const auto path = literal_path(objects.front());
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
