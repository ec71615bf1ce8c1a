// SPDX-License-Identifier: Apache-2.0
// What each rule's OVAL checks look at, read from a results document (ARF or OVAL results):
// the probes its objects need, what the probes reported while collecting, and whether it
// compares file owners. The summary uses it to say why a rule errored, which rules only look at a
// running system, and which results depend on file ownership.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::report {

struct RuleChecks {
  std::set<std::string> probes;       // object kinds: "dpkginfo", "textfilecontent54", ...
  std::vector<std::string> messages;  // what collection reported for objects that failed
  bool uses_ownership = false;        // a state compares owners (user_id, group_id)
  std::vector<std::string> files;     // the files its file objects name by a literal path
};

// Object kinds that only describe a running system (kernel, processes, network, mounts,
// services): an image has none of it, whatever OpenSCAP answers.
bool is_runtime_probe(std::string_view kind);

// Object kinds whose probe chroots into the root (needs CAP_SYS_CHROOT; OpenSCAP aborts without).
bool is_chroot_probe(std::string_view kind);

// Object kinds read from the package databases.
bool is_dpkg_probe(std::string_view kind);
bool is_rpm_probe(std::string_view kind);

std::vector<std::string> rpm_probe_kinds();
std::vector<std::string> chroot_probe_kinds();

// The checks of every rule (XCCDF) or definition (plain OVAL) of a content file, before
// evaluation. Throws imgscap::Error when it cannot be parsed.
std::map<std::string, RuleChecks> read_content_checks(const std::filesystem::path& content);

}  // namespace imgscap::report
