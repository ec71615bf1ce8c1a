// SPDX-License-Identifier: Apache-2.0
// `inspect`: what an image is (refs, digests, layers, config, OS) without unpacking it; the OS
// comes from etc/os-release found by streaming layers from the top down only as far as needed.
#pragma once

#include <imgscap/image/reference.hpp>
#include <imgscap/image/source.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace imgscap::image {

// The content of a regular file as the unpacked image would show it: layers are read from the
// top, whiteouts and opaque directories hide lower layers, symlinks on the file itself are
// followed by name (at most 8 hops). nullopt when absent.
std::optional<std::string> read_file_from_layers(Source& source, const Image& image,
                                                 std::string_view path);

// etc/os-release, else usr/lib/os-release, read from the layers.
std::optional<std::string> os_release_from_layers(Source& source, const Image& image);

nlohmann::json inspect_json(const Reference& reference, Source& source, const Image& image,
                            const std::optional<std::string>& os_release);
std::string inspect_text(const nlohmann::json& inspected);

}  // namespace imgscap::image
