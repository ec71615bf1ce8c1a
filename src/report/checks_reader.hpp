// SPDX-License-Identifier: Apache-2.0
// Reading RuleChecks out of a parsed results document.
#pragma once

#include <imgscap/report/checks.hpp>

#include <libxml/tree.h>

#include <map>
#include <string>

namespace imgscap::report {

// Rule id (rule-results of the document's last XCCDF TestResult) or, without XCCDF, definition
// id (plain OVAL results) -> its checks. Rules without OVAL checks are absent.
std::map<std::string, RuleChecks> read_rule_checks(xmlDoc* doc);

}  // namespace imgscap::report
