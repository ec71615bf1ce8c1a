// SPDX-License-Identifier: Apache-2.0
// libxml2 document and XPath helpers.
#include "xml.hpp"

#include <imgscap/util/error.hpp>

#include <cstring>

namespace imgscap::report::xml {

DocPtr parse_file(const std::filesystem::path& path) {
  DocPtr doc(
      xmlReadFile(path.c_str(), nullptr,
                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE));
  if (!doc) {
    const xmlError* error = xmlGetLastError();
    fail("cannot parse {}: {}", path.string(),
         error != nullptr && error->message != nullptr ? error->message : "not well-formed XML");
  }
  return doc;
}

std::vector<xmlNode*> select(xmlDoc* doc, const char* expression, xmlNode* node) {
  std::unique_ptr<xmlXPathContext, XPathContextFree> ctx(xmlXPathNewContext(doc));
  if (!ctx) {
    fail("cannot create an XPath context");
  }
  if (node != nullptr) {
    ctx->node = node;
  }
  std::unique_ptr<xmlXPathObject, XPathObjectFree> result(
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression), ctx.get()));
  std::vector<xmlNode*> nodes;
  if (result && result->nodesetval != nullptr) {
    for (int i = 0; i < result->nodesetval->nodeNr; ++i) {
      nodes.push_back(result->nodesetval->nodeTab[i]);
    }
  }
  return nodes;
}

std::string attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

std::string text(const xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  if (value == nullptr) {
    return {};
  }
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

std::string child_text(const xmlNode* node, const char* local_name) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE &&
        std::strcmp(reinterpret_cast<const char*>(child->name), local_name) == 0) {
      return text(child);
    }
  }
  return {};
}

}  // namespace imgscap::report::xml
