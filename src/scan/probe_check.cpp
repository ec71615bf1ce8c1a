// SPDX-License-Identifier: Apache-2.0
// The package-probe check: before trusting dpkginfo/rpminfo results, ask the probes in the same
// environment for packages the image is known to have. A probe that cannot read a database
// reports every package as absent, which content would take as "not installed".
#include "probe_check.hpp"
#include "child.hpp"
#include "environment.hpp"
#include "oscap_session.hpp"

#include <imgscap/scan/evaluate.hpp>
#include <imgscap/util/error.hpp>
#include <imgscap/util/files.hpp>
#include <imgscap/util/xml.hpp>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace imgscap::scan {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_check_file = "probe-check.xml";
constexpr const char* k_check_results = "probe-check-results.xml";

}  // namespace

std::string canary_definitions(const std::string& dpkg_package, bool rpm) {
  std::string definitions;
  std::string tests;
  std::string objects;
  if (!dpkg_package.empty()) {
    definitions += fmt::format(
        R"(<definition class="inventory" id="{}" version="1"><metadata><title>dpkg database readable</title><description>imgscap probe check</description></metadata><criteria><criterion test_ref="oval:imgscap.probecheck:tst:1"/></criteria></definition>)",
        k_canary_def_dpkg);
    tests +=
        R"(<linux:dpkginfo_test check="all" check_existence="at_least_one_exists" id="oval:imgscap.probecheck:tst:1" version="1" comment="package installed"><linux:object object_ref="oval:imgscap.probecheck:obj:1"/></linux:dpkginfo_test>)";
    objects += fmt::format(
        R"(<linux:dpkginfo_object id="oval:imgscap.probecheck:obj:1" version="1"><linux:name>{}</linux:name></linux:dpkginfo_object>)",
        dpkg_package);
  }
  std::string variables;
  if (rpm) {
    // Listing works without the database's indexes but lookups by name (what CVE content
    // does) do not, so look every listed name up again by name.
    definitions += fmt::format(
        R"(<definition class="inventory" id="{}" version="1"><metadata><title>rpm database readable</title><description>imgscap probe check</description></metadata><criteria><criterion test_ref="oval:imgscap.probecheck:tst:2"/><criterion test_ref="oval:imgscap.probecheck:tst:3"/></criteria></definition>)",
        k_canary_def_rpm);
    tests +=
        R"(<linux:rpminfo_test check="all" check_existence="at_least_one_exists" id="oval:imgscap.probecheck:tst:2" version="1" comment="packages listed"><linux:object object_ref="oval:imgscap.probecheck:obj:2"/></linux:rpminfo_test>)"
        R"(<linux:rpminfo_test check="all" check_existence="at_least_one_exists" id="oval:imgscap.probecheck:tst:3" version="1" comment="listed packages found by name"><linux:object object_ref="oval:imgscap.probecheck:obj:3"/></linux:rpminfo_test>)";
    objects +=
        R"(<linux:rpminfo_object id="oval:imgscap.probecheck:obj:2" version="1"><linux:name operation="pattern match">.</linux:name></linux:rpminfo_object>)"
        R"(<linux:rpminfo_object id="oval:imgscap.probecheck:obj:3" version="1"><linux:name var_ref="oval:imgscap.probecheck:var:1" var_check="at least one"/></linux:rpminfo_object>)";
    variables +=
        R"(<local_variable id="oval:imgscap.probecheck:var:1" datatype="string" version="1" comment="listed names"><object_component item_field="name" object_ref="oval:imgscap.probecheck:obj:2"/></local_variable>)";
  }
  return fmt::format(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" xmlns:linux="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
<generator><oval:product_name>imgscap</oval:product_name><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
<definitions>{}</definitions><tests>{}</tests><objects>{}</objects>{}
</oval_definitions>
)",
      definitions, tests, objects,
      variables.empty() ? std::string() : "<variables>" + variables + "</variables>");
}

namespace {

// Evaluates the canaries; their OVAL results (with the items the probes collected) are written
// to k_check_results.
void run_canary(int fd, const Target& target, const std::vector<const char*>& ids) {
  const auto entered = enter_evaluation(target, {});
  const auto file = entered.view.place("eval") / k_check_file;
  const auto results = entered.view.place("eval") / k_check_results;
  OvalSessionPtr session(oval_session_new(file.c_str()));
  if (!session || oval_session_load(session.get()) != 0) {
    fail_oscap("cannot load the package probe check");
  }
  oval_session_set_results_export(session.get(), results.c_str());
  nlohmann::json done;
  for (const char* id : ids) {
    oval_result_t result = OVAL_RESULT_NOT_EVALUATED;
    if (oval_session_evaluate_id(session.get(), id, &result) == 0) {
      done[id] = oval_result_get_text(result);
    }
  }
  if (oval_session_export(session.get()) != 0 || !fs::exists(results)) {
    fail_oscap("cannot write the package probe check's results");
  }
  send_line(fd, "done", done.dump());
}

// The names of the rpminfo items the check collected: every package the probe lists.
std::vector<std::string> listed_rpm_names(const fs::path& results) {
  std::vector<std::string> names;
  const auto reader = util::xml::open_reader(results);
  if (!reader) {
    fail("cannot open {}", results.string());
  }
  bool in_item = false;
  int status = 0;
  while ((status = xmlTextReaderRead(reader.get())) == 1) {
    const int type = xmlTextReaderNodeType(reader.get());
    const auto name = util::xml::str(xmlTextReaderConstLocalName(reader.get()));
    if (type == XML_READER_TYPE_ELEMENT && name == "rpminfo_item") {
      in_item = xmlTextReaderIsEmptyElement(reader.get()) == 0;
    } else if (type == XML_READER_TYPE_END_ELEMENT && name == "rpminfo_item") {
      in_item = false;
    } else if (type == XML_READER_TYPE_ELEMENT && in_item && name == "name") {
      xmlChar* text = xmlTextReaderReadString(reader.get());
      names.push_back(util::xml::str(text));
      xmlFree(text);
    }
  }
  if (status != 0) {
    fail("{}: not well-formed XML{}", results.string(), util::xml::last_error());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

// "" when the probe check found the package, else why the probe cannot be trusted.
std::string canary_problem(const nlohmann::json& results, const char* id) {
  if (!results.contains(id)) {
    return "the probe check was not evaluated";
  }
  const std::string result = results[id];
  if (result == "true") {
    return {};
  }
  return fmt::format(
      "the OpenSCAP probe cannot read it (probe check result: {}); it would report every "
      "package as not installed",
      result);
}

}  // namespace

PackageProbeProblems check_package_probes(const Target& target) {
  const auto& packages = target.packages;
  PackageProbeProblems problems;
  if (packages.rpm == RpmBackend::ndb) {
    problems.rpm =
        "the image's rpm database (var/lib/rpm/Packages.db, ndb format, as SUSE writes it) "
        "cannot be read by this host's librpm";
  }
  const bool dpkg = !packages.dpkg_probe_package.empty();
  const bool rpm = packages.rpm == RpmBackend::sqlite || packages.rpm == RpmBackend::bdb;
  if (!dpkg && !rpm) {
    return problems;
  }
  util::write_file(target.private_dir / k_check_file,
                   canary_definitions(packages.dpkg_probe_package, rpm));
  std::vector<const char*> ids;
  if (dpkg) {
    ids.push_back(k_canary_def_dpkg);
  }
  if (rpm) {
    ids.push_back(k_canary_def_rpm);
  }
  const auto done = run_in_child([&](int fd) { run_canary(fd, target, ids); },
                                 target.private_dir / "probe-check.log",
                                 [](std::string_view, std::string_view) {});
  const auto results = nlohmann::json::parse(done);
  if (dpkg) {
    if (const auto why = canary_problem(results, k_canary_def_dpkg); !why.empty()) {
      problems.dpkg = "the dpkg database (var/lib/dpkg/status): " + why;
    }
  }
  if (rpm) {
    if (const auto why = canary_problem(results, k_canary_def_rpm); !why.empty()) {
      problems.rpm = fmt::format("the rpm database (var/lib/rpm, {}): {}",
                                 rpm_backend_name(packages.rpm), why);
    } else {
      problems.rpm_packages = listed_rpm_names(target.private_dir / k_check_results);
    }
  }
  return problems;
}

}  // namespace imgscap::scan
