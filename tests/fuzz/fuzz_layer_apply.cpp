// SPDX-License-Identifier: Apache-2.0
// Fuzz target: a layer tar applied onto a fresh root, as `imgscap scan` unpacks: path
// resolution confined to the root, whiteouts, links, special files, limits. After each input the
// sentinel beside the root must be unchanged: a write outside the root aborts the fuzzer.
#include <imgscap/rootfs/apply.hpp>
#include <imgscap/rootfs/in_root.hpp>
#include <imgscap/rootfs/remove_tree.hpp>
#include <imgscap/util/byte_stream.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace {

namespace fs = std::filesystem;

class MemoryStream final : public imgscap::util::ByteStream {
 public:
  MemoryStream(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
  std::size_t read(std::span<std::byte> buffer) override {
    const auto n = std::min(buffer.size(), m_size - m_pos);
    std::memcpy(buffer.data(), m_data + m_pos, n);
    m_pos += n;
    return n;
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

const fs::path& base_dir() {
  static const fs::path dir = [] {
    const auto d = fs::temp_directory_path() / ("imgscap-fuzz-apply-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::ofstream(d / "sentinel") << "outside the root\n";
    imgscap::util::Limits limits;
    limits.set("entries-per-layer=2000");
    limits.set("layer-bytes=8M");
    imgscap::util::set_limits(limits);
    return d;
  }();
  return dir;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& base = base_dir();
  const auto root_dir = base / "root";
  imgscap::rootfs::remove_tree(root_dir);
  fs::create_directories(root_dir);
  try {
    const auto root = imgscap::rootfs::open_root(root_dir);
    MemoryStream stream(data, size);
    imgscap::rootfs::apply_layer(root, stream, {});
  } catch (const imgscap::Error&) {
  }
  // Nothing beside the root may have changed.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(base)) {
    ++entries;
  }
  if (entries != 2 || read_text(base / "sentinel") != "outside the root\n") {
    std::abort();
  }
  return 0;
}
