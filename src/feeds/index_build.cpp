// SPDX-License-Identifier: Apache-2.0
// Building a feed's index in one streaming pass: each element of the definitions, tests,
// objects, states and variables sections is expanded on its own, serialised into the index's
// pieces and analysed (references, criteria, what a package test asks); references are resolved
// once the whole feed has been read.
#include "index_format.hpp"

#include <imgscap/feeds/index.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/xml.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;
namespace xml = util::xml;

constexpr std::string_view k_defs_ns = "http://oval.mitre.org/XMLSchema/oval-definitions-5";
constexpr std::string_view k_linux_ns = "http://oval.mitre.org/XMLSchema/oval-definitions-5#linux";
// Criteria nested deeper than this are not folded (OpenSCAP evaluates the definition).
constexpr int k_max_criteria_depth = 64;

// A value that may name an element: "oval:<namespace>:<type>:<number>" as OVAL writes ids, or
// anything else starting "oval:" (OpenSCAP does not check the form). Only values that are the
// id of an element of the feed become references.
bool may_be_id(std::string_view text) { return text.starts_with("oval:") && text.size() <= 512; }

std::optional<Section> section_of(std::string_view name) {
  for (std::size_t i = 0; i < k_sections; ++i) {
    if (section_name(static_cast<Section>(i)) == name) {
      return static_cast<Section>(i);
    }
  }
  return std::nullopt;
}

bool in_ns(const xmlNode* node, std::string_view ns) { return xml::namespace_uri(node) == ns; }

std::string qualified_name(const xmlNode* node) {
  const auto name = xml::local_name(node);
  return node->ns != nullptr && node->ns->prefix != nullptr
             ? xml::str(node->ns->prefix) + ":" + name
             : name;
}

std::string dump(xmlDoc* doc, xmlNode* node) {
  const xml::BufferPtr buffer(xmlBufferCreate());
  if (!buffer || xmlNodeDump(buffer.get(), doc, node, 0, 0) < 0) {
    fail("cannot serialise <{}>", xml::local_name(node));
  }
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                     static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

// "<name attributes namespaces>" of an element, without its children.
std::string start_tag(const xmlNode* node) {
  xml::DocPtr scratch(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
  xmlNode* copy = xmlDocCopyNode(const_cast<xmlNode*>(node), scratch.get(), 2);
  if (copy == nullptr) {
    fail("cannot copy <{}>", xml::local_name(node));
  }
  xmlDocSetRootElement(scratch.get(), copy);
  auto text = dump(scratch.get(), copy);
  if (!text.ends_with("/>")) {
    fail("cannot serialise the start of <{}>", xml::local_name(node));
  }
  text.erase(text.size() - 2);
  return text + ">";
}

void collect_refs(const xmlNode* node, std::vector<std::string>& out) {
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (a->children != nullptr && a->children->type == XML_TEXT_NODE &&
        a->children->next == nullptr) {
      const auto value = xml::str(a->children->content);
      if (may_be_id(value)) {
        out.push_back(value);
      }
    }
  }
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) {
      collect_refs(child, out);
    } else if (child->type == XML_TEXT_NODE) {
      const auto text = xml::str(child->content);
      const auto first = text.find_first_not_of(" \t\r\n");
      if (first != std::string::npos) {
        const auto last = text.find_last_not_of(" \t\r\n");
        const auto value = text.substr(first, last - first + 1);
        if (may_be_id(value)) {
          out.push_back(value);
        }
      }
    }
  }
}

bool xsd_true(const std::string& value) { return value == "true" || value == "1"; }

std::optional<Existence> existence_of(const std::string& value) {
  static const std::map<std::string, Existence> k_values = {
      {"all_exist", Existence::all_exist},
      {"any_exist", Existence::any_exist},
      {"at_least_one_exists", Existence::at_least_one_exists},
      {"none_exist", Existence::none_exist},
      {"only_one_exists", Existence::only_one_exists}};
  if (value.empty()) {
    return Existence::at_least_one_exists;
  }
  const auto it = k_values.find(value);
  return it == k_values.end() ? std::nullopt : std::optional(it->second);
}

std::optional<Operator> operator_of(const std::string& value) {
  if (value.empty() || value == "AND") {
    return Operator::and_;
  }
  if (value == "OR") {
    return Operator::or_;
  }
  if (value == "ONE") {
    return Operator::one;
  }
  if (value == "XOR") {
    return Operator::xor_;
  }
  return std::nullopt;
}

// A test as written; resolved against its object once every element is known.
struct RawTest {
  std::string local;
  bool linux_ns = false;
  std::optional<Existence> existence;
  std::string object_ref;
  std::vector<std::string> state_refs;
};

// What a package object asks for: literal names, a variable's values, or something else.
struct RawObject {
  std::string local;
  bool linux_ns = false;
  bool plain = false;  // exactly one name entity, compared for equality as a string
  std::optional<std::string> literal;
  std::string var_ref;
  bool var_check_any = false;  // var_check="at least one"
};

struct RawVariable {
  bool constant_strings = false;
  std::vector<std::string> values;
};

struct PendingNode {
  std::string ref;  // the id a criterion or extend_definition names
};

bool plain_name_entity(const xmlNode* name, RawObject& o) {
  for (const xmlAttr* a = name->properties; a != nullptr; a = a->next) {
    const auto attr = xml::str(a->name);
    const auto value = xml::attribute(name, attr.c_str());
    if (attr == "datatype" && value != "string") {
      return false;
    }
    if (attr == "operation" && value != "equals") {
      return false;
    }
    if (attr == "var_ref") {
      o.var_ref = value;
    } else if (attr == "var_check") {
      o.var_check_any = value == "at least one";
    } else if (attr != "datatype" && attr != "operation") {
      return false;  // mask, or anything imgscap does not know
    }
  }
  if (o.var_ref.empty()) {
    o.literal = xml::text(name);
  }
  return true;
}

RawObject read_object(const xmlNode* node) {
  RawObject o;
  o.local = xml::local_name(node);
  o.linux_ns = in_ns(node, k_linux_ns);
  int names = 0;
  bool other = false;
  xml::for_children(node, [&](const xmlNode* child) {
    const auto name = xml::local_name(child);
    if (name == "name" && in_ns(child, k_linux_ns)) {
      ++names;
      if (!plain_name_entity(child, o)) {
        other = true;
      }
    } else if (!(name == "notes" && in_ns(child, k_defs_ns))) {
      other = true;  // filter, set, behaviors, a signature...
    }
  });
  o.plain = names == 1 && !other;
  return o;
}

RawTest read_test(const xmlNode* node) {
  RawTest t;
  t.local = xml::local_name(node);
  t.linux_ns = in_ns(node, k_linux_ns);
  t.existence = existence_of(xml::attribute(node, "check_existence"));
  xml::for_children(node, [&t](const xmlNode* child) {
    const auto name = xml::local_name(child);
    if (name == "object") {
      t.object_ref = xml::attribute(child, "object_ref");
    } else if (name == "state") {
      t.state_refs.push_back(xml::attribute(child, "state_ref"));
    }
  });
  return t;
}

bool state_compares_evr(const xmlNode* node) {
  bool evr = false;
  xml::for_children(node,
                    [&evr](const xmlNode* child) { evr = evr || xml::local_name(child) == "evr"; });
  return evr;
}

RawVariable read_variable(const xmlNode* node) {
  RawVariable v;
  v.constant_strings = xml::local_name(node) == "constant_variable" && in_ns(node, k_defs_ns) &&
                       xml::attribute(node, "datatype") == "string";
  xml::for_children(node, [&v](const xmlNode* child) {
    if (xml::local_name(child) == "value") {
      v.values.push_back(xml::text(child));
    }
  });
  return v;
}

class Builder {
 public:
  Builder(const fs::path& pieces_file) : m_pieces(pieces_file) {}

  void root(const xmlNode* node) {
    m_index.root_start = start_tag(node);
    m_index.root_end = "</" + qualified_name(node) + ">";
  }

  void section(const xmlNode* node, Section s) {
    const auto i = static_cast<std::size_t>(s);
    if (m_index.section_start[i].empty()) {
      m_index.section_start[i] = start_tag(node);
      m_index.section_end[i] = "</" + qualified_name(node) + ">";
    }
  }

  void generator(xmlDoc* doc, xmlNode* node) { m_index.generator = dump(doc, node); }

  void element(xmlDoc* doc, xmlNode* node, Section s) {
    auto id = xml::attribute(node, "id");
    if (id.empty() || m_ids.contains(id)) {
      return;  // OpenSCAP refers to elements by id: one without (or a second one) is unusable
    }
    const auto index = static_cast<std::uint32_t>(m_index.elements.size());
    m_ids.emplace(id, index);
    Element e;
    e.section = s;
    e.id = std::move(id);
    const auto text = dump(doc, node);
    e.xml_offset = m_offset;
    e.xml_size = static_cast<std::uint32_t>(text.size());
    m_buffer += text;
    m_offset += text.size();
    if (m_buffer.size() >= k_flush_bytes) {
      m_pieces.write(m_buffer);
      m_buffer.clear();
    }
    std::vector<std::string> refs;
    collect_refs(node, refs);
    m_raw_refs.push_back(std::move(refs));
    switch (s) {
      case Section::definitions:
        e.definition = definition(node, index);
        break;
      case Section::tests:
        e.test = static_cast<std::uint32_t>(m_raw_tests.size());
        m_raw_tests.push_back(read_test(node));
        break;
      case Section::objects:
        m_objects.emplace(e.id, read_object(node));
        break;
      case Section::states:
        if (state_compares_evr(node)) {
          m_evr_states.insert(e.id);
        }
        break;
      case Section::variables:
        m_variables.emplace(e.id, read_variable(node));
        break;
    }
    m_index.elements.push_back(std::move(e));
  }

  // Resolves references and writes the index file.
  void finish(const FeedFacts& facts, const fs::path& index_file) {
    m_index.feed_sha256 = facts.sha256;
    m_index.facts = facts;
    resolve_refs();
    resolve_tests();
    resolve_nodes();
    find_release_checks();
    m_pieces.write(m_buffer);
    m_pieces.commit();
    write_index(m_index, m_offset, index_file);
  }

 private:
  std::uint32_t definition(const xmlNode* node, std::uint32_t element) {
    IndexedDefinition d;
    d.element = element;
    d.version = xml::attribute(node, "version");
    d.cls = xml::attribute(node, "class");
    const xmlNode* criteria = nullptr;
    xml::for_children(node, [&criteria](const xmlNode* child) {
      if (criteria == nullptr && xml::local_name(child) == "criteria" && in_ns(child, k_defs_ns)) {
        criteria = child;
      }
    });
    if (criteria != nullptr) {
      bool ok = true;
      d.root = criteria_node(criteria, 0, ok);
      d.foldable = ok;
    }
    m_index.definitions.push_back(std::move(d));
    return static_cast<std::uint32_t>(m_index.definitions.size() - 1);
  }

  // Adds the node and (after it, so children always come later) its subtree.
  std::uint32_t criteria_node(const xmlNode* node, int depth, bool& ok) {
    const auto index = static_cast<std::uint32_t>(m_index.nodes.size());
    CriteriaNode n;
    n.negate = xsd_true(xml::attribute(node, "negate"));
    const auto name = xml::local_name(node);
    m_index.nodes.push_back(n);
    m_pending.emplace_back();
    if (name == "criterion" || name == "extend_definition") {
      const bool criterion = name == "criterion";
      m_index.nodes[index].kind = criterion ? NodeKind::criterion : NodeKind::extend_definition;
      m_pending[index].ref = xml::attribute(node, criterion ? "test_ref" : "definition_ref");
      const auto comment = xml::attribute(node, "comment");
      if (!comment.empty()) {
        m_comments.emplace(m_pending[index].ref, comment);
      }
      return index;
    }
    const auto op = operator_of(xml::attribute(node, "operator"));
    if (name != "criteria" || !op || depth >= k_max_criteria_depth) {
      ok = false;
      return index;
    }
    m_index.nodes[index].op = *op;
    std::vector<const xmlNode*> children;
    xml::for_children(node, [&children](const xmlNode* child) {
      const auto kind = xml::local_name(child);
      if (kind == "criteria" || kind == "criterion" || kind == "extend_definition") {
        children.push_back(child);
      }
    });
    std::vector<std::uint32_t> child_indices;
    for (const auto* child : children) {
      child_indices.push_back(criteria_node(child, depth + 1, ok));
    }
    m_index.nodes[index].first_child = static_cast<std::uint32_t>(m_index.child_nodes.size());
    m_index.nodes[index].child_count = static_cast<std::uint32_t>(child_indices.size());
    m_index.child_nodes.insert(m_index.child_nodes.end(), child_indices.begin(),
                               child_indices.end());
    return index;
  }

  std::uint32_t lookup(const std::string& id) const {
    const auto it = m_ids.find(id);
    return it == m_ids.end() ? k_no_element : it->second;
  }

  void resolve_refs() {
    for (std::size_t i = 0; i < m_index.elements.size(); ++i) {
      std::set<std::uint32_t> targets;
      for (const auto& ref : m_raw_refs[i]) {
        if (const auto target = lookup(ref); target != k_no_element && target != i) {
          targets.insert(target);
        }
      }
      m_index.elements[i].refs_begin = static_cast<std::uint32_t>(m_index.refs.size());
      m_index.elements[i].refs_count = static_cast<std::uint32_t>(targets.size());
      m_index.refs.insert(m_index.refs.end(), targets.begin(), targets.end());
    }
  }

  std::vector<std::string> object_names(const RawObject& o) const {
    if (o.literal) {
      return {*o.literal};
    }
    const auto var = m_variables.find(o.var_ref);
    if (var == m_variables.end() || !var->second.constant_strings || var->second.values.empty() ||
        (var->second.values.size() > 1 && !o.var_check_any)) {
      return {};
    }
    return var->second.values;
  }

  void resolve_tests() {
    for (const auto& raw : m_raw_tests) {
      IndexedTest t;
      t.existence = raw.existence.value_or(Existence::at_least_one_exists);
      const auto kind = raw.local == "dpkginfo_test"  ? PackageProbe::dpkginfo
                        : raw.local == "rpminfo_test" ? PackageProbe::rpminfo
                                                      : PackageProbe::none;
      if (raw.linux_ns && kind != PackageProbe::none) {
        t.package_test =
            raw.state_refs.empty() ||
            std::any_of(raw.state_refs.begin(), raw.state_refs.end(),
                        [this](const std::string& s) { return m_evr_states.contains(s); });
        const auto object = m_objects.find(raw.object_ref);
        const auto expected = std::string(probe_name(kind)) + "_object";
        if (raw.existence && object != m_objects.end() && object->second.linux_ns &&
            object->second.local == expected && object->second.plain) {
          t.names = object_names(object->second);
          t.probe = t.names.empty() ? PackageProbe::none : kind;
        }
      }
      m_index.tests.push_back(std::move(t));
    }
  }

  void resolve_nodes() {
    for (std::size_t i = 0; i < m_index.nodes.size(); ++i) {
      auto& node = m_index.nodes[i];
      if (node.kind == NodeKind::criteria) {
        continue;
      }
      const auto target = lookup(m_pending[i].ref);
      const bool fits =
          target != k_no_element &&
          m_index.elements[target].section ==
              (node.kind == NodeKind::criterion ? Section::tests : Section::definitions);
      node.ref = fits ? target : k_no_element;
    }
  }

  // Refs (tests asking for no package, extended definitions) that at least a tenth of the
  // vulnerability and patch definitions share.
  void find_release_checks() {
    std::map<std::uint32_t, std::size_t> uses;
    std::size_t counted = 0;
    for (const auto& d : m_index.definitions) {
      if ((d.cls != "vulnerability" && d.cls != "patch") || d.root == k_no_element) {
        continue;
      }
      ++counted;
      std::set<std::uint32_t> refs;
      collect_node_refs(d.root, refs);
      for (const auto ref : refs) {
        ++uses[ref];
      }
    }
    const std::size_t many = std::max<std::size_t>(2, (counted + 9) / 10);
    for (const auto& [ref, count] : uses) {
      const auto& e = m_index.elements[ref];
      if (count < many || (e.section == Section::tests && m_index.tests[e.test].package_test)) {
        continue;
      }
      const auto comment = m_comments.find(e.id);
      m_index.release_checks.push_back(
          {ref, comment == m_comments.end() ? std::string() : comment->second});
    }
  }

  void collect_node_refs(std::uint32_t node, std::set<std::uint32_t>& out) const {
    const auto& n = m_index.nodes[node];
    if (n.kind != NodeKind::criteria) {
      if (n.ref != k_no_element) {
        out.insert(n.ref);
      }
      return;
    }
    for (std::uint32_t c = 0; c < n.child_count; ++c) {
      collect_node_refs(m_index.child_nodes[n.first_child + c], out);
    }
  }

  FeedIndex m_index;
  static constexpr std::size_t k_flush_bytes = 1 << 20;
  util::AtomicFile m_pieces;
  std::string m_buffer;  // pieces not written yet
  std::uint64_t m_offset = 0;
  std::unordered_map<std::string, std::uint32_t> m_ids;
  std::vector<std::vector<std::string>> m_raw_refs;
  std::vector<RawTest> m_raw_tests;
  std::unordered_map<std::string, RawObject> m_objects;
  std::set<std::string> m_evr_states;
  std::unordered_map<std::string, RawVariable> m_variables;
  std::vector<PendingNode> m_pending;                       // per node
  std::unordered_map<std::string, std::string> m_comments;  // ref id -> first comment on it
};

}  // namespace

void build_index(const fs::path& feed, const FeedFacts& facts, const fs::path& file) {
  with_context("indexing feed " + feed.string(), [&] {
    const auto reader = xml::open_reader(feed);
    if (!reader) {
      fail("cannot open it");
    }
    Builder builder(pieces_path(file));
    bool root_seen = false;
    int status = xmlTextReaderRead(reader.get());
    while (status == 1) {
      const int type = xmlTextReaderNodeType(reader.get());
      if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
        fail("it has a document type declaration, which OVAL feeds do not use");
      }
      if (type != XML_READER_TYPE_ELEMENT) {
        status = xmlTextReaderRead(reader.get());
        continue;
      }
      xmlNode* node = xmlTextReaderCurrentNode(reader.get());
      xmlDoc* doc = xmlTextReaderCurrentDoc(reader.get());
      const int depth = xmlTextReaderDepth(reader.get());
      if (node == nullptr || doc == nullptr) {
        break;
      }
      if (depth == 0) {
        if (root_seen || xml::local_name(node) != "oval_definitions" || !in_ns(node, k_defs_ns)) {
          fail("not OVAL definitions (root element <{}>)", xml::local_name(node));
        }
        root_seen = true;
        builder.root(node);
        status = xmlTextReaderRead(reader.get());
        continue;
      }
      const auto section =
          depth == 1 && in_ns(node, k_defs_ns) ? section_of(xml::local_name(node)) : std::nullopt;
      if (depth == 1 && section) {
        builder.section(node, *section);
        status = xmlTextReaderRead(reader.get());
        continue;
      }
      if (depth == 1 && xml::local_name(node) == "generator" && in_ns(node, k_defs_ns)) {
        xmlNode* expanded = xmlTextReaderExpand(reader.get());
        if (expanded == nullptr) {
          break;
        }
        builder.generator(doc, expanded);
      } else if (depth == 2) {
        const xmlNode* parent = node->parent;
        const auto parent_section = parent != nullptr && in_ns(parent, k_defs_ns)
                                        ? section_of(xml::local_name(parent))
                                        : std::nullopt;
        if (parent_section) {
          xmlNode* expanded = xmlTextReaderExpand(reader.get());
          if (expanded == nullptr) {
            break;
          }
          builder.element(doc, expanded, *parent_section);
        }
      }
      status = depth <= 2 && depth >= 1 ? xmlTextReaderNext(reader.get())
                                        : xmlTextReaderRead(reader.get());
    }
    if (status != 0) {
      fail("not well-formed XML{}", xml::last_error());
    }
    if (!root_seen) {
      fail("empty document");
    }
    builder.finish(facts, file);
  });
}

}  // namespace imgscap::feeds
