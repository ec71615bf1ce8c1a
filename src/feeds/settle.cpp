// SPDX-License-Identifier: Apache-2.0
// Folding criteria over the results OpenSCAP would give tests of absent packages. A node's value
// is the set of results it can have (one bit per OVAL result); a criteria node's set comes from
// every combination of its children's, through the operator tables of OpenSCAP 1.3.7
// (ores_get_result_byopr), which depend only on how many children gave each result: so the
// combinations are walked as count states (true 0/1/2+ with its parity, the others 0/1+).
#include <imgscap/feeds/settle.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <map>
#include <set>

namespace imgscap::feeds {
namespace {

// OVAL results as bits of a set.
enum Result : std::uint8_t {
  k_true = 1,
  k_false = 2,
  k_error = 4,
  k_unknown = 8,
  k_not_evaluated = 16,
  k_not_applicable = 32,
};
using Results = std::uint8_t;
constexpr Results k_any = 63;
constexpr int k_max_extend_depth = 16;

// How many children gave each result, as far as the tables tell apart.
struct Counts {
  int t = 0;  // true, 0, 1 or 2 (two or more)
  int odd = 0;
  int f = 0, e = 0, u = 0, ne = 0, na = 0;  // 0 or 1 (one or more)

  [[nodiscard]] int key() const {
    return t | odd << 2 | f << 3 | e << 4 | u << 5 | ne << 6 | na << 7;
  }
  static Counts of(int key) {
    return {key & 3,      key >> 2 & 1, key >> 3 & 1, key >> 4 & 1,
            key >> 5 & 1, key >> 6 & 1, key >> 7 & 1};
  }
  [[nodiscard]] Counts plus(Result r) const {
    Counts c = *this;
    switch (r) {
      case k_true:
        c.t = std::min(c.t + 1, 2);
        c.odd ^= 1;
        break;
      case k_false:
        c.f = 1;
        break;
      case k_error:
        c.e = 1;
        break;
      case k_unknown:
        c.u = 1;
        break;
      case k_not_evaluated:
        c.ne = 1;
        break;
      case k_not_applicable:
        c.na = 1;
        break;
    }
    return c;
  }
};

// The operator table for one combination of counts.
Result combine(const Counts& c, Operator op) {
  if (c.t == 0 && !c.f && !c.e && !c.u && !c.ne && !c.na) {
    return k_unknown;
  }
  if (c.na && !c.ne && !c.f && !c.e && !c.u && c.t == 0) {
    return k_not_applicable;
  }
  const bool clean = !c.e && !c.u && !c.ne;
  switch (op) {
    case Operator::and_:
      if (c.t > 0 && !c.f && clean) {
        return k_true;
      }
      if (c.f) {
        return k_false;
      }
      break;
    case Operator::or_:
      if (c.t > 0) {
        return k_true;
      }
      if (c.f && clean) {
        return k_false;
      }
      break;
    case Operator::one:
      if (c.t == 1 && clean) {
        return k_true;
      }
      if (c.t == 2 || (c.t == 0 && clean)) {
        return k_false;
      }
      break;
    case Operator::xor_:
      if (clean) {
        return c.odd ? k_true : k_false;
      }
      break;
  }
  if (c.e) {
    return k_error;
  }
  if (c.u) {
    return k_unknown;
  }
  if (c.ne) {
    return k_not_evaluated;
  }
  return k_error;
}

Results negated(Results r) {
  const bool t = (r & k_true) != 0;
  const bool f = (r & k_false) != 0;
  r = static_cast<Results>(r & ~(k_true | k_false));
  return static_cast<Results>(r | (t ? k_false : 0) | (f ? k_true : 0));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Results result_bit(const std::string& text) {
  static const std::map<std::string, Results> k_bits = {{"true", k_true},
                                                        {"false", k_false},
                                                        {"error", k_error},
                                                        {"unknown", k_unknown},
                                                        {"not evaluated", k_not_evaluated},
                                                        {"not applicable", k_not_applicable}};
  const auto it = k_bits.find(text);
  return it == k_bits.end() ? k_any : it->second;
}

class Folder {
 public:
  Folder(const FeedIndex& index, const InstalledPackages& installed, const KnownResults& known)
      : m_index(index),
        m_installed(installed),
        m_known(known),
        m_definitions(index.definitions.size(), 0) {
    if (installed.dpkg) {
      auto& lowered = m_dpkg.emplace();
      for (const auto& name : *installed.dpkg) {
        lowered.insert(lower(name));
      }
    }
  }

  Results definition(std::uint32_t d, int depth = 0) {
    auto& memo = m_definitions[d];
    if (memo != 0) {
      return memo == k_in_progress ? k_any : memo;
    }
    const auto& def = m_index.definitions[d];
    if (const auto known = m_known.find(def.element); known != m_known.end()) {
      memo = result_bit(known->second);
      return memo;
    }
    if (!def.foldable || def.root == k_no_element || depth > k_max_extend_depth) {
      return k_any;  // OpenSCAP decides (an unfoldable definition, or a chain too long)
    }
    memo = k_in_progress;
    memo = node(def.root, depth);
    return memo;
  }

  // The test's result when it is settled, else k_any.
  Results test(std::uint32_t element) const {
    if (const auto known = m_known.find(element); known != m_known.end()) {
      return result_bit(known->second);
    }
    const auto& t = m_index.tests[m_index.elements[element].test];
    const auto& set = t.probe == PackageProbe::dpkginfo ? m_dpkg : m_installed.rpm;
    if (t.probe == PackageProbe::none || !set) {
      return k_any;
    }
    for (const auto& name : t.names) {
      if (t.probe == PackageProbe::dpkginfo &&
          (name.find(':') != std::string::npos || set->contains(lower(name)))) {
        return k_any;  // installed (or an architecture-qualified name): OpenSCAP decides
      }
      if (t.probe == PackageProbe::rpminfo && set->contains(name)) {
        return k_any;
      }
    }
    return t.existence == Existence::none_exist || t.existence == Existence::any_exist ? k_true
                                                                                       : k_false;
  }

 private:
  static constexpr Results k_in_progress = 128;

  Results node(std::uint32_t i, int depth) {
    const auto& n = m_index.nodes[i];
    Results r = k_any;
    if (n.kind == NodeKind::criterion) {
      r = n.ref == k_no_element ? k_any : test(n.ref);
    } else if (n.kind == NodeKind::extend_definition) {
      const auto d = n.ref == k_no_element ? k_no_element : m_index.elements[n.ref].definition;
      r = d == k_no_element ? k_any : definition(d, depth + 1);
    } else {
      r = criteria(n, depth);
    }
    return n.negate ? negated(r) : r;
  }

  Results criteria(const CriteriaNode& n, int depth) {
    std::bitset<256> states;
    states.set(static_cast<std::size_t>(Counts{}.key()));
    for (std::uint32_t c = 0; c < n.child_count; ++c) {
      const auto child = node(m_index.child_nodes[n.first_child + c], depth);
      std::bitset<256> next;
      for (int key = 0; key < 256; ++key) {
        if (!states.test(static_cast<std::size_t>(key))) {
          continue;
        }
        for (int bit = 0; bit < 6; ++bit) {
          const auto r = static_cast<Result>(1 << bit);
          if ((child & r) != 0) {
            next.set(static_cast<std::size_t>(Counts::of(key).plus(r).key()));
          }
        }
      }
      states = next;
    }
    Results out = 0;
    for (int key = 0; key < 256; ++key) {
      if (states.test(static_cast<std::size_t>(key))) {
        out = static_cast<Results>(out | combine(Counts::of(key), n.op));
      }
    }
    return out;
  }

  const FeedIndex& m_index;
  const InstalledPackages& m_installed;
  const KnownResults& m_known;
  std::optional<std::unordered_set<std::string>> m_dpkg;  // the dpkg names, lower-cased
  std::vector<Results> m_definitions;                     // memo: 0 not yet folded
};

// The package names of the settled tests directly under a definition's criteria, by probe.
void settled_names(const FeedIndex& index, const Folder& folder, std::uint32_t node,
                   std::map<PackageProbe, std::set<std::string>>& names) {
  const auto& n = index.nodes[node];
  if (n.kind == NodeKind::criterion) {
    if (n.ref != k_no_element && folder.test(n.ref) != k_any) {
      const auto& t = index.tests[index.elements[n.ref].test];
      if (t.probe != PackageProbe::none) {
        names[t.probe].insert(t.names.begin(), t.names.end());
      }
    }
    return;
  }
  for (std::uint32_t c = 0; n.kind == NodeKind::criteria && c < n.child_count; ++c) {
    settled_names(index, folder, index.child_nodes[n.first_child + c], names);
  }
}

std::string message(const std::map<PackageProbe, std::set<std::string>>& names,
                    const InstalledPackages& installed) {
  std::vector<std::string> parts;
  for (const auto& [probe, set] : names) {
    std::vector<std::string> shown(set.begin(), set.end());
    const auto more = shown.size() > 6 ? shown.size() - 6 : 0;
    shown.resize(std::min<std::size_t>(shown.size(), 6));
    parts.push_back(fmt::format(
        "{} named {}{}", probe == PackageProbe::dpkginfo ? installed.dpkg_meaning : "rpm package",
        fmt::join(shown, ", "), more > 0 ? fmt::format(" (and {} more)", more) : ""));
  }
  return fmt::format(
      "imgscap settled this definition as false without OpenSCAP: {}; OpenSCAP gives tests of "
      "absent packages a fixed result (by check_existence), and with those results the criteria "
      "are false whatever the other tests give",
      parts.empty() ? std::string("the definitions it extends are settled false")
                    : fmt::format("the image has no {}", fmt::join(parts, "; no ")));
}

}  // namespace

std::vector<std::uint32_t> release_check_holders(const FeedIndex& index) {
  std::set<std::uint32_t> wanted;
  for (const auto& check : index.release_checks) {
    wanted.insert(check.element);
  }
  std::set<std::uint32_t> holders;
  std::set<std::uint32_t> found;
  for (std::uint32_t d = 0; d < index.definitions.size() && found.size() < wanted.size(); ++d) {
    const auto& def = index.definitions[d];
    if (wanted.contains(def.element) && !found.contains(def.element)) {
      holders.insert(d);
      found.insert(def.element);
    }
    const auto begin = index.elements[def.element].refs_begin;
    for (std::uint32_t r = 0; r < index.elements[def.element].refs_count; ++r) {
      const auto ref = index.refs[begin + r];
      if (wanted.contains(ref) && !found.contains(ref)) {
        holders.insert(d);
        found.insert(ref);
      }
    }
  }
  return {holders.begin(), holders.end()};
}

Settlement settle(const FeedIndex& index, const InstalledPackages& installed,
                  const KnownResults& known) {
  Folder folder(index, installed, known);
  const auto holder_list = release_check_holders(index);
  const std::set<std::uint32_t> holders(holder_list.begin(), holder_list.end());
  Settlement out;
  for (std::uint32_t d = 0; d < index.definitions.size(); ++d) {
    if (folder.definition(d) != k_false || holders.contains(d)) {
      out.evaluate.push_back(d);
      continue;
    }
    std::map<PackageProbe, std::set<std::string>> names;
    settled_names(index, folder, index.definitions[d].root, names);
    out.settled.push_back({d, message(names, installed)});
  }
  return out;
}

Settlement evaluate_everything(const FeedIndex& index) {
  Settlement out;
  for (std::uint32_t d = 0; d < index.definitions.size(); ++d) {
    out.evaluate.push_back(d);
  }
  return out;
}

}  // namespace imgscap::feeds
