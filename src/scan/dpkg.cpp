// SPDX-License-Identifier: Apache-2.0
// dpkg status stanzas, source packages and the source-package view (versions compared by
// libapt-pkg, the library the dpkginfo probe reads the database with).
#include <imgscap/scan/dpkg.hpp>
#include <imgscap/util/text.hpp>

#include <apt-pkg/debversion.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace imgscap::scan {
namespace {

using util::trim;

bool field_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') {
    return false;
  }
  return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

std::string value_of(std::string_view line, std::string_view name) {
  return std::string(trim(line.substr(name.size() + 1)));
}

// "openssl (1.1.1n-0+deb11u3)" or "openssl".
void set_source(DpkgPackage& p, std::string_view field) {
  const auto open = field.find('(');
  const auto name = trim(field.substr(0, open));
  if (name.empty() || name.find(' ') != std::string_view::npos) {
    return;
  }
  p.source = std::string(name);
  if (open != std::string_view::npos) {
    const auto close = field.find(')', open);
    if (close == std::string_view::npos) {
      p.source = p.name;
      return;
    }
    p.source_version = std::string(trim(field.substr(open + 1, close - open - 1)));
  }
}

void finish(DpkgPackage& p, std::vector<DpkgPackage>& out) {
  if (!p.name.empty()) {
    if (p.source.empty()) {
      p.source = p.name;
    }
    if (p.source_version.empty()) {
      p.source_version = p.version;
    }
    out.push_back(std::move(p));
  }
  p = {};
}

// Splits a status file into stanzas (blank-line separated), each as its text.
std::vector<std::string_view> stanzas(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find("\n\n", start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (!trim(text.substr(start, end - start)).empty()) {
      out.push_back(text.substr(start, end - start));
    }
    start = end + 2;
  }
  return out;
}

bool valid_package_name(std::string_view name) {
  return name.size() >= 2 && name.size() < 128 &&
         std::isalnum(static_cast<unsigned char>(name.front())) != 0 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) != 0 ||
                  std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' ||
                  c == '.';
         });
}

// [epoch:]upstream[-revision]: the characters dpkg allows, upstream starting with a digit.
bool valid_version(std::string_view version) {
  if (version.empty() || version.size() > 256) {
    return false;
  }
  const auto colon = version.find(':');
  const auto upstream = colon == std::string_view::npos ? version : version.substr(colon + 1);
  return !upstream.empty() && std::isdigit(static_cast<unsigned char>(upstream.front())) != 0 &&
         std::all_of(version.begin(), version.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '+' ||
                  c == '~' || c == ':' || c == '-';
         });
}

}  // namespace

bool DpkgPackage::on_system() const {
  const auto state = status.substr(status.rfind(' ') + 1);
  return !status.empty() && state != "not-installed" && state != "config-files";
}

std::vector<DpkgPackage> parse_dpkg_packages(std::string_view status) {
  std::vector<DpkgPackage> out;
  DpkgPackage p;
  std::string source_field;
  for (const auto stanza : stanzas(status)) {
    std::string_view rest = stanza;
    while (!rest.empty()) {
      const auto end = rest.find('\n');
      const auto line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (line.empty() || line.front() == ' ' || line.front() == '\t') {
        continue;
      }
      if (field_is(line, "Package")) {
        p.name = value_of(line, "Package");
      } else if (field_is(line, "Version")) {
        p.version = value_of(line, "Version");
      } else if (field_is(line, "Architecture")) {
        p.architecture = value_of(line, "Architecture");
      } else if (field_is(line, "Status")) {
        p.status = value_of(line, "Status");
      } else if (field_is(line, "Source")) {
        source_field = value_of(line, "Source");
      }
    }
    if (!source_field.empty()) {
      set_source(p, source_field);
      source_field.clear();
    }
    finish(p, out);
  }
  return out;
}

std::string merge_dpkg_status(std::string_view status, std::string_view parts) {
  std::set<std::string> known;
  for (const auto& p : parse_dpkg_packages(status)) {
    known.insert(p.name);
  }
  std::string merged(trim(status));
  for (const auto stanza : stanzas(parts)) {
    const auto packages = parse_dpkg_packages(stanza);
    if (packages.empty() || known.contains(packages.front().name)) {
      continue;
    }
    if (!merged.empty()) {
      merged += "\n\n";
    }
    merged += trim(stanza);
  }
  return merged.empty() ? merged : merged + "\n";
}

int compare_debian_versions(std::string_view a, std::string_view b) {
  return debVS.CmpVersion(std::string(a), std::string(b));
}

std::vector<SourcePackage> source_packages(const std::vector<DpkgPackage>& packages) {
  std::map<std::string, SourcePackage> by_name;
  for (const auto& p : packages) {
    if (!p.on_system() || !valid_package_name(p.source) || !valid_version(p.source_version)) {
      continue;
    }
    auto& source = by_name[p.source];
    if (source.name.empty() || compare_debian_versions(p.source_version, source.version) < 0) {
      source.name = p.source;
      source.version = p.source_version;
    }
    source.binaries.push_back(&p);
  }
  std::vector<SourcePackage> out;
  for (auto& [name, source] : by_name) {
    std::sort(source.binaries.begin(), source.binaries.end(),
              [](const DpkgPackage* a, const DpkgPackage* b) { return a->name < b->name; });
    out.push_back(std::move(source));
  }
  return out;
}

std::string source_view_status(const std::vector<SourcePackage>& sources,
                               std::string_view architecture) {
  std::string text;
  for (const auto& s : sources) {
    text += fmt::format(
        "Package: {}\nStatus: install ok installed\nPriority: optional\nSection: source\n"
        "Maintainer: imgscap <source-view@imgscap.invalid>\nArchitecture: {}\nVersion: {}\n"
        "Description: source package {} (the installed binaries' source)\n\n",
        s.name, architecture, s.version, s.name);
  }
  return text;
}

}  // namespace imgscap::scan
