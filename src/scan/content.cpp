// SPDX-License-Identifier: Apache-2.0
// Content kind detection with libxml2's streaming reader (reads only up to the root element).
#include <imgscap/scan/content.hpp>
#include <imgscap/util/error.hpp>

#include <imgscap/util/xml.hpp>

#include <cerrno>
#include <memory>
#include <system_error>

namespace imgscap::scan {
namespace {

constexpr std::string_view k_ds_ns = "http://scap.nist.gov/schema/scap/source/1.2";
constexpr std::string_view k_oval_ns = "http://oval.mitre.org/XMLSchema/oval-definitions-5";

std::string to_string(const xmlChar* text) {
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

ContentKind kind_of_root(const std::string& name, const std::string& ns,
                         const std::filesystem::path& path) {
  if (name == "data-stream-collection" && ns == k_ds_ns) {
    return ContentKind::datastream;
  }
  if (name == "Benchmark" && ns.starts_with("http://checklists.nist.gov/xccdf/")) {
    return ContentKind::xccdf;
  }
  if (name == "oval_definitions" && ns == k_oval_ns) {
    return ContentKind::oval;
  }
  fail(
      "content {}: not a SCAP source datastream, XCCDF benchmark or OVAL definitions file "
      "(root element <{}> in namespace \"{}\")",
      path.string(), name, ns);
}

}  // namespace

std::string_view content_kind_name(ContentKind kind) {
  switch (kind) {
    case ContentKind::datastream:
      return "source datastream";
    case ContentKind::xccdf:
      return "XCCDF benchmark";
    case ContentKind::oval:
      return "OVAL definitions";
  }
  return "unknown";
}

Content detect_content(const std::filesystem::path& path) {
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(path, ec);
  if (ec || !std::filesystem::is_regular_file(absolute, ec)) {
    fail("content {}: no such file", path.string());
  }
  const auto reader = util::xml::open_reader(absolute);
  if (!reader) {
    fail("content {}: cannot open: {}", path.string(), errno_text(errno));
  }
  int status = 0;
  while ((status = xmlTextReaderRead(reader.get())) == 1) {
    if (xmlTextReaderNodeType(reader.get()) == XML_READER_TYPE_ELEMENT) {
      const auto name = to_string(xmlTextReaderConstLocalName(reader.get()));
      const auto ns = to_string(xmlTextReaderConstNamespaceUri(reader.get()));
      const auto kind = kind_of_root(name, ns, path);
      return Content{absolute, kind, util::sha256_of_file(absolute)};
    }
  }
  fail("content {}: not an XML document", path.string());
}

}  // namespace imgscap::scan
