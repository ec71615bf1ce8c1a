#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Exit codes 0 and 2 on real images and content: a failing profile, a tailoring that passes,
# --fail-on, -q and --format json; plain OVAL content.
# ctest-labels: openscap-heavy
source "$(dirname "$0")/lib.sh"
image="docker-archive:$DEBIAN11_DOCKER_ARCHIVE"

run_imgscap scan "$image" --content "$SSG_DEBIAN11" --profile anssi_np_nt28_high -o "$CASE_DIR/a"
expect_rc 2 "failing profile"
grep -q "NON-COMPLIANT" "$OUT" || die "text summary lacks the verdict"
for f in arf.xml report.html summary.txt summary.json; do
  [ -s "$CASE_DIR/a/$f" ] || die "missing $f"
done
cmp -s "$OUT" "$CASE_DIR/a/summary.txt" || die "stdout differs from summary.txt"
ls -A "$CASE_DIR/a" | grep -q '^\.' && die "temporary files left in the output directory"
failing=$(python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(open(sys.argv[1]))["failed_rules"]))' "$CASE_DIR/a/summary.json")
[ -n "$failing" ] || die "expected failing rules"

# A tailoring that deselects the failing rules passes.
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo '<xccdf:Tailoring xmlns:xccdf="http://checklists.nist.gov/xccdf/1.2" id="xccdf_imgscap.test_tailoring_e2e">'
  echo '<xccdf:version time="2026-11-23T00:00:00">1</xccdf:version>'
  echo '<xccdf:Profile id="xccdf_imgscap.test_profile_passing" extends="xccdf_org.ssgproject.content_profile_anssi_np_nt28_high">'
  echo '<xccdf:title>passing</xccdf:title>'
  for rule in $failing; do echo "<xccdf:select idref=\"$rule\" selected=\"false\"/>"; done
  echo '</xccdf:Profile></xccdf:Tailoring>'
} >"$CASE_DIR/tailoring.xml"
run_imgscap scan "$image" --content "$SSG_DEBIAN11" --tailoring-file "$CASE_DIR/tailoring.xml" \
  --profile test_profile_passing -o "$CASE_DIR/b"
expect_rc 0 "tailored profile"
grep -q "Verdict: COMPLIANT" "$OUT" || die "no COMPLIANT verdict: $(cat "$OUT")"

run_imgscap scan "$image" --content "$SSG_DEBIAN11" --profile anssi_np_nt28_high --fail-on none -q -o "$CASE_DIR/c"
expect_rc 0 "--fail-on none"
[ ! -s "$OUT" ] || die "-q printed on stdout"

run_imgscap scan "$image" --content "$SSG_DEBIAN11" --profile anssi_np_nt28_high --fail-on high --format json -o "$CASE_DIR/d"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["fail_on"]=="high"' "$OUT" || die "--format json output"
sev=$(python3 -c 'import json,sys; print(sum(r["severity"]=="high" for r in json.load(open(sys.argv[1]))["failed_rules"]))' "$OUT")
if [ "$sev" -eq 0 ]; then expect_rc 0 "--fail-on high without high failures"; else expect_rc 2 "--fail-on high"; fi

# Plain OVAL: the vulnerability definition matches Debian's base-files, not the tiny image.
run_imgscap scan "$image" --content "$BASIC_OVAL" -o "$CASE_DIR/e"
expect_rc 2 "OVAL on debian"
[ -s "$CASE_DIR/e/oval-results.xml" ] && [ -s "$CASE_DIR/e/report.html" ] || die "OVAL outputs missing"
run_imgscap scan "oci-archive:$TINY_OCI_ARCHIVE" --content "$BASIC_OVAL" -o "$CASE_DIR/f"
expect_rc 0 "OVAL on tiny"
grep -q "imgscap tiny 1" "$OUT" || die "OS of the tiny image not shown"

# A plain XCCDF benchmark without its CPE dictionary applies to nothing (as with oscap): said.
run_imgscap scan "$image" --content /usr/share/xml/scap/ssg/content/ssg-debian11-xccdf.xml \
  --profile anssi_np_nt28_high -o "$CASE_DIR/g"
expect_rc 0 "plain XCCDF"
grep -q "no evaluated rule applied to this image" "$OUT" || die "no note for an all-notapplicable scan"
