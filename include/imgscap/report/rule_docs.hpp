// SPDX-License-Identifier: Apache-2.0
// What a rule says of itself, for the formats that show it beside a finding (SARIF's rules):
// an XCCDF Rule's description, rationale and references, or an OVAL definition's description
// and references, read back from the results file libopenscap wrote (ARF or OVAL results).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace imgscap::report {

struct RuleReference {
  std::string text;  // "CCE-80000-1", "NIST-800-53 AC-6", the reference's own words
  std::string url;   // "" when it has none
};

struct RuleDoc {
  std::string description;  // plain text (XHTML flattened, whitespace collapsed); "" when none
  std::string rationale;
  std::vector<RuleReference> references;
};

using RuleDocs = std::map<std::string, RuleDoc>;

// The documentation of the rules or definitions named in `ids`, in one streaming pass over the
// file (XCCDF Rule elements by id, else OVAL definition elements by id). Ids it does not hold are
// absent from the result. Throws imgscap::Error when the file cannot be read.
RuleDocs read_rule_docs(const std::filesystem::path& results_file,
                        const std::set<std::string>& ids);

}  // namespace imgscap::report
