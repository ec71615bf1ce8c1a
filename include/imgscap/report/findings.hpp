// SPDX-License-Identifier: Apache-2.0
// Corrections imgscap makes to what libopenscap reported, from what each rule's checks look at:
// a rule that used a probe known to be broken in this evaluation is an error (not the pass or
// fail the probe's silence produced), and a rule that only looks at a running system does not
// apply to an image. Every correction carries its reason.
#pragma once

#include <imgscap/report/checks.hpp>
#include <imgscap/report/results.hpp>

#include <map>
#include <string>
#include <vector>

namespace imgscap::report {

// Probe kinds that could not be trusted in this evaluation -> why ("dpkginfo" -> "the dpkg
// database could not be read: ...").
using BrokenProbes = std::map<std::string, std::string>;

struct ResultChange {
  std::string id;
  std::string result;   // the corrected XCCDF result
  std::string message;  // the reason, written into the results file
};

// Fills each rule's reason, runtime_only and uses_ownership from `checks`, applies the
// corrections to `results` and returns them for the results file.
std::vector<ResultChange> apply_findings(Results& results,
                                         const std::map<std::string, RuleChecks>& checks,
                                         const BrokenProbes& broken);

}  // namespace imgscap::report
