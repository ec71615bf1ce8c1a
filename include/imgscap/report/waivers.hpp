// SPDX-License-Identifier: Apache-2.0
// Waivers: findings a team accepts for a while, with a reason (--waivers FILE, or
// .imgscap-waivers.yaml in the current directory). A waiver that applies marks the finding as
// waived: it is still reported, with the reason, but does not count toward the verdict; one
// past its date no longer applies and is reported as expired; one that concerns the image but
// matches nothing is reported as unused.
//
//   waivers:
//     - id: accounts_tmout              # XCCDF rule id or its name after "_rule_", a CVE, an
//                                       # advisory (DSA-5000-1) or an OVAL definition id
//       images: ["registry.example/app:*", "sha256:4f2a*"]   # optional: globs on the image's
//                                       # reference, manifest digest or config digest
//       reason: "sessions are ended by the proxy"            # required
//       expires: 2027-03-31             # required: applies through that day (UTC)
//       owner: platform-team            # optional: the ARF override's authority
#pragma once

#include <imgscap/report/results.hpp>
#include <imgscap/report/vulnerabilities.hpp>
#include <imgscap/report/waiver.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imgscap::report {

struct ImageFacts;

struct Waivers {
  std::string file;    // as given ("" when none)
  std::string sha256;  // of the file's bytes
  std::vector<Waiver> entries;
};

// Parses a waivers file. Throws imgscap::Error naming the file and the line of what is wrong
// (YAML syntax, an unknown key, a missing id/reason/expires, a date that is not YYYY-MM-DD).
Waivers parse_waivers(std::string_view text, const std::string& file);
Waivers read_waivers(const std::filesystem::path& file);

// How one waiver stood in one scan.
struct WaiverUse {
  Waiver waiver;
  std::string status;                 // "applied", "expired", "unused"
  std::vector<std::string> findings;  // rule ids, CVEs or definition ids it matched
};

// The waivers that concern one image (their image globs match it) on one day.
class ImageWaivers {
 public:
  ImageWaivers() = default;
  // `today`: YYYY-MM-DD (UTC).
  ImageWaivers(const Waivers& waivers, const ImageFacts& image, std::string today);

  // The waiver in force for a rule or a vulnerability, if any (the first in the file).
  [[nodiscard]] const Waiver* for_rule(const std::string& rule_id) const;
  // By the definition's id or advisory.
  [[nodiscard]] const Waiver* for_definition(const Vulnerability& v) const;
  [[nodiscard]] const Waiver* for_cve(const std::string& cve) const;

  // Every waiver of the image with its status, from the findings of a finished summary.
  [[nodiscard]] std::vector<WaiverUse> uses(const std::vector<RuleResult>& rules,
                                            const std::vector<Vulnerability>& found,
                                            const std::vector<Vulnerability>& not_evaluated) const;
  [[nodiscard]] bool empty() const { return m_waivers.empty(); }

 private:
  [[nodiscard]] bool in_force(const Waiver& w) const { return w.expires >= m_today; }
  std::vector<Waiver> m_waivers;
  std::string m_today;
};

// Whether a waiver's id names the rule / the vulnerability.
bool names_rule(const Waiver& waiver, const std::string& rule_id);
bool names_vulnerability(const Waiver& waiver, const Vulnerability& v);

// Marks the failed rules and the vulnerabilities the waivers in force cover (RuleResult::waiver;
// Vulnerability::cve_waivers, and Vulnerability::waiver for the definition named by its id or
// advisory or with every CVE waived). Returns the rules newly waived.
std::vector<RuleResult> waive_rules(std::vector<RuleResult>& rules, const ImageWaivers& waivers);
void waive_vulnerabilities(VulnerabilityResults& results, const ImageWaivers& waivers);

// What a stored result's reuse depends on: the file's bytes and which of its waivers have
// expired by `today` (a waiver expiring makes a stored verdict stale).
std::string waivers_state(const Waivers& waivers, const std::string& today);

// Today's date in UTC, YYYY-MM-DD.
std::string utc_today();

}  // namespace imgscap::report
