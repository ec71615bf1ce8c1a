// SPDX-License-Identifier: Apache-2.0
// --limit NAME=VALUE parsing: names, sizes with K/M/G/T, bad values; messages name the limit.
#include "support/errors.hpp"

#include <imgscap/util/limits.hpp>

#include <gtest/gtest.h>

namespace imgscap::util {
namespace {

TEST(Limits, DefaultsAreDocumentedValues) {
  const Limits limits;
  EXPECT_EQ(limits.get(Limit::layers), 256U);
  EXPECT_EQ(limits.get(Limit::json_bytes), 20U * 1024 * 1024);
  EXPECT_EQ(limits.get(Limit::feed_bytes), 4ULL << 30);
  EXPECT_EQ(limit_catalogue().size(), static_cast<std::size_t>(Limit::feed_bytes) + 1);
}

TEST(Limits, SetParsesNumbersAndSizes) {
  Limits limits;
  limits.set("layers=500");
  limits.set("layer-bytes=2G");
  limits.set("trailing-bytes=512k");
  EXPECT_EQ(limits.get(Limit::layers), 500U);
  EXPECT_EQ(limits.get(Limit::layer_bytes), 2ULL << 30);
  EXPECT_EQ(limits.get(Limit::trailing_bytes), 512U * 1024);
}

TEST(Limits, BadAssignmentsSayWhatIsExpected) {
  Limits limits;
  EXPECT_NE(test::error_of([&] { limits.set("nonsense=1"); }).find("NAME one of layers,"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { limits.set("layers"); }).find("expected NAME=VALUE"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { limits.set("layers=12G"); }).find("not a positive number"),
            std::string::npos)
      << "a count takes no size suffix";
  EXPECT_NE(test::error_of([&] { limits.set("layers=0"); }).find("not a positive number"),
            std::string::npos);
}

TEST(Limits, ExceededNamesTheLimitAndHowToRaiseIt) {
  const auto message = test::error_of([] { limit_exceeded(Limit::layers, "the image has 300"); });
  EXPECT_NE(message.find("the image has 300 (limit layers=256; raise it with --limit layers=...)"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace imgscap::util
