#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Waivers on a real image and the built-in baseline: a waiver in force (by a rule's name and by
# its full id, scoped to the image by a glob), an expired one, an unused one, one for other
# images, the default file in the current directory, a CVE waived on the real bookworm feed,
# and malformed files. Each is checked in the exit code, summary.json and summary.txt, the ARF's
# XCCDF overrides and the HTML report as Chromium renders it (tests/e2e/waivers_check.py).
# ctest-cost: 30
source "$(dirname "$0")/lib.sh"
check="$IMGSCAP_SOURCE_DIR/tests/e2e/waivers_check.py"
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
image="oci:$DEBIAN11_OCI_LAYOUT"
rule=xccdf_org.imgscap.baseline_rule
scan() { run_imgscap scan "$@" --content "$BASELINE"; }

# Without waivers the baseline fails four rules here: two medium, two low.
scan "$image" -o "$CASE_DIR/none"
expect_rc 2 "no waivers"
python3 -c '
import json, sys
failed = {r["id"] for r in json.load(open(sys.argv[1]))["failed_rules"]}
want = {sys.argv[2] + "_" + n for n in ("image_user_not_root", "setuid_setgid_limited",
                                        "apt_lists_cleaned", "image_healthcheck_defined")}
assert failed == want, failed' "$CASE_DIR/none/summary.json" "$rule"

cat >"$CASE_DIR/waivers.yaml" <<YAML
# Accepted findings of the e2e image.
waivers:
  - id: image_user_not_root
    reason: the entrypoint drops privileges itself
    expires: 2999-12-31
    owner: platform-team
  - id: ${rule}_apt_lists_cleaned
    images: ["oci:*debian11*", "docker://elsewhere/*"]
    reason: lists are needed by the debug tooling
    expires: 2999-12-31
  - id: setuid_setgid_limited
    reason: was accepted last year
    expires: 2020-01-01
  - id: CVE-2000-0001
    reason: no such package here
    expires: 2999-12-31
  - id: image_healthcheck_defined
    images: docker://elsewhere/*
    reason: another image's exception
    expires: 2999-12-31
YAML
scan "$image" --waivers "$CASE_DIR/waivers.yaml" -o "$CASE_DIR/some"
expect_rc 2 "two rules still fail"
python3 "$check" waived "$CASE_DIR/some" "${rule}_image_user_not_root" "${rule}_apt_lists_cleaned"
python3 "$check" uses "$CASE_DIR/some" image_user_not_root=applied \
  "${rule}_apt_lists_cleaned=applied" setuid_setgid_limited=expired CVE-2000-0001=unused
grep -q "WAIVED until 2999-12-31 by platform-team: the entrypoint drops privileges itself" "$OUT" ||
  die "summary.txt lacks the waived rule: $(cat "$OUT")"
grep -q "expired  setuid_setgid_limited (line 11, expires 2020-01-01): no longer waives" "$OUT" ||
  die "summary.txt lacks the expired waiver: $(cat "$OUT")"
grep -q "unused   CVE-2000-0001 (line 14" "$OUT" || die "summary.txt lacks the unused waiver"
grep -q "Verdict: NON-COMPLIANT (--fail-on low: 2 rules" "$OUT" || die "verdict: $(tail -2 "$OUT")"

# --fail-on medium: the medium failure left is the one whose waiver expired.
scan "$image" --waivers "$CASE_DIR/waivers.yaml" --fail-on medium -q -o "$CASE_DIR/medium"
expect_rc 2 "an expired waiver does not apply"

# Every failure waived: compliant, from the default file in the current directory.
mkdir -p "$CASE_DIR/cwd"
sed -e 's/2020-01-01/2999-01-01/' -e 's|images: docker://elsewhere/\*|images: "oci:*"|' \
  "$CASE_DIR/waivers.yaml" >"$CASE_DIR/cwd/.imgscap-waivers.yaml"
(cd "$CASE_DIR/cwd" && scan "$image" -q -o "$CASE_DIR/all" && echo "$RC" >"$CASE_DIR/rc")
[ "$(cat "$CASE_DIR/rc")" -eq 0 ] || die "every failure waived: exit $(cat "$CASE_DIR/rc")"
python3 "$check" waived "$CASE_DIR/all" "${rule}_image_user_not_root" "${rule}_apt_lists_cleaned" \
  "${rule}_setuid_setgid_limited" "${rule}_image_healthcheck_defined"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["verdict"]=="compliant" and s["waivers"]["file"]==".imgscap-waivers.yaml", s["waivers"]' \
  "$CASE_DIR/all/summary.json"

# A CVE waived on the real bookworm feed (the image of case_ci_formats).
/usr/bin/python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/ci_formats.py" spec "$IMGSCAP_E2E_CACHE" "$CASE_DIR/cve.json"
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/cve.json" "$CASE_DIR/cve-layout" \
  --tag 1 --base "$TINY_OCI_LAYOUT" >/dev/null
bzip2 -dc "$IMGSCAP_SOURCE_DIR/../shared/fixtures/feeds/oval-definitions-bookworm.xml.bz2" \
  >"$CASE_DIR/bookworm.xml"
scan "oci:$CASE_DIR/cve-layout:1" --cve "$CASE_DIR/bookworm.xml" -q -o "$CASE_DIR/cve"
expect_rc 2 "CVE scan"
cve=$(python3 -c 'import json,sys; print([c for v in json.load(open(sys.argv[1]))["vulnerabilities"]["found"] for c in v["cves"]][0])' "$CASE_DIR/cve/summary.json")
printf 'waivers:\n  - id: %s\n    reason: not reachable in this service\n    expires: 2999-12-31\n' \
  "$cve" >"$CASE_DIR/cve-waivers.yaml"
scan "oci:$CASE_DIR/cve-layout:1" --cve "$CASE_DIR/bookworm.xml" --waivers "$CASE_DIR/cve-waivers.yaml" \
  -q -o "$CASE_DIR/cve-waived"
expect_rc 2 "CVE scan with one CVE waived"
python3 - "$CASE_DIR/cve" "$CASE_DIR/cve-waived" "$cve" <<'PY'
import json, sys
before, after = (json.load(open(f"{d}/summary.json")) for d in sys.argv[1:3])
cve = sys.argv[3]
waived = [v for v in after["vulnerabilities"]["found"] if v["waiver"]]
assert waived and all(cve in v["cves"] for v in waived), waived
assert len(after["vulnerabilities"]["found"]) == len(before["vulnerabilities"]["found"])
assert [u["status"] for u in after["waivers"]["entries"]] == ["applied"]
gitlab = json.load(open(f"{sys.argv[2]}/gl-container-scanning-report.json"))
assert all(v["name"] != cve for v in gitlab["vulnerabilities"]), "a waived CVE in the GitLab report"
sarif = json.load(open(f"{sys.argv[2]}/results.sarif"))
suppressed = {r["ruleId"] for r in sarif["runs"][0]["results"] if r.get("suppressions")}
assert cve in suppressed, suppressed
PY

# Malformed files: an error naming the file and line, before anything is scanned.
malformed() {  # malformed LINE MESSAGE: the file on stdin
  cat >"$CASE_DIR/bad.yaml"
  scan "$image" --waivers "$CASE_DIR/bad.yaml" -o "$CASE_DIR/bad"
  expect_rc 1 "malformed waivers: $2"
  expect_err_contains "$CASE_DIR/bad.yaml: line $1: $2"
  [ ! -e "$CASE_DIR/bad" ] || die "a malformed waivers file still scanned"
}
printf 'waivers:\n  - id: x\n    reason: r\n    expires: 2999-12-31\n    until: 2999-12-31\n' |
  malformed 5 'unknown key "until"'
printf 'waivers:\n  - id: x\n    reason: r\n    expires: 31/12/2999\n' |
  malformed 4 '"expires" must be a date YYYY-MM-DD'
printf 'waivers:\n  - id: x\n    expires: 2999-12-31\n' | malformed 2 'the waiver has no "reason"'
printf 'waivers:\n  - id: x\n    reason: [unclosed\n' | malformed 4 ''
