// SPDX-License-Identifier: Apache-2.0
// Tests for digest parsing, hashing and the verifying stream.
#include "support/tar_builder.hpp"

#include <imgscap/util/digest.hpp>
#include <imgscap/util/error.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace imgscap::util {
namespace {

using test::StringStream;

constexpr const char* k_abc_sha256 =
    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Digest, ParsesValidSha256) {
  const auto d = Digest::parse(k_abc_sha256);
  EXPECT_EQ(d.algorithm(), "sha256");
  EXPECT_EQ(d.hex().size(), 64U);
  EXPECT_EQ(d.short_str(), "sha256:ba7816bf8f01");
}

TEST(Digest, RejectsTraversalAndBadForms) {
  for (const char* bad :
       {"sha256:../..", "sha256:", "md5:abc",
        "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "sha256:ba78/6bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}) {
    EXPECT_FALSE(Digest::is_valid(bad)) << bad;
    EXPECT_THROW(Digest::parse(bad), Error) << bad;
  }
}

TEST(Digest, HashesKnownVector) { EXPECT_EQ(sha256_of("abc").str(), k_abc_sha256); }

TEST(VerifyingStream, PassesMatchingData) {
  VerifyingStream s(std::make_unique<StringStream>("abc"), Digest::parse(k_abc_sha256), 3);
  std::byte buf[2];
  std::size_t total = 0;
  while (const auto n = s.read(buf)) {
    total += n;
  }
  EXPECT_EQ(total, 3U);
}

TEST(VerifyingStream, DetectsDigestMismatch) {
  VerifyingStream s(std::make_unique<StringStream>("abd"), Digest::parse(k_abc_sha256), 3);
  std::byte buf[8];
  EXPECT_EQ(s.read(buf), 3U);
  try {
    (void)s.read(buf);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("digest mismatch"), std::string::npos) << e.what();
  }
}

TEST(VerifyingStream, DetectsSizeMismatch) {
  VerifyingStream s(std::make_unique<StringStream>("abc"), Digest::parse(k_abc_sha256), 2);
  std::byte buf[8];
  EXPECT_THROW((void)s.read(buf), Error);
}

}  // namespace
}  // namespace imgscap::util
