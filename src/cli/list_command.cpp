// SPDX-License-Identifier: Apache-2.0
// `imgscap list docker://HOST[:PORT][/REPO]`: a registry's repositories (its catalog) and their
// tags as image references, one per line, ready for `imgscap scan --images-from -`.
#include <imgscap/cli/scan_command.hpp>
#include <imgscap/registry/client.hpp>
#include <imgscap/registry/name.hpp>
#include <imgscap/util/error.hpp>

#include <nlohmann/json.hpp>

#include <ostream>

namespace imgscap::cli {
namespace {

// docker://HOST[:PORT] (the whole registry) or docker://HOST[:PORT]/REPO.
registry::ImageName list_target(const std::string& text) {
  constexpr std::string_view k_prefix = "docker://";
  if (!text.starts_with(k_prefix)) {
    fail("list {}: expected docker://HOST[:PORT][/REPO]", text);
  }
  auto rest = text.substr(k_prefix.size());
  while (!rest.empty() && rest.back() == '/') {
    rest.pop_back();
  }
  if (rest.find('/') == std::string::npos) {
    if (rest.empty()) {
      fail("list {}: no registry named", text);
    }
    return registry::ImageName{rest, "", "", std::nullopt};
  }
  auto name = registry::parse_image_name(rest);
  if (name.digest || rest.find(':', rest.find('/')) != std::string::npos) {
    fail("list {}: name a repository, without a tag or digest", text);
  }
  return name;
}

}  // namespace

int run_list(const ListOptions& options, const Streams& streams) {
  const auto target = list_target(options.target);
  std::vector<std::string> repositories;
  if (target.repository.empty()) {
    registry::Client client(target, options.source.registry);
    repositories = client.catalog();
  } else {
    repositories.push_back(target.repository);
  }
  nlohmann::json json = {{"registry", target.registry}, {"repositories", nlohmann::json::array()}};
  for (const auto& repository : repositories) {
    auto name = target;
    name.repository = repository;
    registry::Client client(name, options.source.registry);
    const auto tags = client.tags();
    json["repositories"].push_back({{"name", repository}, {"tags", tags}});
    if (options.format == OutputFormat::text) {
      for (const auto& tag : tags) {
        streams.out << "docker://" << target.registry << "/" << repository << ":" << tag << '\n';
      }
    }
  }
  if (options.format == OutputFormat::json) {
    streams.out << json.dump(2) << '\n';
  }
  streams.out.flush();
  return 0;
}

}  // namespace imgscap::cli
