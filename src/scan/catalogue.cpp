// SPDX-License-Identifier: Apache-2.0
// The content catalogue: the built-in baseline's location, the SSG catalogue lookup by OS, and
// the profile ids a datastream declares.
#include <imgscap/scan/catalogue.hpp>
#include <imgscap/util/error.hpp>

#include <imgscap/util/files.hpp>
#include <imgscap/util/xml.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <memory>
#include <system_error>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_baseline_file = "imgscap-baseline-ds.xml";
constexpr const char* k_catalogue_file = "ssg-catalogue.json";
constexpr const char* k_baseline_profile = "xccdf_org.imgscap.baseline_profile_default";

bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// VERSION_ID matched as the catalogue says: "*" any, "22.04" exactly, "8" the major part.
bool version_matches(const std::string& wanted, const std::string& version_id) {
  if (wanted == "*") {
    return true;
  }
  if (wanted.find('.') != std::string::npos) {
    return wanted == version_id;
  }
  return wanted == version_id.substr(0, version_id.find('.'));
}

std::string os_name(const OsRelease& os) {
  return os.pretty_name.empty() ? fmt::format("{} {}", os.id, os.version_id) : os.pretty_name;
}

struct CatalogueEntry {
  std::string datastream;
  std::string profile;
};

std::optional<CatalogueEntry> find_entry(const OsRelease& os) {
  const auto path = data_dir() / k_catalogue_file;
  nlohmann::json catalogue;
  try {
    catalogue = nlohmann::json::parse(util::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("content catalogue {}: {}", path.string(), e.what());
  }
  for (const auto& entry : catalogue.value("entries", nlohmann::json::array())) {
    if (entry.value("id", "") == os.id &&
        version_matches(entry.value("version", ""), os.version_id)) {
      return CatalogueEntry{entry.value("datastream", ""), entry.value("profile", "")};
    }
  }
  return std::nullopt;
}

bool has_profile(const std::vector<std::string>& profiles, const std::string& wanted) {
  for (const auto& id : profiles) {
    if (id == wanted || id.ends_with("_" + wanted)) {
      return true;
    }
  }
  return false;
}

}  // namespace

fs::path data_dir() {
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "imgscap";
    if (is_file(installed / k_baseline_file)) {
      return installed;
    }
  }
  const auto source = fs::path(IMGSCAP_SOURCE_DIR) / "content";
  if (is_file(source / k_baseline_file)) {
    return source;
  }
  fail("imgscap's built-in content ({}) is not installed beside the binary ({}) nor in {}",
       k_baseline_file, ec ? std::string("?") : exe.parent_path().string(), source.string());
}

std::vector<fs::path> default_ssg_dirs() {
  return {"/usr/share/xml/scap/ssg/content", "/usr/share/scap-security-guide/content"};
}

std::vector<std::string> content_profiles(const fs::path& content) {
  const auto reader = util::xml::open_reader(content);
  std::vector<std::string> ids;
  if (!reader) {
    return ids;
  }
  while (xmlTextReaderRead(reader.get()) == 1) {
    if (xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT) {
      continue;
    }
    const auto* name = xmlTextReaderConstLocalName(reader.get());
    if (name == nullptr || std::string_view(reinterpret_cast<const char*>(name)) != "Profile") {
      continue;
    }
    if (xmlChar* id =
            xmlTextReaderGetAttribute(reader.get(), reinterpret_cast<const xmlChar*>("id"))) {
      std::string text(reinterpret_cast<const char*>(id));
      xmlFree(id);
      ids.push_back(std::move(text));
    }
  }
  return ids;
}

ContentPlan plan_auto_content(const AutoRequest& request) {
  ContentPlan plan;
  plan.contents.push_back(
      {"baseline", data_dir() / k_baseline_file, k_baseline_profile, std::nullopt,
       "imgscap's built-in container-image baseline, evaluated on every image"});
  if (!request.os) {
    plan.notes.push_back(
        "the OS is unknown (no etc/os-release or usr/lib/os-release): only the baseline was "
        "evaluated, no distribution content");
    return plan;
  }
  const auto& os = *request.os;
  const auto entry = find_entry(os);
  if (!entry) {
    plan.notes.push_back(fmt::format(
        "no SCAP Security Guide content is known for {} (ID={} VERSION_ID={}): only the baseline "
        "was evaluated",
        os_name(os), os.id, os.version_id));
    return plan;
  }
  std::optional<fs::path> found;
  for (const auto& dir : request.ssg_dirs) {
    if (is_file(dir / entry->datastream)) {
      found = fs::absolute(dir / entry->datastream);
      break;
    }
  }
  if (!found) {
    std::vector<std::string> dirs;
    for (const auto& dir : request.ssg_dirs) {
      dirs.push_back(dir.string());
    }
    plan.notes.push_back(fmt::format(
        "the SCAP Security Guide content for {} ({}) is not installed in {} (Debian: apt install "
        "ssg-debian, ssg-debderived or ssg-nondebian; or point --content-dir at it): only the "
        "baseline was evaluated",
        os_name(os), entry->datastream, fmt::join(dirs, ", ")));
    return plan;
  }
  const auto profile = request.profile.empty() ? entry->profile : request.profile;
  if (!has_profile(content_profiles(*found), profile)) {
    plan.notes.push_back(fmt::format("{} has no profile \"{}\": only the baseline was evaluated",
                                     found->string(), profile));
    return plan;
  }
  auto name = found->filename().string();
  if (name.ends_with("-ds.xml")) {
    name.resize(name.size() - std::string_view("-ds.xml").size());
  }
  plan.contents.push_back(
      {name, *found, profile, request.tailoring_file,
       fmt::format("the SCAP Security Guide datastream for {} with profile {} ({})", os_name(os),
                   profile,
                   request.profile.empty() ? "the catalogue's default for this OS"
                                           : "chosen with --profile")});
  return plan;
}

}  // namespace imgscap::scan
