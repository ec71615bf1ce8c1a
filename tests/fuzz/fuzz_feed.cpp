// SPDX-License-Identifier: Apache-2.0
// Fuzz target: CVE feed files, which come from the network. The first input byte picks what
// reads the rest: 0, the feed path (decompression told from the first bytes, the streaming check
// that it is OVAL definitions, the index builder, loading the index back, settling over a few
// installed names and writing the subset); 1, the OVAL results reader (vulnerabilities, affected
// packages, states). Errors are expected; crashes, leaks and undefined behaviour are not.
#include <imgscap/feeds/feed_file.hpp>
#include <imgscap/feeds/index.hpp>
#include <imgscap/feeds/settle.hpp>
#include <imgscap/report/vulnerabilities.hpp>
#include <imgscap/util/error.hpp>

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unordered_set>

namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  static const fs::path dir = [] {
    auto d = fs::temp_directory_path() / ("imgscap-fuzz-feed-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir / name;
}

void feed(const fs::path& input) {
  const auto xml = scratch("feed.xml");
  const auto facts = imgscap::feeds::unpack_feed(input, xml, 16U << 20);
  const auto index_file = scratch("feed.index");
  imgscap::feeds::build_index(xml, facts, index_file);
  const auto index = imgscap::feeds::FeedIndex::load(index_file, facts.sha256);
  if (!index) {
    throw imgscap::Error("an index just built could not be read back");
  }
  imgscap::feeds::InstalledPackages installed;
  installed.dpkg = {"bash", "glibc", "libc6"};
  installed.rpm = std::unordered_set<std::string>{"bash", "openssl-libs"};
  imgscap::feeds::KnownResults known;
  for (const auto& check : index->release_checks) {
    known.emplace(check.element, "true");
  }
  const auto settlement = imgscap::feeds::settle(*index, installed, known);
  imgscap::feeds::write_subset(*index, settlement.evaluate, scratch("subset.xml"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  const auto input = scratch("input");
  {
    std::ofstream out(input, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  try {
    if (data[0] == 0) {
      feed(input);
    } else {
      (void)imgscap::report::read_vulnerabilities(input);
    }
  } catch (const imgscap::Error&) {
  }
  return 0;
}
