// SPDX-License-Identifier: Apache-2.0
#include <imgscap/util/oval.hpp>
#include <imgscap/util/xml.hpp>

#include <algorithm>
#include <iterator>

namespace imgscap::util::oval {
namespace {

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

}  // namespace

bool is_file_object(std::string_view element_name) {
  return std::find(std::begin(k_file_objects), std::end(k_file_objects), element_name) !=
         std::end(k_file_objects);
}

std::string literal_file_path(const xmlNode* object) {
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

}  // namespace imgscap::util::oval
