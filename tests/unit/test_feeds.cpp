// SPDX-License-Identifier: Apache-2.0
// Tests for the CVE feed catalogue, feed files, the cache and its policy helpers.
#include <imgscap/feeds/cache.hpp>
#include <imgscap/feeds/catalogue.hpp>
#include <imgscap/feeds/feed_file.hpp>
#include <imgscap/feeds/feeds.hpp>
#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/text.hpp>

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace imgscap::feeds {
namespace {

namespace fs = std::filesystem;

const fs::path k_builtin = fs::path(IMGSCAP_SOURCE_DIR) / "content" / "cve-feeds.json";

constexpr const char* k_small_feed = R"(<?xml version="1.0"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:linux-def="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <generator><oval:product_name>Debian</oval:product_name>
    <oval:timestamp>2026-11-20T00:00:00.188-04:00</oval:timestamp></generator>
  <definitions>
    <definition id="oval:a:def:1" class="vulnerability" version="1"><metadata><title>a</title>
      <affected family="unix"><platform>Debian GNU/Linux 11</platform></affected></metadata>
      <criteria><criterion test_ref="oval:a:tst:1"/></criteria></definition>
    <definition id="oval:a:def:2" class="vulnerability" version="1"><metadata><title>b</title>
      <affected family="unix"><platform>Debian GNU/Linux 11</platform></affected></metadata>
      <criteria><criterion test_ref="oval:a:tst:1"/></criteria></definition>
  </definitions>
  <tests><linux-def:dpkginfo_test id="oval:a:tst:1" version="1" check="all">
    <linux-def:object object_ref="oval:a:obj:1"/></linux-def:dpkginfo_test></tests>
</oval_definitions>
)";

class FeedsTest : public ::testing::Test {
 protected:
  void SetUp() override { m_dir = test::make_temp_dir("imgscap-feeds-test"); }
  void TearDown() override { fs::remove_all(m_dir); }
  fs::path write(const std::string& name, const std::string& text) {
    util::write_file(m_dir / name, text);
    return m_dir / name;
  }
  fs::path m_dir;
};

TEST_F(FeedsTest, BuiltinCatalogueMatchesReleasesByVersionId) {
  const auto c = load_catalogue({k_builtin});
  ASSERT_NE(c.for_os("debian", "12"), nullptr);
  EXPECT_EQ(c.for_os("debian", "12")->name, "debian-12");
  EXPECT_EQ(c.for_os("debian", "12")->dpkg_names, "source");  // Debian's feeds name sources
  EXPECT_EQ(c.for_os("ubuntu", "24.04")->dpkg_names, "");
  ASSERT_NE(c.for_os("rhel", "9.4"), nullptr);
  EXPECT_EQ(c.for_os("rhel", "9.4")->name, "rhel-9");
  ASSERT_NE(c.for_os("rhel", "10.0"), nullptr);  // known, but without an OVAL feed
  EXPECT_EQ(c.for_os("rhel", "10.0")->url, "");
  EXPECT_NE(c.for_os("rhel", "10.0")->no_oval.find("CSAF VEX"), std::string::npos);
  EXPECT_EQ(c.supported().find("10"), std::string::npos) << c.supported();
  ASSERT_NE(c.for_os("ubuntu", "24.04"), nullptr);
  EXPECT_EQ(c.for_os("ubuntu", "22.10"), nullptr);  // not an LTS: exact match only
  EXPECT_EQ(c.for_os("rocky", "9.4"), nullptr);     // Red Hat's feed checks Red Hat's keys
  EXPECT_EQ(c.for_os("debian", ""), nullptr);       // testing/sid: no VERSION_ID
  for (const auto& e : c.entries) {
    EXPECT_TRUE(e.url.starts_with("https://") || !e.no_oval.empty()) << e.name;
    EXPECT_TRUE(e.url.empty() || e.no_oval.empty()) << e.name;
    EXPECT_FALSE(e.platform.empty()) << e.name;
  }
}

TEST_F(FeedsTest, UserCatalogueReplacesAndAdds) {
  const auto user = write("user.json", R"({"feeds": [
    {"name": "rhel-9", "os_id": "rhel", "version": "9", "url": "https://mirror.example/rhel-9.xml"},
    {"name": "alma-9", "os_id": "almalinux", "version": "9", "url": "file:///srv/alma-9.xml"}]})");
  const auto c = load_catalogue({k_builtin, user});
  EXPECT_EQ(c.for_os("rhel", "9.2")->url, "https://mirror.example/rhel-9.xml");
  EXPECT_EQ(c.for_os("almalinux", "9.3")->name, "alma-9");
  EXPECT_EQ(c.for_url("file:///srv/alma-9.xml")->name, "alma-9");
}

TEST_F(FeedsTest, MalformedCatalogueEntriesAreRefusedWithTheirPlace) {
  const auto bad_name = write("a.json", R"({"feeds": [{"name": "../x", "os_id": "a",
      "version": "1", "url": "https://x/y"}]})");
  try {
    (void)load_catalogue({bad_name});
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("entry 1"), std::string::npos) << e.what();
  }
  const auto no_url =
      write("b.json", R"({"feeds": [{"name": "x", "os_id": "a", "version": "1"}]})");
  EXPECT_THROW((void)load_catalogue({no_url}), Error);
  const auto ftp = write("c.json", R"({"feeds": [{"name": "x", "os_id": "a", "version": "1",
      "url": "ftp://x/y"}]})");
  EXPECT_THROW((void)load_catalogue({ftp}), Error);
  EXPECT_THROW((void)load_catalogue({write("d.json", "[]")}), Error);
  const auto both = write("e.json", R"({"feeds": [{"name": "x", "os_id": "a", "version": "1",
      "url": "https://x/y", "no_oval": "none published"}]})");
  EXPECT_THROW((void)load_catalogue({both}), Error);
  const auto none = write("f.json", R"({"feeds": [{"name": "x", "os_id": "a", "version": "1",
      "no_oval": "none published"}]})");
  EXPECT_EQ(load_catalogue({none}).for_os("a", "1")->no_oval, "none published");
  const auto names = write("g.json", R"({"feeds": [{"name": "x", "os_id": "a", "version": "1",
      "url": "https://x/y", "dpkg_names": "sources"}]})");
  EXPECT_THROW((void)load_catalogue({names}), Error);
}

TEST_F(FeedsTest, DurationsAndTimestamps) {
  EXPECT_EQ(parse_duration("36h", "--x"), 36 * 3600);
  EXPECT_EQ(parse_duration("7d", "--x"), 7 * 86400);
  EXPECT_EQ(parse_duration("2w", "--x"), 14 * 86400);
  EXPECT_EQ(parse_duration("90m", "--x"), 5400);
  EXPECT_EQ(parse_duration("600", "--x"), 600);
  EXPECT_EQ(parse_duration("none", "--x"), 0);
  for (const char* bad : {"", "7x", "-1d", "d", "1.5d", "99999999999d"}) {
    EXPECT_THROW((void)parse_duration(bad, "--x"), Error) << bad;
  }
  EXPECT_EQ(parse_timestamp("2026-11-20T00:00:00.188-04:00"), 1795147200);
  EXPECT_EQ(parse_timestamp("2026-11-20T04:00:00Z"), 1795147200);
  EXPECT_EQ(parse_timestamp("2026-11-20T04:00:00"), 1795147200);
  EXPECT_EQ(parse_timestamp("2026-11-20T06:00:00+02:00"), 1795147200);
  EXPECT_EQ(parse_timestamp("yesterday"), -1);
  EXPECT_EQ(util::format_age(90061), "1 d 1 h");
  EXPECT_EQ(util::format_age(59), "59 s");
}

TEST_F(FeedsTest, InspectsFeedsAndRefusesOtherDocuments) {
  const auto facts = inspect_feed(write("feed.xml", k_small_feed));
  EXPECT_EQ(facts.definitions, 2U);
  EXPECT_EQ(facts.classes.at("vulnerability"), 2U);
  EXPECT_EQ(facts.tests.at("dpkginfo_test"), 1U);
  EXPECT_EQ(facts.platforms, std::vector<std::string>{"Debian GNU/Linux 11"});
  EXPECT_EQ(facts.generated, "2026-11-20T00:00:00.188-04:00");
  EXPECT_EQ(facts.sha256, util::sha256_of(k_small_feed).hex());
  try {
    (void)inspect_feed(write("page.xml", "<html><body>moved</body></html>"));
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("root element <html>"), std::string::npos) << e.what();
  }
  const std::string text(k_small_feed);
  EXPECT_THROW((void)inspect_feed(write("cut.xml", text.substr(0, text.size() / 2))), Error);
  // Unpacking a plain file copies it; a bound on the size is enforced.
  const auto out = m_dir / "unpacked.xml";
  EXPECT_EQ(unpack_feed(m_dir / "feed.xml", out, 1 << 20).definitions, 2U);
  EXPECT_EQ(util::read_file(out), text);
  EXPECT_THROW((void)unpack_feed(m_dir / "feed.xml", out, 100), Error);
}

TEST_F(FeedsTest, CacheCommitsAtomicallyAndKeepsTheSupersededFile) {
  FeedCache cache(m_dir / "cache");
  EXPECT_FALSE(cache.find("debian-11"));
  const auto first = write("first.xml", k_small_feed);
  const auto record = import_file(cache, "debian-11", "https://x/oval-definitions-bullseye.xml",
                                  first, std::nullopt, "Debian GNU/Linux 11", 1 << 20);
  EXPECT_EQ(record.origin, "import");
  EXPECT_EQ(record.verified_at, 1795147200);  // the feed's own timestamp
  ASSERT_TRUE(cache.find("debian-11"));
  EXPECT_EQ(util::read_file(cache.file_of(*cache.find("debian-11"))), k_small_feed);

  std::string changed(k_small_feed);
  changed.replace(changed.find("<title>a</title>"), 16, "<title>c</title>");
  const auto second = write("second.xml", changed);
  const auto again =
      import_file(cache, "debian-11", "", second, util::sha256_of(changed).hex(), "", 1 << 20);
  EXPECT_NE(again.file, record.file);
  EXPECT_TRUE(fs::exists(cache.file_of(record)));  // a running scan may still read it
  EXPECT_EQ(cache.list().size(), 1U);
  EXPECT_EQ(cache.find("debian-11")->facts.sha256, util::sha256_of(changed).hex());

  // Refused imports leave the cache as it was.
  EXPECT_THROW((void)import_file(cache, "debian-11", "", second, std::string(64, '0'), "", 1 << 20),
               Error);
  EXPECT_THROW((void)import_file(cache, "debian-11", "", first, std::nullopt, "Debian GNU/Linux 12",
                                 1 << 20),
               Error);
  EXPECT_EQ(cache.find("debian-11")->facts.sha256, util::sha256_of(changed).hex());
  for (const auto& entry : fs::directory_iterator(cache.dir())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".")) << entry.path();
  }
}

TEST_F(FeedsTest, OfflineWithoutCacheSaysWhatToDo) {
  FeedCache cache(m_dir / "cache");
  Policy policy;
  policy.offline = true;
  try {
    (void)obtain(cache, "debian-12", "https://x/y.xml.bz2", policy);
    FAIL() << "obtained";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--offline"), std::string::npos) << message;
    EXPECT_NE(message.find("imgscap feeds import"), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace imgscap::feeds
