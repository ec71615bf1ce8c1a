// SPDX-License-Identifier: Apache-2.0
// The limit catalogue, NAME=VALUE parsing (with K/M/G/T for sizes) and the process's limits.
#include <imgscap/util/error.hpp>
#include <imgscap/util/limits.hpp>
#include <imgscap/util/text.hpp>

#include <charconv>

namespace imgscap::util {
namespace {

constexpr std::uint64_t k_mib = 1024ULL * 1024;
constexpr std::uint64_t k_gib = 1024 * k_mib;

const std::vector<LimitInfo> k_catalogue = {
    {Limit::layers, "layers", 256, false, "layers in one image"},
    {Limit::entries_per_layer, "entries-per-layer", 1'000'000, false, "tar entries in one layer"},
    {Limit::path_bytes, "path-bytes", 4096, true, "bytes in one entry path"},
    {Limit::path_depth, "path-depth", 256, false, "directories in one entry path"},
    {Limit::layer_bytes, "layer-bytes", 32 * k_gib, true, "uncompressed bytes of one layer"},
    {Limit::image_bytes, "image-bytes", 64 * k_gib, true, "uncompressed bytes of all layers"},
    {Limit::compression_ratio, "compression-ratio", 200, false,
     "uncompressed bytes per compressed byte of a layer, once past 256 MiB"},
    {Limit::trailing_bytes, "trailing-bytes", 64 * k_mib, true,
     "bytes after the end of a layer's tar or compressed stream"},
    {Limit::json_bytes, "json-bytes", 20 * k_mib, true,
     "bytes of one manifest, index, config or manifest.json"},
    {Limit::json_depth, "json-depth", 64, false, "nesting levels of such a JSON document"},
    {Limit::archive_entries, "archive-entries", 100'000, false,
     "entries in a docker-archive or oci-archive file"},
    {Limit::scan_seconds, "scan-seconds", 3600, false, "seconds one scan may take"},
    {Limit::stall_seconds, "stall-seconds", 120, false,
     "seconds an evaluation process may go without reporting a result or using CPU time "
     "before it is killed (and run once more)"},
    {Limit::feed_bytes, "feed-bytes", 4 * k_gib, true,
     "bytes of a CVE feed, as downloaded and as unpacked"},
};

Limits g_limits;

const LimitInfo& info(Limit which) { return k_catalogue.at(static_cast<std::size_t>(which)); }

std::uint64_t parse_value(const LimitInfo& limit, std::string_view text) {
  std::uint64_t value = 0;
  if (limit.bytes) {
    value = parse_byte_size(text).value_or(0);
  } else if (const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
             ec != std::errc() || ptr != text.data() + text.size()) {
    value = 0;
  }
  if (value == 0) {
    fail("--limit {}: \"{}\" is not a positive number{}", limit.name, text,
         limit.bytes ? " (K, M, G or T may follow)" : "");
  }
  return value;
}

}  // namespace

const std::vector<LimitInfo>& limit_catalogue() { return k_catalogue; }

Limits::Limits() {
  for (const auto& limit : k_catalogue) {
    m_values.push_back(limit.default_value);
  }
}

std::uint64_t Limits::get(Limit which) const {
  return m_values.at(static_cast<std::size_t>(which));
}

void Limits::set(std::string_view assignment) {
  const auto eq = assignment.find('=');
  const auto name = assignment.substr(0, eq);
  for (const auto& limit : k_catalogue) {
    if (name == limit.name && eq != std::string_view::npos) {
      m_values[static_cast<std::size_t>(limit.limit)] =
          parse_value(limit, assignment.substr(eq + 1));
      return;
    }
  }
  std::string names;
  for (const auto& limit : k_catalogue) {
    names += names.empty() ? "" : ", ";
    names += limit.name;
  }
  fail("--limit \"{}\": expected NAME=VALUE with NAME one of {}", assignment, names);
}

const Limits& limits() { return g_limits; }

void set_limits(const Limits& limits) { g_limits = limits; }

void limit_exceeded(Limit which, std::string_view what) {
  const auto& limit = info(which);
  throw Error(fmt::format("{} (limit {}={}; raise it with --limit {}=...)", what, limit.name,
                          g_limits.get(which), limit.name));
}

}  // namespace imgscap::util
