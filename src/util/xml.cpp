// SPDX-License-Identifier: Apache-2.0
// libxml2 documents, readers and XPath queries under imgscap's one parse policy.
#include <imgscap/util/error.hpp>
#include <imgscap/util/xml.hpp>

#include <fmt/format.h>

#include <cstring>

namespace imgscap::util::xml {

std::string last_error() {
  const xmlError* error = xmlGetLastError();
  if (error == nullptr || error->message == nullptr) {
    return {};
  }
  std::string message = error->message;
  while (!message.empty() && message.back() == '\n') {
    message.pop_back();
  }
  return fmt::format(" (line {}: {})", error->line, message);
}

DocPtr parse_file(const std::filesystem::path& path) {
  DocPtr doc(xmlReadFile(path.c_str(), nullptr, k_parse_options));
  if (!doc) {
    fail("cannot parse {}: not well-formed XML{}", path.string(), last_error());
  }
  return doc;
}

DocPtr parse_memory(std::string_view data, const std::string& what) {
  xmlResetLastError();
  DocPtr doc(xmlReadMemory(data.data(), static_cast<int>(data.size()), what.c_str(), nullptr,
                           k_parse_options));
  if (!doc) {
    fail("cannot parse {}: not well-formed XML{}", what, last_error());
  }
  return doc;
}

ReaderPtr open_reader(const std::filesystem::path& path) {
  return ReaderPtr(xmlReaderForFile(path.c_str(), nullptr, k_parse_options));
}

void stream_elements(const std::filesystem::path& path, std::string_view what,
                     const std::function<bool(const ElementPath&)>& want,
                     const std::function<void(const ElementPath&, const xmlNode*)>& on) {
  const auto reader = open_reader(path);
  if (!reader) {
    fail("cannot open {}", path.string());
  }
  ElementPath names;
  int status = xmlTextReaderRead(reader.get());
  while (status == 1) {
    if (xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT) {
      status = xmlTextReaderRead(reader.get());
      continue;
    }
    names.resize(static_cast<std::size_t>(xmlTextReaderDepth(reader.get())));
    names.push_back(str(xmlTextReaderConstLocalName(reader.get())));
    if (!want(names)) {
      status = xmlTextReaderRead(reader.get());
      continue;
    }
    const xmlNode* node = xmlTextReaderExpand(reader.get());
    if (node == nullptr) {
      status = -1;
      break;
    }
    on(names, node);
    status = xmlTextReaderNext(reader.get());
  }
  if (status != 0) {
    fail("{}: not well-formed {}{}", path.string(), what, last_error());
  }
}

std::string serialize(xmlDoc* doc) {
  xmlChar* text = nullptr;
  int size = 0;
  xmlDocDumpFormatMemoryEnc(doc, &text, &size, "UTF-8", 1);
  if (text == nullptr) {
    fail("cannot serialise an XML document");
  }
  std::string out(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
  xmlFree(text);
  return out;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
    } else {
      out.push_back(c);
    }
  }
  return out;
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

std::string str(const xmlChar* value) {
  return value == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(value));
}

std::string local_name(const xmlNode* node) { return str(node->name); }

std::string namespace_uri(const xmlNode* node) {
  return node->ns == nullptr ? std::string() : str(node->ns->href);
}

std::string attribute(const xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  std::string out = str(value);
  xmlFree(value);
  return out;
}

std::string text(const xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  std::string out = str(value);
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

}  // namespace imgscap::util::xml
