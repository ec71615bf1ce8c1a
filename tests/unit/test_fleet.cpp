// SPDX-License-Identifier: Apache-2.0
// The fleet's pure parts: image lists, result directory names from hostile references, the
// worst exit code, the OpenShift merge patch and the text summary of untrusted names.
#include <imgscap/fleet/fleet.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace imgscap::fleet {
namespace {

TEST(Fleet, ImageListsSkipCommentsBlanksAndDuplicates) {
  std::istringstream in(
      "# nightly\n\ndocker://reg/a:1\n  docker://reg/b:2  \n# docker://reg/c:3\n"
      "docker://reg/a:1\n\t\noci:/x\n");
  EXPECT_EQ(read_image_list(in),
            (std::vector<std::string>{"docker://reg/a:1", "docker://reg/b:2", "oci:/x"}));
}

TEST(Fleet, DirectoryNamesStayOneSafeComponent) {
  const std::string digest = "sha256:0123456789abcdef0123";
  EXPECT_EQ(image_directory_name("docker://reg.example.com:5000/team/app:1.4", digest),
            "reg.example.com_5000_team_app_1.4@0123456789ab");
  EXPECT_EQ(image_directory_name("docker-archive:/srv/images/app.tar", digest),
            "app.tar@0123456789ab");
  for (const std::string& hostile :
       {std::string("../../etc/passwd"), std::string(".."), std::string("docker://../.."),
        std::string("a\nb\x01\x7f/c"), std::string("/"), std::string(""),
        "docker://reg/app:" + std::string(10'000, 'x'), std::string("..\\..\\x")}) {
    const auto name = image_directory_name(hostile, "sha256:../../x");
    EXPECT_FALSE(name.empty()) << hostile;
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_NE(name.front(), '.') << name;
    EXPECT_LE(name.size(), 64U + 13U) << name;
    for (const char c : name) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                  c == '_' || c == '@')
          << name;
    }
  }
  EXPECT_EQ(digest_file_name("sha256:abc/../d"), "sha256-abc----d");
}

TEST(Fleet, ExitCodeIsTheWorstImages) {
  FleetReport report;
  const auto with = [&](std::initializer_list<int> codes) {
    report.images.clear();
    for (const int code : codes) {
      ImageResult image;
      image.exit_code = code;
      report.images.push_back(image);
    }
    return report.exit_code();
  };
  EXPECT_EQ(with({}), 0);
  EXPECT_EQ(with({0, 4, 0}), 4);
  EXPECT_EQ(with({4, 2, 0}), 2);
  EXPECT_EQ(with({2, 3, 0}), 3);
  EXPECT_EQ(with({3, 1, 2}), 1);
  EXPECT_EQ(with({0, 143}), 143);
}

ImageResult scanned(const std::string& verdict) {
  ImageResult image;
  image.reference = "docker://reg/app:1";
  image.verdict = verdict;
  image.manifest_digest = "sha256:" + std::string(64, 'a');
  image.fail_on = "high";
  image.scanned_at = "2026-11-30T01:02:03Z";
  image.directory = "reg_app_1@aaaaaaaaaaaa";
  image.failed_rules = {{"high", 1}, {"low", 2}};
  image.vulnerabilities = {{"critical", 3}, {"high", 4}};
  return image;
}

TEST(Fleet, OpenShiftPatchCarriesManageIqsAnnotations) {
  const auto patch = openshift_patch(scanned("non-compliant"));
  const auto& annotations = patch.at("metadata").at("annotations");
  EXPECT_EQ(annotations.at("images.openshift.io/deny-execution"), "true");
  EXPECT_EQ(annotations.at("security.manageiq.org/failed-policy"), "imgscap --fail-on high");
  EXPECT_TRUE(annotations.at("security.manageiq.org/successful-policy").is_null());
  const auto quality = nlohmann::json::parse(
      annotations.at("quality.images.openshift.io/vulnerability.openscap").get<std::string>());
  EXPECT_EQ(quality.at("name"), "imgscap");
  EXPECT_EQ(quality.at("timestamp"), "2026-11-30T01:02:03Z");
  EXPECT_EQ(quality.at("compliant"), false);
  const auto& summary = quality.at("summary");
  ASSERT_EQ(summary.size(), 4U);
  EXPECT_EQ(summary[0],
            (nlohmann::json{{"label", "critical"}, {"data", "3"}, {"severityIndex", 4}}));
  EXPECT_EQ(summary[1], (nlohmann::json{{"label", "high"}, {"data", "5"}, {"severityIndex", 3}}));
  EXPECT_EQ(summary[3], (nlohmann::json{{"label", "low"}, {"data", "2"}, {"severityIndex", 1}}));

  const auto passed = openshift_patch(scanned("compliant")).at("metadata").at("annotations");
  EXPECT_EQ(passed.at("images.openshift.io/deny-execution"), "false");
  EXPECT_TRUE(passed.at("security.manageiq.org/failed-policy").is_null());
  EXPECT_EQ(passed.at("security.manageiq.org/successful-policy"), "imgscap --fail-on high");

  const auto unsure = openshift_patch(scanned("incomplete")).at("metadata").at("annotations");
  EXPECT_EQ(unsure.at("images.openshift.io/deny-execution"), "false");
  EXPECT_TRUE(unsure.at("security.manageiq.org/failed-policy").is_null());
  EXPECT_TRUE(unsure.at("security.manageiq.org/successful-policy").is_null());
}

TEST(Fleet, TextSummaryShowsHostileNamesOnOneBoundedLine) {
  FleetReport report;
  auto image = scanned("error");
  image.reference = "docker://reg/a\nFAKE LINE\x1b[31m:" + std::string(10'000, 'x');
  image.error = "no such\nthing";
  report.images = {image, scanned("compliant")};
  const auto text = render_text(report);
  std::istringstream lines(text);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    EXPECT_LT(line.size(), 400U) << line.substr(0, 100);
    EXPECT_EQ(line.find('\x1b'), std::string::npos);
    EXPECT_NE(line.rfind("FAKE LINE", 0), 0U) << "a name started a line of its own";
  }
  EXPECT_EQ(count, 9) << text;  // 2 heading, blank, columns, 2 images, blank, "Errors:", 1
  const auto json = to_json(report);
  EXPECT_EQ(json.at("images")[0].at("reference"), image.reference) << "JSON keeps the name whole";
}

}  // namespace
}  // namespace imgscap::fleet
