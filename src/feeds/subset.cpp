// SPDX-License-Identifier: Apache-2.0
// Writing the part of a feed OpenSCAP is to evaluate: the chosen definitions and the closure of
// what they refer to, each element as the feed has it, under the feed's own root and section
// start tags (so every namespace prefix means what it meant in the feed).
#include <imgscap/feeds/settle.hpp>
#include <imgscap/util/atomic_file.hpp>
#include <imgscap/util/error.hpp>

#include <deque>

namespace imgscap::feeds {

void write_subset(const FeedIndex& index, const std::vector<std::uint32_t>& definitions,
                  const std::filesystem::path& file) {
  std::vector<bool> wanted(index.elements.size(), false);
  std::deque<std::uint32_t> queue;
  for (const auto d : definitions) {
    queue.push_back(index.definitions.at(d).element);
  }
  while (!queue.empty()) {
    const auto e = queue.front();
    queue.pop_front();
    if (wanted[e]) {
      continue;
    }
    wanted[e] = true;
    const auto& element = index.elements[e];
    for (std::uint32_t r = 0; r < element.refs_count; ++r) {
      queue.push_back(index.refs[element.refs_begin + r]);
    }
  }
  std::string text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  text += index.root_start + "\n" + index.generator + "\n";
  for (std::size_t s = 0; s < k_sections; ++s) {
    std::string section;
    for (std::uint32_t e = 0; e < index.elements.size(); ++e) {
      if (wanted[e] && static_cast<std::size_t>(index.elements[e].section) == s) {
        section += index.xml(e);
        section += '\n';
      }
    }
    if (!section.empty()) {
      text += index.section_start[s] + "\n" + section + index.section_end[s] + "\n";
    }
  }
  text += index.root_end + "\n";
  util::AtomicFile out(file);
  out.write(text);
  out.commit();
}

}  // namespace imgscap::feeds
