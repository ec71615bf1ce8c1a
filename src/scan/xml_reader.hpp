// SPDX-License-Identifier: Apache-2.0
// An owner for libxml2's streaming reader, used where only the first elements or the Profile
// ids of a content file are needed.
#pragma once

#include <libxml/xmlreader.h>

#include <filesystem>
#include <memory>

namespace imgscap::scan {

struct TextReaderFree {
  void operator()(xmlTextReader* reader) const noexcept { xmlFreeTextReader(reader); }
};
using TextReaderPtr = std::unique_ptr<xmlTextReader, TextReaderFree>;

// A reader that never touches the network and keeps libxml2's messages to itself.
inline TextReaderPtr open_xml_reader(const std::filesystem::path& path) {
  return TextReaderPtr(
      xmlReaderForFile(path.c_str(), nullptr,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE));
}

}  // namespace imgscap::scan
