// SPDX-License-Identifier: Apache-2.0
// The package-probe check's OVAL, shared with the CVE evaluation (which checks its dpkg view).
#pragma once

#include <string>

namespace imgscap::scan {

constexpr const char* k_canary_def_dpkg = "oval:imgscap.probecheck:def:1";
constexpr const char* k_canary_def_rpm = "oval:imgscap.probecheck:def:2";

// OVAL definitions asking the dpkginfo probe for `dpkg_package` (none when empty) and the
// rpminfo probe for every listed package by name (when `rpm`).
std::string canary_definitions(const std::string& dpkg_package, bool rpm);

}  // namespace imgscap::scan
