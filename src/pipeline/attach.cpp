// SPDX-License-Identifier: Apache-2.0
// --attach: the scan's summary and ARF (gzip) pushed beside the image as an OCI artifact whose
// subject is the scanned manifest, so that anything that can list an image's referrers (an
// admission controller, `oras discover`, `cosign tree`) finds the verdict next to it. A registry
// that indexes subjects says so with OCI-Subject when the manifest is pushed; for one that does
// not (distribution 2.8), the referrers tag sha256-<hex> (an image index) is updated, as the
// distribution spec's tag-schema fallback says.
#include "steps.hpp"

#include <imgscap/registry/client.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/gzip.hpp>
#include <imgscap/util/text.hpp>

#include <spdlog/spdlog.h>

#include <ctime>

namespace imgscap::pipeline {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_manifest_type = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* k_index_type = "application/vnd.oci.image.index.v1+json";
constexpr const char* k_empty_type = "application/vnd.oci.empty.v1+json";
constexpr const char* k_summary_type = "application/vnd.imgscap.summary.v1+json";
constexpr const char* k_arf_type = "application/vnd.imgscap.arf.v1+xml+gzip";
constexpr const char* k_title = "org.opencontainers.image.title";

struct Blob {
  std::string data;
  std::string media_type;
  std::string title;
  util::Digest digest;
};

Blob blob(std::string data, const char* media_type, std::string title) {
  auto digest = util::sha256_of(data);
  return {std::move(data), media_type, std::move(title), std::move(digest)};
}

nlohmann::json descriptor(const Blob& b) {
  nlohmann::json d = {
      {"mediaType", b.media_type}, {"digest", b.digest.str()}, {"size", b.data.size()}};
  if (!b.title.empty()) {
    d["annotations"] = {{k_title, b.title}};
  }
  return d;
}

// A results file in `outputs` (by the name the summary gives it: a stored summary names the
// directory it was first written to). Throws imgscap::Error when it is missing.
std::string results_file(const fs::path& outputs, const std::string& named) {
  const auto file = outputs / fs::path(named).filename();
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    fail("--attach: {} is missing", file.string());
  }
  return util::read_file(file);
}

// summary.json, then each evaluation's ARF (or OVAL results), compressed.
std::vector<Blob> layers(const report::Summary& summary, const std::string& summary_json,
                         const fs::path& outputs) {
  std::vector<Blob> out;
  out.push_back(blob(summary_json, k_summary_type, "summary.json"));
  for (const auto& e : summary.evaluations) {
    for (const auto& [kind, path] : e.files) {
      if (kind == "arf" || kind == "oval_results") {
        out.push_back(blob(util::gzip(results_file(outputs, path)), k_arf_type,
                           fs::path(path).filename().string() + ".gz"));
      }
    }
  }
  return out;
}

// The referrers tag of a digest: "sha256-<hex>".
std::string referrers_tag(const util::Digest& digest) {
  auto tag = digest.str();
  std::replace(tag.begin(), tag.end(), ':', '-');
  return tag;
}

// The referrers index with `entry` added; imgscap's earlier results for the same subject
// leave it (the current verdict is the one beside the image), other artifacts stay.
nlohmann::json referrers_index(const std::optional<registry::Manifest>& existing,
                               const nlohmann::json& entry) {
  nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", k_index_type}, {"manifests", {}}};
  if (existing) {
    auto old = nlohmann::json::parse(existing->body, nullptr, false);
    // mediaType is optional in an index; a manifests list is what makes one.
    if (old.is_object() && old.contains("manifests") && old["manifests"].is_array()) {
      index = std::move(old);
    }
  }
  auto& manifests = index["manifests"];
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& m : manifests) {
    if (!m.is_object() || m.value("artifactType", "") != k_artifact_type) {
      kept.push_back(m);
    }
  }
  kept.push_back(entry);
  manifests = std::move(kept);
  return index;
}

}  // namespace

Attached attach_results(const ScanOptions& options, const fs::path& outputs) {
  const auto summary_json = results_file(outputs, "summary.json");
  const auto summary =
      report::summary_from_json(nlohmann::json::parse(summary_json, nullptr, false));
  const auto reference = image::parse_reference(options.image);
  if (reference.transport != image::Transport::registry || !reference.name ||
      summary.image.manifest_digest.empty()) {
    fail("--attach needs a docker:// image");
  }
  registry::Client client(*reference.name, options.source.registry);
  const auto subject_digest = util::Digest::parse(summary.image.manifest_digest);
  const auto subject = client.manifest(subject_digest.str());
  const auto config = blob("{}", k_empty_type, "");
  const auto files = layers(summary, summary_json, outputs);
  nlohmann::json layer_list = nlohmann::json::array();
  for (const auto& one : files) {
    client.push_blob(one.data, one.digest);
    layer_list.push_back(descriptor(one));
  }
  client.push_blob(config.data, config.digest);
  const nlohmann::json annotations = {
      {"org.opencontainers.image.created", util::utc_now()},
      {"org.imgscap.verdict", report::verdict_name(summary)},
      {"org.imgscap.fail-on", std::string(report::fail_on_name(summary.fail_on))},
      {"org.imgscap.version", IMGSCAP_VERSION}};
  auto config_descriptor = descriptor(config);
  config_descriptor["data"] = "e30=";  // "{}", as the image spec's empty descriptor
  const nlohmann::json manifest = {{"schemaVersion", 2},
                                   {"mediaType", k_manifest_type},
                                   {"artifactType", k_artifact_type},
                                   {"config", config_descriptor},
                                   {"layers", layer_list},
                                   {"subject",
                                    {{"mediaType", subject.media_type},
                                     {"digest", subject_digest.str()},
                                     {"size", subject.body.size()}}},
                                   {"annotations", annotations}};
  const auto body = manifest.dump();
  const auto digest = util::sha256_of(body);
  const auto pushed = client.push_manifest(digest.str(), k_manifest_type, body);
  Attached attached{digest.str(), "referrers API", ""};
  if (pushed.subject.empty()) {
    const auto tag = referrers_tag(subject_digest);
    const nlohmann::json entry = {{"mediaType", k_manifest_type},
                                  {"digest", digest.str()},
                                  {"size", body.size()},
                                  {"artifactType", k_artifact_type},
                                  {"annotations", annotations}};
    const auto index = referrers_index(client.find_manifest(tag), entry);
    client.push_manifest(tag, k_index_type, index.dump());
    attached.how = "referrers tag " + tag;
    attached.tag = tag;
  }
  spdlog::info("results attached to {} as {} ({})", summary.image.manifest_digest, digest.str(),
               attached.how);
  return attached;
}

void attach(const ScanOptions& options, const fs::path& outputs, ScanOutcome& outcome) {
  try {
    outcome.attached = attach_results(options, outputs);
  } catch (const Error& e) {
    outcome.attach_error = e.what();
    spdlog::error("the results could not be attached: {}", e.what());
  }
}

}  // namespace imgscap::pipeline
