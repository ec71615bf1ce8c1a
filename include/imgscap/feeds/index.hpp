// SPDX-License-Identifier: Apache-2.0
// A feed's index, built once when the feed enters the cache: every definition's criteria tree,
// what each package test asks (probe, package names, check_existence), the references between
// definitions, tests, objects, states and variables, each element's XML, and the feed's release
// checks. A scan folds each definition's criteria over the image's packages (settle.hpp) and
// writes only the definitions left open as a small OVAL document (subset.hpp) for OpenSCAP.
#pragma once

#include <imgscap/feeds/feed_file.hpp>
#include <imgscap/util/fd.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace imgscap::feeds {

inline constexpr std::uint32_t k_no_element = 0xffffffffU;

// The sections of an OVAL definitions document that hold elements with ids, in schema order.
enum class Section : std::uint8_t { definitions, tests, objects, states, variables };
inline constexpr std::size_t k_sections = 5;
std::string_view section_name(Section section);

// The package probes whose tests imgscap can answer for packages an image does not have.
enum class PackageProbe : std::uint8_t { none, dpkginfo, rpminfo };
std::string_view probe_name(PackageProbe probe);

// A test's check_existence (OVAL ExistenceEnumeration).
enum class Existence : std::uint8_t {
  all_exist,
  any_exist,
  at_least_one_exists,
  none_exist,
  only_one_exists
};

struct IndexedTest {
  // dpkginfo / rpminfo when the test's object asks for packages by exact name only (literal
  // names or a constant_variable's values); none otherwise (OpenSCAP always decides those).
  PackageProbe probe = PackageProbe::none;
  Existence existence = Existence::at_least_one_exists;
  std::vector<std::string> names;  // the package names its object asks for
  // A dpkginfo/rpminfo test that asks whether a package is installed or compares its version
  // (as opposed to a signature, architecture or release check).
  bool package_test = false;
};

enum class NodeKind : std::uint8_t { criteria, criterion, extend_definition };
enum class Operator : std::uint8_t { and_, one, or_, xor_ };

struct CriteriaNode {
  NodeKind kind = NodeKind::criteria;
  Operator op = Operator::and_;
  bool negate = false;
  std::uint32_t ref = k_no_element;  // criterion: the test's element; extend: the definition's
  std::uint32_t first_child = 0;     // criteria: children are child_nodes[first, first + count)
  std::uint32_t child_count = 0;
};

struct Element {
  Section section = Section::definitions;
  std::string id;
  std::uint64_t xml_offset = 0;  // its XML, in the index's pieces
  std::uint32_t xml_size = 0;
  std::uint32_t refs_begin = 0;  // the elements it refers to: refs[begin, begin + count)
  std::uint32_t refs_count = 0;
  std::uint32_t test = k_no_element;        // index into tests, for a test
  std::uint32_t definition = k_no_element;  // index into definitions, for a definition
};

struct IndexedDefinition {
  std::uint32_t element = k_no_element;
  std::string version;
  std::string cls;                    // "vulnerability", "patch", "inventory", ...
  std::uint32_t root = k_no_element;  // its criteria node
  // Whether imgscap can fold its criteria: they parsed fully (known operators, no deeper than
  // the index allows). Definitions that are not foldable always go to OpenSCAP.
  bool foldable = false;
};

// A check many vulnerability definitions share that asks for no package (the release check:
// "Debian 12 is installed", Ubuntu's "jammy is installed" definition, Red Hat's release file
// tests): a test or definition element, and what a criterion says of it.
struct ReleaseCheck {
  std::uint32_t element = k_no_element;
  std::string comment;
};

class FeedIndex {
 public:
  FeedIndex() = default;
  FeedIndex(const FeedIndex&) = delete;  // m_by_id points into elements
  FeedIndex& operator=(const FeedIndex&) = delete;
  FeedIndex(FeedIndex&&) noexcept = default;
  FeedIndex& operator=(FeedIndex&&) noexcept = default;

  // Bumped whenever the index's content or layout changes: older indexes are rebuilt.
  static constexpr std::uint32_t k_format = 3;

  // Reads an index written by build_index for the feed with this sha256; nullopt when the file
  // is missing, of another format or feed, or damaged in any way. Element XML stays in the file
  // and is read when asked for.
  static std::optional<FeedIndex> load(const std::filesystem::path& file,
                                       const std::string& feed_sha256);

  // The XML of an element. Throws imgscap::Error when the index file cannot be read.
  [[nodiscard]] std::string xml(std::uint32_t element) const;
  // The element with this id, or k_no_element.
  [[nodiscard]] std::uint32_t find(std::string_view id) const;

  std::string feed_sha256;
  FeedFacts facts;         // the feed's, as checked when it was indexed
  std::string root_start;  // "<oval_definitions xmlns=... >" as the feed declares it
  std::string root_end;    // "</oval_definitions>"
  std::string generator;   // the generator element's XML
  std::array<std::string, k_sections> section_start;  // "" when the feed lacks the section
  std::array<std::string, k_sections> section_end;
  std::vector<Element> elements;  // in document order
  std::vector<std::uint32_t> refs;
  std::vector<IndexedTest> tests;
  std::vector<IndexedDefinition> definitions;
  std::vector<CriteriaNode> nodes;
  std::vector<std::uint32_t> child_nodes;
  std::vector<ReleaseCheck> release_checks;

 private:
  std::shared_ptr<const util::Fd> m_file;  // the index file, for element XML
  std::uint64_t m_pieces_size = 0;
  std::unordered_map<std::string_view, std::uint32_t> m_by_id;
};

// Parses the OVAL definitions file `feed` (streaming: each element expanded on its own; its
// facts as the feed check found them) and writes its index to `file` (atomically). Throws
// imgscap::Error when the feed is not well-formed OVAL definitions or has a document type
// declaration (entities would change what a copied element means).
void build_index(const std::filesystem::path& feed, const FeedFacts& facts,
                 const std::filesystem::path& file);

// Where a feed's index lives in a cache directory (named by the feed's sha256), and its pieces.
std::filesystem::path index_path(const std::filesystem::path& cache_dir,
                                 const std::string& feed_sha256);
std::filesystem::path pieces_path(const std::filesystem::path& index_file);

// The index of `feed`: loaded from `file` when valid (and marked as used, for pruning), else
// built there first.
FeedIndex load_or_build_index(const std::filesystem::path& feed, const FeedFacts& facts,
                              const std::filesystem::path& file);

}  // namespace imgscap::feeds
