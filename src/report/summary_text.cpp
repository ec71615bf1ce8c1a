// SPDX-License-Identifier: Apache-2.0
// The failure summary as text (summary.txt, stdout).
#include <imgscap/report/summary.hpp>
#include <imgscap/util/text.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace imgscap::report {
namespace {

const char* const k_result_order[] = {"fail",          "error",      "unknown",       "pass",
                                      "notapplicable", "notchecked", "informational", "fixed"};

std::string counts_line(const std::map<std::string, int>& counts) {
  std::vector<std::string> parts;
  for (const char* result : k_result_order) {
    const auto it = counts.find(result);
    parts.push_back(fmt::format("{} {}", it == counts.end() ? 0 : it->second, result));
  }
  for (const auto& entry : counts) {
    const auto& result = entry.first;
    if (std::find_if(std::begin(k_result_order), std::end(k_result_order),
                     [&result](const char* r) { return result == r; }) ==
        std::end(k_result_order)) {
      parts.push_back(fmt::format("{} {}", entry.second, result));
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string os_line(const OsFacts& os) {
  if (!os.known) {
    return "unknown (no etc/os-release in the image)";
  }
  return fmt::format("{} (ID={} VERSION_ID={})", os.pretty_name.empty() ? os.id : os.pretty_name,
                     os.id, os.version_id);
}

std::string severity_counts_line(const std::vector<Vulnerability>& found) {
  std::map<Severity, int> counts;
  for (const auto& v : found) {
    ++counts[severity_of(v.severity)];
  }
  std::vector<std::string> parts;
  for (const auto severity : k_severities_worst_first) {
    if (const auto it = counts.find(severity); it != counts.end()) {
      parts.push_back(fmt::format("{} {}", it->second, severity_name(severity)));
    }
  }
  return parts.empty() ? std::string("none") : fmt::format("{}", fmt::join(parts, ", "));
}

std::string waived_line(const Waiver& w) {
  return fmt::format("WAIVED until {}{}: {}", w.expires, w.owner.empty() ? "" : " by " + w.owner,
                     w.reason);
}

// What became of each waiver that concerns the image.
std::string waivers_text(const Summary& s) {
  if (s.waivers.empty()) {
    return {};
  }
  std::string out = fmt::format("\nWaivers ({}, {}):\n", s.waivers.size(), s.waivers_file);
  for (const auto& use : s.waivers) {
    const auto& w = use.waiver;
    std::string what;
    if (use.status == "applied") {
      what = fmt::format("waives {}", fmt::join(use.findings, ", "));
    } else if (use.status == "expired") {
      what = use.findings.empty()
                 ? std::string("matches nothing")
                 : fmt::format("no longer waives {}", fmt::join(use.findings, ", "));
    } else {
      what = "matches no finding of this image";
    }
    out += fmt::format("  {:<8} {} (line {}, expires {}): {}\n", use.status, w.id, w.line,
                       w.expires, what);
  }
  return out;
}

std::string package_line(const AffectedPackage& p) {
  std::string line =
      fmt::format("{}: installed {}, {}{}", p.name, p.installed.empty() ? "?" : p.installed,
                  p.fixed.empty() ? std::string("no fix yet") : "fixed in " + p.fixed,
                  p.state.empty() ? std::string() : " (" + p.state + ")");
  if (!p.binaries.empty()) {
    std::vector<std::string> built;
    for (const auto& b : p.binaries) {
      built.push_back(b.name + " " + b.version);
    }
    line +=
        fmt::format("\n               source package of the installed {}", fmt::join(built, ", "));
  }
  return line;
}

std::string vulnerabilities_text(const Summary& s) {
  const auto& v = s.vulnerabilities;
  std::string out;
  const auto add = [&out](std::string_view key, std::string_view value) {
    out += fmt::format("{:<10} {}\n", key, value);
  };
  out += "\n";
  if (v.status == "off") {
    add("CVE scan:", "off (--cve auto scans with the distributor's OVAL feed)");
    return out;
  }
  if (v.status == "unsupported") {
    add("CVE scan:", "not done: " + v.reason);
    return out;
  }
  add("CVE scan:", fmt::format("{} ({})", v.feed.name.empty() ? v.feed.path : "feed " + v.feed.name,
                               v.feed.source));
  if (!v.reason.empty()) {
    add("", v.reason);
  }
  add("", fmt::format("{}; {} definitions{}{}", v.feed.how, v.feed.definitions,
                      v.feed.generated.empty() ? "" : ", generated " + v.feed.generated,
                      v.feed.age_seconds < 0 ? std::string()
                                             : ", last known current " +
                                                   util::format_age(v.feed.age_seconds) + " ago"));
  for (const auto& warning : v.warnings) {
    add("Warning:", warning);
  }
  if (v.status == "not_evaluated") {
    add("", "NOT EVALUATED: " + v.reason);
    return out;
  }
  if (v.feed.dpkg_names == "source") {
    add("",
        "the feed names dpkg source packages: answered from the image's source packages "
        "(each binary's Source field and source version)");
  }
  add("", fmt::format("OpenSCAP evaluated {} definitions; imgscap settled {} as false without "
                      "evaluation (only packages the image lacks could make them true)",
                      v.by_openscap, v.settled));
  const auto unfixed = std::count_if(v.results.found.begin(), v.results.found.end(),
                                     [](const Vulnerability& one) { return one.unfixed(); });
  add("", fmt::format("{} vulnerable ({}), {} of them with no fix yet{}; {} could not be "
                      "evaluated",
                      v.results.found.size(), severity_counts_line(v.results.found), unfixed,
                      v.ignore_unfixed && unfixed > 0 ? " (--ignore-unfixed: not counted)" : "",
                      v.results.not_evaluated.size()));
  if (!v.results.found.empty() || !v.results.not_evaluated.empty()) {
    out += fmt::format("\nVulnerabilities ({}), worst first:\n",
                       v.results.found.size() + v.results.not_evaluated.size());
    for (const auto* list : {&v.results.found, &v.results.not_evaluated}) {
      for (const auto& one : *list) {
        out += fmt::format("  {:<10} {}{}{}\n", one.severity,
                           one.advisory.empty() ? one.definition_id : one.advisory,
                           one.cves.empty() ? "" : "  ", fmt::join(one.cves, ", "));
        if (one.result != "true") {
          out += fmt::format("             could not be evaluated (OVAL result {})\n", one.result);
        }
        for (const auto& p : one.packages) {
          out += fmt::format("             {}\n", package_line(p));
        }
        if (!one.title.empty()) {
          out += fmt::format("             {}\n", one.title);
        }
        if (one.waiver) {
          out += fmt::format("             {}\n", waived_line(*one.waiver));
        } else {
          for (const auto& [cve, w] : one.cve_waivers) {
            out += fmt::format("             {} {}\n", cve, waived_line(w));
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

std::string render_text(const Summary& s) {
  std::string out;
  const auto add = [&out](std::string_view key, std::string_view value) {
    out += fmt::format("{:<10} {}\n", key, value);
  };
  add("Image:", s.image.reference);
  if (!s.image.registry.empty()) {
    add("Pulled:", fmt::format("registry {}, repository {}{}", s.image.registry, s.image.repository,
                               s.image.tag.empty() ? "" : ", tag " + s.image.tag));
  }
  if (!s.image.manifest_digest.empty()) {
    add("Manifest:", s.image.manifest_digest);
  }
  if (!s.image.platform.empty()) {
    add("Platform:", s.image.platform);
  }
  if (!s.image.config_digest.empty()) {
    add("Config:", s.image.config_digest);
  }
  add("OS:", os_line(s.os));
  const bool several = s.evaluations.size() > 1;
  for (const auto& e : s.evaluations) {
    add("Content:", fmt::format("{}{} ({}, sha256:{})", several ? "[" + e.name + "] " : "",
                                e.content_path, e.content_kind, e.content_sha256));
    if (!e.reason.empty()) {
      add("", e.reason);
    }
    if (e.content_kind != "OVAL definitions") {
      add("Profile:", e.profile_id.empty()
                          ? std::string("(default)")
                          : fmt::format("{}{}", e.profile_id,
                                        e.profile_title.empty() ? "" : " - " + e.profile_title));
    }
    if (!e.tailoring_file.empty()) {
      add("Tailoring:", e.tailoring_file);
    }
    if (several) {
      add("Results:", counts_line(e.counts));
    }
  }
  for (const auto& note : s.content_notes) {
    add("Content:", note);
  }
  add("Target:", s.container_marker.empty()
                     ? std::string("evaluated as a machine (no container marker)")
                     : fmt::format("evaluated as a container (/{} {})", s.container_marker,
                                   s.container_marker_origin == "image" ? "present in the image"
                                                                        : "added by imgscap"));
  add("Sandbox:", s.sandbox.isolated ? fmt::format("isolated ({})", s.sandbox.user_namespace)
                                     : s.sandbox.user_namespace);
  add(several ? "Total:" : "Results:", counts_line(s.results.counts()));
  if (const auto runtime = s.runtime_only(); !runtime.empty()) {
    add("Runtime:", fmt::format("{} rule{} check only a running system (kernel, processes, "
                                "network): not applicable to an image, not counted as failures",
                                runtime.size(), runtime.size() == 1 ? "" : "s"));
  }
  for (const auto& note : s.notes) {
    add("Note:", note);
  }
  if (!s.sandbox.ownership_kept) {
    const auto affected = s.ownership_dependent();
    out += fmt::format(
        "\nWarning: file owners in the scanned tree are not the image's ({}). These {} rule "
        "results compare file owners and may be wrong:\n",
        s.sandbox.ownership_limit, affected.size());
    for (const auto& rule : affected) {
      out += fmt::format("  {:<13} {}\n", rule.result, rule.id);
    }
  }
  const auto problems = s.problems();
  if (!problems.empty()) {
    out += fmt::format("\nFailed or errored rules ({}), worst first:\n", problems.size());
    for (const auto& rule : problems) {
      out += fmt::format("  {:<7} {:<6} {}\n          {}\n", rule.severity, rule.result, rule.id,
                         rule.title);
      if (!rule.reason.empty()) {
        out += fmt::format("          reason: {}\n", rule.reason);
      }
      if (rule.waiver) {
        out += fmt::format("          {}\n", waived_line(*rule.waiver));
      }
    }
  }
  out += vulnerabilities_text(s);
  out += waivers_text(s);
  const auto failures = s.failures();
  const auto vulnerable = s.vulnerability_failures();
  auto verdict = verdict_name(s);
  std::transform(verdict.begin(), verdict.end(), verdict.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  out += fmt::format(
      "\nVerdict: {} (--fail-on {}: {} rule{} at or above the threshold failed or "
      "could not be evaluated{}){}{}\n",
      verdict, fail_on_name(s.fail_on), failures.size(), failures.size() == 1 ? "" : "s",
      s.vulnerabilities.status == "off"
          ? std::string()
          : fmt::format(", {} vulnerabilit{} at or above it found", vulnerable.size(),
                        vulnerable.size() == 1 ? "y" : "ies"),
      s.os.known ? "" : "; the OS is unknown, so only OS-independent rules were evaluated",
      s.vulnerabilities.status == "unsupported"
          ? "; no CVE feed for this OS, so no vulnerability scan (exit code 4)"
          : "");
  return out;
}

}  // namespace imgscap::report
