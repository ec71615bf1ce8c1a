// SPDX-License-Identifier: Apache-2.0
// Fuzz target: an image archive (its kind chosen by the first input byte: OCI archive or
// docker-archive) opened, resolved and every layer read to its end, as `imgscap scan` does
// before unpacking: manifest, index and config parsing, digest, size and diff_id checks,
// decompression. Errors are expected; crashes, leaks and undefined behaviour are not.
#include <imgscap/image/reference.hpp>
#include <imgscap/image/source.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>

#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

std::filesystem::path scratch_file() {
  static const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                            ("imgscap-fuzz-archive-" + std::to_string(::getpid()));
  return path;
}

void small_limits() {
  static bool done = false;
  if (!done) {
    imgscap::util::Limits limits;
    limits.set("layer-bytes=8M");
    limits.set("json-bytes=1M");
    imgscap::util::set_limits(limits);
    done = true;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) {
    return 0;
  }
  small_limits();
  const auto path = scratch_file();
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  imgscap::image::Reference reference;
  reference.transport = (data[0] & 1) != 0 ? imgscap::image::Transport::docker_archive
                                           : imgscap::image::Transport::oci_archive;
  reference.path = path;
  reference.text = path.string();
  try {
    auto source = imgscap::image::Source::open(reference);
    const auto image = source->resolve();
    for (std::size_t i = 0; i < image.layers.size(); ++i) {
      auto layer = source->open_layer(image, i);
      std::array<std::byte, 65536> buffer{};
      while (layer->read(buffer) != 0) {
      }
    }
  } catch (const imgscap::Error&) {
  }
  return 0;
}
