// SPDX-License-Identifier: Apache-2.0
// Sources whose image is named by one document, a manifest or an index of them: a registry
// (docker://) and a docker-dir directory. The index entry is picked by platform.
#pragma once

#include <imgscap/image/source.hpp>

#include <filesystem>
#include <memory>

namespace imgscap::image {

std::unique_ptr<Source> open_registry(const registry::ImageName& name,
                                      const SourceOptions& options);
std::unique_ptr<Source> open_docker_dir(const std::filesystem::path& dir,
                                        const SourceOptions& options);

}  // namespace imgscap::image
