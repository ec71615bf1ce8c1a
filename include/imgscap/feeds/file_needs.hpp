// SPDX-License-Identifier: Apache-2.0
// Which files of an image a feed's tests read: the text files (textfilecontent objects) and
// the files whose existence and attributes they look at (file objects), named by a literal
// absolute path; and whether that is all the feed reads besides the package databases. A fleet
// keeps these files of each image it scans, so that a later feed can be evaluated without the
// image while every file it reads was kept (pipeline/kept.cpp).
#pragma once

#include <imgscap/feeds/index.hpp>

#include <string>
#include <vector>

namespace imgscap::feeds {

struct FileNeeds {
  std::vector<std::string> content;   // absolute paths whose text tests read, sorted, unique
  std::vector<std::string> metadata;  // absolute paths whose existence or attributes they read
  // Why the files above and the package databases do not answer the feed exactly: an object of
  // another kind (rpmverifyfile, environmentvariable58, ...), a path by pattern or variable.
  // "" when they do.
  std::string inexact;
};

// Reads the objects of the feed's tests that are not plain package tests. Throws
// imgscap::Error when the index file cannot be read.
FileNeeds file_needs(const FeedIndex& index);

}  // namespace imgscap::feeds
