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

namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the well-formed UTF-8 sequence at the start of `text` whose code point XML 1.0
// can carry, or 0.
std::size_t xml_char_length(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char first = byte(0);
  if (first < 0x80) {
    return first >= 0x20 || first == '\t' || first == '\n' || first == '\r' ? 1 : 0;
  }
  const std::size_t length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0;
  if (length == 0 || first > 0xF4 || text.size() < length) {
    return 0;
  }
  std::uint32_t code = first & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) {
      return 0;
    }
    code = (code << 6) | (byte(i) & 0x3F);
  }
  const std::uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  const bool overlong = code < least[length];
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  const bool not_xml = code == 0xFFFE || code == 0xFFFF || code > 0x10FFFF;
  return overlong || surrogate || not_xml ? 0 : length;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto length = xml_char_length(text);
    if (length == 0) {
      out += k_replacement;
      text.remove_prefix(1);
    } else {
      out += text.substr(0, length);
      text.remove_prefix(length);
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
