// SPDX-License-Identifier: Apache-2.0
// The one owner of libxml2 handles (documents, the streaming reader, XPath objects) and the one
// parse policy for every XML imgscap reads: no network, no entity expansion, libxml2's messages
// kept to itself, huge text nodes allowed (distributor feeds have them).
#pragma once

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xpath.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::util::xml {

inline constexpr int k_parse_options =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE;

struct DocFree {
  void operator()(xmlDoc* doc) const noexcept { xmlFreeDoc(doc); }
};
struct ReaderFree {
  void operator()(xmlTextReader* reader) const noexcept { xmlFreeTextReader(reader); }
};
struct XPathContextFree {
  void operator()(xmlXPathContext* ctx) const noexcept { xmlXPathFreeContext(ctx); }
};
struct XPathObjectFree {
  void operator()(xmlXPathObject* obj) const noexcept { xmlXPathFreeObject(obj); }
};
struct BufferFree {
  void operator()(xmlBuffer* buffer) const noexcept { xmlBufferFree(buffer); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;
using ReaderPtr = std::unique_ptr<xmlTextReader, ReaderFree>;
using BufferPtr = std::unique_ptr<xmlBuffer, BufferFree>;

// Parses a whole file / a buffer under the parse policy. Throws imgscap::Error with libxml2's
// message (naming `what`).
DocPtr parse_file(const std::filesystem::path& path);
DocPtr parse_memory(std::string_view data, const std::string& what);

// A streaming reader over the file under the parse policy; null when it cannot be opened.
ReaderPtr open_reader(const std::filesystem::path& path);

// Element names from the root down to the element the reader is on.
using ElementPath = std::vector<std::string>;

// Streams the file's elements in document order. `want(path)` decides for each element whether
// it is expanded and handed to `on(path, node)`, its subtree then skipped; `want` may throw to
// refuse the document (a root of another kind). Throws imgscap::Error naming `what` when the
// file cannot be opened or is not well-formed.
void stream_elements(const std::filesystem::path& path, std::string_view what,
                     const std::function<bool(const ElementPath&)>& want,
                     const std::function<void(const ElementPath&, const xmlNode*)>& on);

// A document built in memory as text (UTF-8, indented, with the XML declaration).
std::string serialize(xmlDoc* doc);

// `text` with what XML 1.0 cannot carry (bytes that are not well-formed UTF-8, C0 controls other
// than tab, line feed and carriage return, surrogates, U+FFFE, U+FFFF) replaced by U+FFFD, for
// text from images and probes written into XML.
std::string printable(std::string_view text);

// libxml2's last error as " (line N: message)", or "" when there is none.
std::string last_error();

// Nodes matching `expression` (evaluated relative to `node`, or the document when null).
std::vector<xmlNode*> select(xmlDoc* doc, const char* expression, xmlNode* node = nullptr);

std::string str(const xmlChar* value);
std::string local_name(const xmlNode* node);
std::string namespace_uri(const xmlNode* node);
std::string attribute(const xmlNode* node, const char* name);
// The element's whole text content (untrimmed).
std::string text(const xmlNode* node);
// Text of the first child element with this local name, or "".
std::string child_text(const xmlNode* node, const char* local_name);

// Calls f(child) for every element child of `node`.
template <typename F>
void for_children(const xmlNode* node, F&& f) {
  for (auto* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      f(child);
    }
  }
}

}  // namespace imgscap::util::xml
