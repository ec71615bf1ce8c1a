// SPDX-License-Identifier: Apache-2.0
// Source: an opened image archive or layout. Resolves the image to scan and streams its blobs
// (never copying a blob to disk), verifying digests and sizes while they are read.
#pragma once

#include <imgscap/image/image.hpp>
#include <imgscap/image/reference.hpp>
#include <imgscap/registry/client.hpp>
#include <imgscap/util/byte_stream.hpp>

#include <memory>
#include <string>
#include <vector>

namespace imgscap::image {

struct SourceOptions {
  // --platform os/arch[/variant]: picks from an index. "": the host's platform for a registry's
  // multi-platform index; a layout's several images are then picked by :REF.
  std::string platform;
  registry::ClientOptions registry;  // docker:// references
};

class Source {
 public:
  Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;
  virtual ~Source() = default;

  // Opens the archive, layout, directory or registry named by the reference (a registry is not
  // contacted before resolve()). Throws imgscap::Error.
  static std::unique_ptr<Source> open(const Reference& reference,
                                      const SourceOptions& options = {});

  // The names of every image (and platform) the source holds, for listings and errors.
  [[nodiscard]] virtual std::vector<std::string> choices() = 0;

  // Picks the image named by the reference's ref, or the only one. Several images or platforms
  // and no ref: throws imgscap::Error listing the choices. Parses and validates the manifest
  // and config (config digest verified; diff_ids count must match the layers).
  virtual Image resolve() = 0;

  // The digest of the image resolve() would pick, reading as little as the format allows: the
  // manifest's (for an index, the chosen entry's, taken from the index: one request to a
  // registry), else the config's (docker-archive stores no manifest digest). Throws as resolve.
  virtual std::string identify();

  // The uncompressed tar stream of layer `index` of `image`. The blob's digest and size and the
  // layer's diff_id are verified while it is read; a mismatch throws imgscap::Error when the
  // end of the stream is reached. Errors do not name the layer: the caller reading it does
  // (with_context(layer_context(image, index), ...)).
  virtual std::unique_ptr<util::ByteStream> open_layer(const Image& image, std::size_t index) = 0;
};

// "layer 2 (sha256:ab12...)": how messages name a layer.
std::string layer_context(const Image& image, std::size_t index);

}  // namespace imgscap::image
