// SPDX-License-Identifier: Apache-2.0
// What the fleet keeps of one image's scan, image lists and result directory names.
#include <imgscap/fleet/fleet.hpp>
#include <imgscap/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <istream>
#include <set>

namespace imgscap::fleet {
namespace {

constexpr std::size_t k_worst_shown = 5;
constexpr std::size_t k_name_chars = 64;
constexpr std::size_t k_digest_hex = 12;

// Lower is better; the fleet's exit code is the image code ranked worst.
int badness(int exit_code) {
  switch (exit_code) {
    case 0:
      return 0;
    case 4:
      return 1;
    case 2:
      return 2;
    case 3:
      return 3;
    default:
      return 4;  // 1 and anything unexpected
  }
}

}  // namespace

int FleetReport::exit_code() const {
  int worst = 0;
  for (const auto& image : images) {
    if (badness(image.exit_code) > badness(worst)) {
      worst = image.exit_code;
    }
  }
  return worst;
}

std::vector<std::string> read_image_list(std::istream& in) {
  std::vector<std::string> images;
  std::set<std::string> seen;
  for (std::string line; std::getline(in, line);) {
    const auto text = util::trim(line);
    if (text.empty() || text.front() == '#') {
      continue;
    }
    if (seen.insert(std::string(text)).second) {
      images.emplace_back(text);
    }
  }
  return images;
}

std::string image_directory_name(std::string_view reference, std::string_view digest) {
  // The transport goes; of a file or directory only its last component is kept.
  bool registry = false;
  for (const std::string_view prefix :
       {"docker://", "docker-archive:", "oci-archive:", "oci:", "docker-dir:", "dir:"}) {
    if (reference.starts_with(prefix)) {
      registry = prefix == "docker://";
      reference.remove_prefix(prefix.size());
      break;
    }
  }
  if (!registry && reference.find('/') != std::string_view::npos) {
    reference.remove_prefix(reference.rfind('/') + 1);
  }
  std::string name;
  for (const char c : reference) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
    const char out = keep ? c : '_';
    if (out == '_' && !name.empty() && name.back() == '_') {
      continue;
    }
    name.push_back(out);
  }
  if (name.size() > k_name_chars) {
    // The end (repository, tag) tells images apart; cut at a word where there is one.
    name.erase(0, name.size() - k_name_chars);
    const auto word = name.find('_');
    if (word != std::string::npos && word + 1 < name.size()) {
      name.erase(0, word + 1);
    }
  }
  while (!name.empty() && (name.front() == '.' || name.front() == '_' || name.front() == '-')) {
    name.erase(0, 1);
  }
  if (name.empty()) {
    name = "image";
  }
  const auto colon = digest.find(':');
  const auto hex = colon == std::string_view::npos ? digest : digest.substr(colon + 1);
  std::string hex_part;
  for (const char c : hex.substr(0, k_digest_hex)) {
    hex_part.push_back(std::isxdigit(static_cast<unsigned char>(c)) != 0 ? c : '_');
  }
  return hex_part.empty() ? name : name + "@" + hex_part;
}

std::string digest_file_name(std::string_view digest) {
  std::string name;
  for (const char c : digest) {
    name.push_back(std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '-');
  }
  return name;
}

ImageResult image_result(const std::string& reference, const report::Summary& summary) {
  ImageResult result;
  result.reference = reference;
  result.verdict = report::verdict_name(summary);
  result.exit_code = summary.exit_code();
  result.manifest_digest = summary.image.manifest_digest;
  result.config_digest = summary.image.config_digest;
  result.fail_on = std::string(report::fail_on_name(summary.fail_on));
  for (const auto& rule : summary.results.rules) {
    if (rule.result == "fail" && !rule.waiver) {
      ++result.failed_rules[rule.severity.empty() ? "unknown" : rule.severity];
    }
  }
  for (const auto& vulnerability : summary.vulnerabilities.results.found) {
    if (!vulnerability.waiver) {
      ++result.vulnerabilities[vulnerability.severity];
    }
  }
  for (const auto& vulnerability : summary.vulnerability_failures()) {
    if (result.worst.size() < k_worst_shown) {
      const auto& id =
          vulnerability.cves.empty() ? vulnerability.definition_id : vulnerability.cves.front();
      result.worst.push_back(fmt::format("{} ({})", id, vulnerability.severity));
    }
  }
  for (const auto& rule : summary.failures()) {
    if (result.worst.size() < k_worst_shown) {
      result.worst.push_back(fmt::format("{} ({}, {})", rule.id, rule.severity, rule.result));
    }
  }
  std::set<std::string> ids;
  for (const auto& vulnerability : summary.vulnerabilities.results.found) {
    if (vulnerability.cves.empty()) {
      ids.insert(vulnerability.definition_id);
    }
    ids.insert(vulnerability.cves.begin(), vulnerability.cves.end());
  }
  result.vulnerability_ids.assign(ids.begin(), ids.end());
  result.feed_name = summary.vulnerabilities.feed.name;
  result.feed_url = summary.vulnerabilities.feed.url;
  result.feed_sha256 = summary.vulnerabilities.feed.sha256;
  const auto total = summary.timings.find("total");
  result.seconds = total == summary.timings.end() ? 0 : total->second;
  return result;
}

nlohmann::json to_json(const ImageResult& result) {
  return {
      {"reference", result.reference},
      {"verdict", result.verdict},
      {"exit_code", result.exit_code},
      {"manifest_digest", result.manifest_digest},
      {"config_digest", result.config_digest},
      {"directory", result.directory},
      {"error", result.error},
      {"failed_rules", result.failed_rules},
      {"vulnerabilities", result.vulnerabilities},
      {"worst", result.worst},
      {"fail_on", result.fail_on},
      {"scanned_at", result.scanned_at},
      {"seconds", result.seconds},
      {"key", result.key},
      {"reused", result.reused},
      {"cve_reevaluated", result.cve_reevaluated},
      {"attached", result.attached},
      {"feed",
       {{"name", result.feed_name},
        {"url", result.feed_url},
        {"sha256", result.feed_sha256},
        {"file_sha256", result.feed_file_sha256}}},
      {"vulnerability_ids", result.vulnerability_ids},
  };
}

ImageResult image_result_from_json(const nlohmann::json& json) {
  ImageResult result;
  result.reference = json.value("reference", "");
  result.verdict = json.value("verdict", "error");
  result.exit_code = json.value("exit_code", 1);
  result.manifest_digest = json.value("manifest_digest", "");
  result.config_digest = json.value("config_digest", "");
  result.directory = json.value("directory", "");
  result.error = json.value("error", "");
  result.failed_rules = json.value("failed_rules", std::map<std::string, int>{});
  result.vulnerabilities = json.value("vulnerabilities", std::map<std::string, int>{});
  result.worst = json.value("worst", std::vector<std::string>{});
  result.fail_on = json.value("fail_on", "");
  result.scanned_at = json.value("scanned_at", "");
  result.seconds = json.value("seconds", 0.0);
  result.key = json.value("key", "");
  result.reused = json.value("reused", false);
  result.cve_reevaluated = json.value("cve_reevaluated", false);
  result.attached = json.value("attached", "");
  if (json.contains("feed") && json["feed"].is_object()) {
    result.feed_name = json["feed"].value("name", "");
    result.feed_url = json["feed"].value("url", "");
    result.feed_sha256 = json["feed"].value("sha256", "");
    result.feed_file_sha256 = json["feed"].value("file_sha256", "");
  }
  result.vulnerability_ids = json.value("vulnerability_ids", std::vector<std::string>{});
  return result;
}

}  // namespace imgscap::fleet
