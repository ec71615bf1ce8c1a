// SPDX-License-Identifier: Apache-2.0
// util/text: splitting on a separator (settings' comma lists, completions' metavariables).
#include <imgscap/util/text.hpp>

#include <gtest/gtest.h>

namespace imgscap::util {
namespace {

using Pieces = std::vector<std::string>;

TEST(Split, KeepsEmptyPiecesAndTheLastOne) {
  EXPECT_EQ(split("auto|FILE|URL|off", '|'), (Pieces{"auto", "FILE", "URL", "off"}));
  EXPECT_EQ(split("a,,b,", ','), (Pieces{"a", "", "b", ""}));
  EXPECT_EQ(split("", ','), (Pieces{""}));
  EXPECT_EQ(split("one", ','), (Pieces{"one"}));
}

}  // namespace
}  // namespace imgscap::util
