// SPDX-License-Identifier: Apache-2.0
// gzip compression of a whole buffer in memory (scan results attached to a registry).
#pragma once

#include <string>
#include <string_view>

namespace imgscap::util {

// `data` as one gzip member (zlib, default level). Throws imgscap::Error.
std::string gzip(std::string_view data);

}  // namespace imgscap::util
