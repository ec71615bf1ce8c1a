#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Reads imgscap's CI outputs with their consumers' own tools and checks them against
summary.json (case_ci_formats.sh). Run with Debian's python3: junitparser is Debian's.

    ci_formats.py spec E2E_CACHE OUT.json   a Debian 12 image (by its release files) holding the
                                            debootstrapped Debian 11 dpkg database (make_image.py)
    ci_formats.py check DIR                 DIR's results.sarif, junit.xml and (with a CVE scan)
                                            gl-container-scanning-report.json: valid, and
                                            agreeing with DIR/summary.json

SARIF: Microsoft's multitool (no finding at level error) and the SARIF 2.1.0 schema by ajv.
JUnit: junitparser's counts per suite. GitLab: ajv-cli against GitLab's published schema.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
VALIDATORS = os.path.join(SOURCE, "tests", "validators")
MODULES = os.path.join(VALIDATORS, "node_modules")
MULTITOOL = os.path.join(MODULES, "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
AJV = os.path.join(MODULES, ".bin", "ajv")
GITLAB_SCHEMA = os.path.join(SOURCE, "tests", "data", "gitlab",
                             "container-scanning-report-format.json")
SEVERITY_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note",
                  "negligible": "note", "info": "note", "unknown": "warning"}
SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}


def fail(message):
    sys.exit(f"FAIL: {message}")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def spec(cache, out):
    sys.path.insert(0, HERE)
    from cve_trees import debian11_stanzas, debian_release_files, format_stanzas
    files = dict(debian_release_files("12", "bookworm"))
    files["var/lib/dpkg/status"] = format_stanzas(debian11_stanzas(cache))
    layer = [{"path": p, "content": t} for p, t in sorted(files.items())]
    with open(out, "w") as f:
        json.dump({"config": {"User": "0"}, "layers": [layer]}, f)


def multitool_errors(sarif):
    """The multitool's findings at level error (it exits 0 whatever it finds)."""
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "validation.sarif")
        env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1",
                   DOTNET_CLI_TELEMETRY_OPTOUT="1")
        done = run([MULTITOOL, "validate", sarif, "--output", log, "--log", "ForceOverwrite"],
                   env=env)
        if done.returncode != 0 or not os.path.exists(log):
            fail(f"the SARIF multitool failed ({done.returncode}): {done.stdout}{done.stderr}")
        with open(log) as f:
            validation = json.load(f)
    errors = []
    for r in validation["runs"]:
        rules = r["tool"]["driver"].get("rules", [])
        for inv in r.get("invocations", []):
            if not inv.get("executionSuccessful", True):
                errors.append("the validation did not run to its end")
        for result in r.get("results", []):
            index = result.get("ruleIndex", -1)
            rule = rules[index] if 0 <= index < len(rules) else {}
            level = result.get("level") or rule.get("defaultConfiguration", {}).get(
                "level", "warning")
            if level == "error":
                errors.append(f"{result['ruleId']}: {result['message']}")
    return errors


def result_ids(vulnerability):
    if vulnerability["cves"]:
        return vulnerability["cves"]
    return [vulnerability["advisory"] or vulnerability["definition_id"]]


def check_sarif(directory, summary):
    path = os.path.join(directory, "results.sarif")
    errors = multitool_errors(path)
    if errors:
        fail(f"the SARIF multitool finds errors in {path}: {errors[:5]}")
    done = run(["node", os.path.join(VALIDATORS, "sarif_schema.js"), path])
    if done.returncode != 0:
        fail(f"{path} fails the SARIF 2.1.0 schema: {done.stdout[:2000]}")
    with open(path) as f:
        sarif = json.load(f)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    failed = summary["failed_rules"]
    vulns = summary["vulnerabilities"]
    expected = [r["id"] for r in failed]
    for v in vulns.get("found", []) + vulns.get("not_evaluated", []):
        expected += result_ids(v)
    got = [r["ruleId"] for r in results]
    if sorted(got) != sorted(expected):
        fail(f"SARIF results {sorted(got)[:10]}... are not summary.json's "
             f"{sorted(expected)[:10]}... ({len(got)} vs {len(expected)})")
    for r in results:
        rule = rules[r["ruleIndex"]]
        assert rule["id"] == r["ruleId"], (rule["id"], r["ruleId"])
        severity = r["properties"]["severity"]
        assert r["level"] == SEVERITY_LEVEL[severity], (r["ruleId"], severity, r["level"])
        if severity in SCORE:
            assert rule["properties"]["security-severity"] == SCORE[severity], rule
        assert "security" in rule["properties"]["tags"], rule
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        # GitHub code scanning refuses a URI with any scheme but its checkout's (file).
        assert uri and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri), uri
    waived = {r["id"] for r in failed if r.get("waiver")}
    for v in vulns.get("found", []) + vulns.get("not_evaluated", []):
        waived |= set(result_ids(v)) if v["waiver"] else set(v["cve_waivers"])
    for r in results:  # a waived finding is in the log, suppressed with its reason
        if (r["ruleId"] in waived) != bool(r.get("suppressions")):
            fail(f"SARIF result {r['ruleId']}: suppressions {r.get('suppressions')}")
    by_id = {r["id"]: r for r in failed}
    for r in results:
        if r["ruleId"] in by_id and by_id[r["ruleId"]].get("files"):
            uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert "/" + uri == by_id[r["ruleId"]]["files"][0], (uri, by_id[r["ruleId"]])
    props = run_["properties"]
    assert props["verdict"] == summary["verdict"], props
    assert props["manifestDigest"] == (summary["image"]["manifest_digest"] or ""), props
    assert props["configDigest"] == summary["image"]["config_digest"], props
    return len(results)


def check_junit(directory, summary):
    from junitparser import JUnitXml, Failure, Error, Skipped
    path = os.path.join(directory, "junit.xml")
    try:
        xml = JUnitXml.fromfile(path)
    except Exception as e:  # junitparser raises several kinds for malformed input
        fail(f"junitparser cannot read {path}: {e}")
    suites = {}
    for suite in xml:
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for case in suite:
            counts["tests"] += 1
            kinds = [type(r) for r in case.result]
            if Error in kinds:
                counts["errors"] += 1
            elif Failure in kinds:
                counts["failures"] += 1
            elif Skipped in kinds:
                counts["skipped"] += 1
        for key in counts:  # what the suite declares is what it holds
            declared = getattr(suite, key)
            if declared != counts[key]:
                fail(f"{path}: suite {suite.name} declares {key}={declared}, holds {counts[key]}")
        suites[suite.name] = counts
    evaluations = summary["evaluations"]
    vulns = summary["vulnerabilities"]
    if len(suites) != len(evaluations) + (vulns["status"] != "off"):
        fail(f"{path}: suites {list(suites)} for {len(evaluations)} contents and CVE "
             f"{vulns['status']}")
    for e in evaluations:
        name = f"{e['name']} ({e['profile']['id']})" if e["profile"]["id"] else e["name"]
        want = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for rule in summary["rules"]:
            if rule["evaluation"] != e["name"] or rule["result"] == "notselected":
                continue
            want["tests"] += 1
            problem = rule["result"] in ("fail", "error", "unknown")
            if problem and rule.get("waiver"):  # a waived finding is skipped
                want["skipped"] += 1
            elif rule["result"] == "fail":
                want["failures"] += 1
            elif problem:
                want["errors"] += 1
            elif rule["result"] in ("notapplicable", "notchecked"):
                want["skipped"] += 1
        assert want["tests"] == sum(e["counts"].values()) - e["counts"].get("notselected", 0)
        if suites.get(name) != want:
            fail(f"{path}: suite {name} holds {suites.get(name)}, summary.json says {want}")
    if vulns["status"] == "scanned":
        [cve] = [counts for name, counts in suites.items() if name.startswith("CVE feed")]
        found = sum(not v["waiver"] for v in vulns["found"])
        open_ = sum(not v["waiver"] for v in vulns["not_evaluated"])
        if (cve["failures"], cve["errors"]) != (found, open_):
            fail(f"{path}: CVE suite {cve}, summary.json: {found} found, {open_} not evaluated")
    return sum(c["tests"] for c in suites.values())


def check_gitlab(directory, summary):
    path = os.path.join(directory, "gl-container-scanning-report.json")
    vulns = summary["vulnerabilities"]
    if vulns["status"] == "off":
        if os.path.exists(path):
            fail(f"{path} written for a scan without --cve")
        return 0
    done = run([AJV, "validate", "--spec=draft7", "--strict=false", "--all-errors",
                "-s", GITLAB_SCHEMA, "-d", path])
    if done.returncode != 0:
        fail(f"{path} fails GitLab's schema: {done.stdout}{done.stderr}"[:3000])
    with open(path) as f:
        report = json.load(f)
    expected = sum((len(result_ids(v)) - len(v["cve_waivers"])) * max(1, len(v["packages"]))
                   for v in vulns["found"] if not v["waiver"])
    if len(report["vulnerabilities"]) != expected:
        fail(f"{path}: {len(report['vulnerabilities'])} vulnerabilities, expected {expected}")
    ids = [v["id"] for v in report["vulnerabilities"]]
    assert len(set(ids)) == len(ids), "vulnerability ids repeat"
    assert report["scan"]["status"] == ("success" if vulns["status"] == "scanned" else "failure")
    return expected


def check(directory):
    with open(os.path.join(directory, "summary.json")) as f:
        summary = json.load(f)
    figures = (check_sarif(directory, summary), check_junit(directory, summary),
               check_gitlab(directory, summary))
    print("sarif results %d, junit tests %d, gitlab vulnerabilities %d" % figures)


if __name__ == "__main__":
    if sys.argv[1] == "spec":
        spec(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "check":
        check(sys.argv[2])
    else:
        sys.exit(__doc__)
