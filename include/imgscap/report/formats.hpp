// SPDX-License-Identifier: Apache-2.0
// The summary in the formats other tools read: SARIF 2.1.0 (GitHub code scanning and SARIF
// viewers; sarif.cpp), JUnit XML (CI test reports; junit.cpp) and GitLab's container-scanning
// report (gitlab.cpp). Renderers of the same model as summary_text.cpp and summary_json.cpp:
// they decide nothing the summary does not (verdicts, thresholds and severities come from it and
// from severity.hpp).
#pragma once

#include <imgscap/report/rule_docs.hpp>
#include <imgscap/report/summary.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace imgscap::report {

// One SARIF run: a result per failed, errored or unknown rule, per CVE of each vulnerability
// found (the definition id in its properties) and per CVE of each definition that could not be
// evaluated; the rules they name with their documentation from `docs` (by rule id).
nlohmann::json to_sarif(const Summary& summary, const RuleDocs& docs);

// <testsuites>: a <testsuite> per evaluated content (a <testcase> per rule: failure, error, or
// skipped for results that do not apply) and one for the CVE feed (a <testcase> per definition
// found or not evaluated; one passing case when none was).
std::string to_junit(const Summary& summary);

// GitLab's container-scanning report (schema 15.2): a vulnerability per CVE of each definition
// found, per affected package. Only for a scan that asked for a CVE feed (status not "off").
nlohmann::json to_gitlab_container_scanning(const Summary& summary);

}  // namespace imgscap::report
