// SPDX-License-Identifier: Apache-2.0
#include <imgscap/report/rule_docs.hpp>
#include <imgscap/util/xml.hpp>

#include <fmt/format.h>

#include <cctype>

namespace imgscap::report {
namespace {

namespace xml = util::xml;

// The element's text with every run of whitespace made one space (XHTML paragraphs, code and
// the indentation of the document become one line).
std::string flattened(const xmlNode* node) {
  std::string out;
  bool space = false;
  for (const char c : xml::text(node)) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(c);
  }
  return out;
}

// XCCDF: <reference href="...">words</reference>; <ident system="...">CCE-1</ident>.
void xccdf_rule(const xmlNode* rule, RuleDoc& doc) {
  xml::for_children(rule, [&doc](const xmlNode* child) {
    const auto name = xml::local_name(child);
    if (name == "description") {
      doc.description = flattened(child);
    } else if (name == "rationale") {
      doc.rationale = flattened(child);
    } else if (name == "reference" || name == "ident") {
      auto words = flattened(child);
      if (!words.empty()) {
        doc.references.push_back({std::move(words), xml::attribute(child, "href")});
      }
    }
  });
}

// OVAL: <metadata><description/><reference source="CVE" ref_id="..." ref_url="..."/></metadata>.
void oval_definition(const xmlNode* definition, RuleDoc& doc) {
  xml::for_children(definition, [&doc](const xmlNode* metadata) {
    if (xml::local_name(metadata) != "metadata") {
      return;
    }
    xml::for_children(metadata, [&doc](const xmlNode* child) {
      const auto name = xml::local_name(child);
      if (name == "description") {
        doc.description = flattened(child);
      } else if (name == "reference") {
        const auto source = xml::attribute(child, "source");
        const auto id = xml::attribute(child, "ref_id");
        doc.references.push_back({source.empty() ? id : fmt::format("{} {}", source, id),
                                  xml::attribute(child, "ref_url")});
      }
    });
  });
}

}  // namespace

RuleDocs read_rule_docs(const std::filesystem::path& results_file,
                        const std::set<std::string>& ids) {
  RuleDocs docs;
  if (ids.empty()) {
    return docs;
  }
  const auto want = [](const xml::ElementPath& path) {
    return path.back() == "Rule" || path.back() == "definition";
  };
  xml::stream_elements(results_file, "results", want,
                       [&](const xml::ElementPath& path, const xmlNode* node) {
                         const auto id = xml::attribute(node, "id");
                         if (!ids.contains(id) || docs.contains(id)) {
                           return;
                         }
                         auto& doc = docs[id];
                         if (path.back() == "Rule") {
                           xccdf_rule(node, doc);
                         } else {
                           oval_definition(node, doc);
                         }
                       });
  return docs;
}

}  // namespace imgscap::report
