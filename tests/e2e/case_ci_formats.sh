#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# SARIF, JUnit and GitLab's container-scanning report of real scans, read by their consumers'
# tools (tests/e2e/ci_formats.py): a compliance scan of the debootstrapped Debian 11 image with
# the default content, and a CVE scan with the real bookworm feed of an image whose Debian 11
# packages are older than bookworm's fixes. Each output agrees with summary.json; --format
# prints the file the scan wrote; the formats that need a CVE scan or one image say so.
# ctest-cost: 25
source "$(dirname "$0")/lib.sh"
check="$IMGSCAP_SOURCE_DIR/tests/e2e/ci_formats.py"
modules="$IMGSCAP_SOURCE_DIR/tests/validators/node_modules"
if [ ! -x "$modules/@microsoft/sarif-multitool-linux/Sarif.Multitool" ] || [ ! -x "$modules/.bin/ajv" ] ||
  ! /usr/bin/python3 -c 'import junitparser' 2>/dev/null; then
  echo "SKIP: the validators are not installed (scripts/install-deps)" >&2
  exit 77
fi
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"

# Compliance: the default content (the baseline and SSG's Debian 11 profile).
run_imgscap scan --format sarif -o "$CASE_DIR/compliance" "oci:$DEBIAN11_OCI_LAYOUT"
[ "$RC" -eq 2 ] || [ "$RC" -eq 3 ] || die "compliance scan: exit $RC $(cat "$ERR")"
cmp -s "$OUT" "$CASE_DIR/compliance/results.sarif" || die "--format sarif printed another SARIF"
/usr/bin/python3 "$check" check "$CASE_DIR/compliance"
python3 - "$CASE_DIR/compliance" <<'PY'
import json, sys
d = sys.argv[1]
summary = json.load(open(f"{d}/summary.json"))
sarif = json.load(open(f"{d}/results.sarif"))
run = sarif["runs"][0]
assert summary["failed_rules"], "the compliance scan found nothing to report"
# A rule of SSG's content carries its documentation; a rule whose check reads a file of the
# image is located at that file under the image's root.
ssg = [r for r in run["tool"]["driver"]["rules"] if r["properties"]["evaluation"].startswith("ssg")]
assert ssg and all(r["fullDescription"]["text"] != r["shortDescription"]["text"] for r in ssg), ssg
assert any(r["properties"]["references"] for r in ssg), "no references in SSG's rules"
located = [r for r in run["results"]
           if r["locations"][0]["physicalLocation"]["artifactLocation"].get("uriBaseId")]
for r in located:
    assert not r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("run/imgscap")
assert "gl-container-scanning-report.json" not in summary["files"].values()
PY

# CVE: the real bookworm feed on Debian 11's packages under Debian 12's release files.
/usr/bin/python3 "$check" spec "$IMGSCAP_E2E_CACHE" "$CASE_DIR/cve.json"
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/cve.json" "$CASE_DIR/cve-layout" \
  --tag 1 --base "$TINY_OCI_LAYOUT" >/dev/null
bzip2 -dc "$IMGSCAP_SOURCE_DIR/../shared/fixtures/feeds/oval-definitions-bookworm.xml.bz2" \
  >"$CASE_DIR/bookworm.xml"
run_imgscap scan --format gitlab --content "$BASELINE" --cve "$CASE_DIR/bookworm.xml" \
  -o "$CASE_DIR/cve" "oci:$CASE_DIR/cve-layout:1"
expect_rc 2 "CVE scan"
cmp -s "$OUT" "$CASE_DIR/cve/gl-container-scanning-report.json" ||
  die "--format gitlab printed another report"
/usr/bin/python3 "$check" check "$CASE_DIR/cve"
python3 - "$CASE_DIR/cve" <<'PY'
import json, sys
d = sys.argv[1]
summary = json.load(open(f"{d}/summary.json"))
found = summary["vulnerabilities"]["found"]
assert len(found) > 20, f"only {len(found)} vulnerabilities found"
gitlab = json.load(open(f"{d}/gl-container-scanning-report.json"))
packages = {v["location"]["dependency"]["package"]["name"] for v in gitlab["vulnerabilities"]}
assert packages == {p["name"] for v in found for p in v["packages"]}, packages
sarif = json.load(open(f"{d}/results.sarif"))
cves = {r["ruleId"] for r in sarif["runs"][0]["results"]}
assert {c for v in found for c in v["cves"]} <= cves
PY
run_imgscap scan --format junit --content "$BASELINE" --cve "$CASE_DIR/bookworm.xml" \
  -o "$CASE_DIR/cve-again" "oci:$CASE_DIR/cve-layout:1"
expect_rc 2 "CVE scan, JUnit printed"
cmp -s "$OUT" "$CASE_DIR/cve-again/junit.xml" || die "--format junit printed another report"

# What cannot be printed is refused before anything is scanned.
run_imgscap scan --format gitlab --content "$BASELINE" -o "$CASE_DIR/x" "oci:$TINY_OCI_LAYOUT"
expect_rc 1 "--format gitlab without --cve"
expect_err_contains "add --cve"
run_imgscap scan --format sarif --content "$BASELINE" "oci:$TINY_OCI_LAYOUT" "oci:$TINY_OCI_LAYOUT"
expect_rc 1 "--format sarif with two images"
expect_err_contains "each image's output directory holds results.sarif"
[ ! -e "$CASE_DIR/x" ] || die "a refused scan wrote outputs"
