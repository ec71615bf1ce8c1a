// SPDX-License-Identifier: Apache-2.0
// SCAP content given with --content: which kind it is (source datastream, XCCDF benchmark,
// OVAL definitions), told from its root element without loading the whole document.
#pragma once

#include <imgscap/util/digest.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace imgscap::scan {

enum class ContentKind { datastream, xccdf, oval };
std::string_view content_kind_name(ContentKind kind);  // "source datastream", ...

struct Content {
  std::filesystem::path path;  // absolute
  ContentKind kind = ContentKind::datastream;
  util::Digest sha256;
};

// Throws imgscap::Error naming the path when it is missing, unreadable, not XML, or not one of
// the three kinds (the message names the root element found).
Content detect_content(const std::filesystem::path& path);

}  // namespace imgscap::scan
