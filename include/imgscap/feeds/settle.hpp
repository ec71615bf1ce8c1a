// SPDX-License-Identifier: Apache-2.0
// Settling definitions without OpenSCAP, exactly: a dpkginfo or rpminfo test whose object asks
// only for packages the image does not have always gets the same result from OpenSCAP 1.3.7
// (the probe collects no item, the object's flag is "does not exist", and the test is true for
// check_existence none_exist and any_exist, false otherwise, whatever its check and states).
// Those results are folded up each definition's criteria with OpenSCAP's own operator tables
// (negation and extend_definition included), every other test counting as "any result". A
// definition whose criteria come out false whatever the other tests give is settled false;
// every other definition goes to OpenSCAP.
#pragma once

#include <imgscap/feeds/index.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace imgscap::feeds {

// What the package probes find on the image. nullopt: unknown (that probe's tests are never
// settled, e.g. when the image has no such database or its probe failed the check).
struct InstalledPackages {
  // Names of every stanza of the dpkg status file the dpkginfo probe reads (compared regardless
  // of case, as libapt looks names up).
  std::optional<std::unordered_set<std::string>> dpkg;
  // Names of the packages the rpminfo probe lists (it looks names up exactly).
  std::optional<std::unordered_set<std::string>> rpm;
  std::string dpkg_meaning = "dpkg package";  // "dpkg source package" for Debian's feeds
};

struct SettledDefinition {
  std::uint32_t definition = 0;  // index into FeedIndex::definitions
  std::string message;           // how it was settled, for the results file
};

struct Settlement {
  std::vector<std::uint32_t> evaluate;     // definitions for OpenSCAP, in document order
  std::vector<SettledDefinition> settled;  // definitions false without evaluation
};

// OpenSCAP's results for some tests or definitions (element index -> OVAL result text, as
// "true", "not applicable"), known from an evaluation of the release checks on the same image.
using KnownResults = std::map<std::uint32_t, std::string>;

// Settles what it can. The definitions holding the feed's release checks are always evaluated
// (one per check), so that the check's result is known.
Settlement settle(const FeedIndex& index, const InstalledPackages& installed,
                  const KnownResults& known = {});

// The first definition naming each release check (directly or as the check itself).
std::vector<std::uint32_t> release_check_holders(const FeedIndex& index);

// Every definition to OpenSCAP (--cve-full-evaluation).
Settlement evaluate_everything(const FeedIndex& index);

// Writes an OVAL definitions document with the given definitions and every element they refer
// to, directly or through other elements, as the feed declares them. Throws imgscap::Error.
void write_subset(const FeedIndex& index, const std::vector<std::uint32_t>& definitions,
                  const std::filesystem::path& file);

}  // namespace imgscap::feeds
