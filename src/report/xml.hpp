// SPDX-License-Identifier: Apache-2.0
// Small RAII helpers over libxml2 documents and XPath queries used to read results files.
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace imgscap::report::xml {

struct DocFree {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
struct XPathContextFree {
  void operator()(xmlXPathContext* ctx) const noexcept { xmlXPathFreeContext(ctx); }
};
struct XPathObjectFree {
  void operator()(xmlXPathObject* obj) const noexcept { xmlXPathFreeObject(obj); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Parses a file without network access and without entity expansion. Throws imgscap::Error.
DocPtr parse_file(const std::filesystem::path& path);

// Nodes matching `expression` (evaluated relative to `node`, or the document when null).
std::vector<xmlNode*> select(xmlDoc* doc, const char* expression, xmlNode* node = nullptr);

std::string attribute(const xmlNode* node, const char* name);
std::string text(const xmlNode* node);
// Text of the first child element with this local name, or "".
std::string child_text(const xmlNode* node, const char* local_name);

}  // namespace imgscap::report::xml
