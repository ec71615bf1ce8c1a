#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --content auto (the default): the built-in baseline on every image, plus the SCAP Security
# Guide datastream and profile the catalogue names for the image's OS when installed, with the
# same results as evaluating each explicitly. Unknown OS, no os-release, SSG content not
# installed, a profile the datastream lacks and --content-dir each say what happened.
# ctest-labels: openscap-heavy
# ctest-cost: 30
source "$(dirname "$0")/lib.sh"
baseline="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
make_image() { python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$@"; }

json_get() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# 1. Debian 11: baseline + ssg-debian11 (profile standard), as if each were given explicitly.
image="docker-archive:$DEBIAN11_DOCKER_ARCHIVE"
run_imgscap scan "$image" -o "$CASE_DIR/auto"
expect_rc 2 "auto on Debian 11"
s="$CASE_DIR/auto/summary.json"
[ "$(json_get "$s" '" ".join(e["name"] for e in j["evaluations"])')" = "baseline ssg-debian11" ] ||
  die "evaluations: $(json_get "$s" 'j["evaluations"]')"
[ "$(json_get "$s" 'j["evaluations"][1]["profile"]["id"]')" = xccdf_org.ssgproject.content_profile_standard ] ||
  die "SSG profile not the catalogue's"
for f in baseline-arf.xml baseline-report.html ssg-debian11-arf.xml ssg-debian11-report.html summary.txt summary.json; do
  [ -s "$CASE_DIR/auto/$f" ] || die "auto did not write $f"
done
[ ! -e "$CASE_DIR/auto/arf.xml" ] || die "plain arf.xml written in auto mode"
for arf in "$CASE_DIR"/auto/*-arf.xml; do
  oscap ds rds-validate "$arf" || die "$arf does not pass rds-validate"
done
grep -q "imgscap's built-in container-image baseline" "$OUT" || die "no reason for the baseline"
grep -q "with profile standard (the catalogue's default for this OS)" "$OUT" || die "no reason for SSG"

run_imgscap scan "$image" --content "$baseline" -q -o "$CASE_DIR/explicit-baseline"
python3 "$(dirname "$0")/compare_results.py" "$CASE_DIR/auto/baseline-arf.xml" \
  "$CASE_DIR/explicit-baseline/arf.xml" || die "auto's baseline differs from the explicit run"
run_imgscap scan "$image" --content "$SSG_DEBIAN11" --profile standard -q -o "$CASE_DIR/explicit-ssg"
python3 "$(dirname "$0")/compare_results.py" "$CASE_DIR/auto/ssg-debian11-arf.xml" \
  "$CASE_DIR/explicit-ssg/arf.xml" || die "auto's SSG evaluation differs from the explicit run"
total=$(json_get "$s" 'len(j["rules"])')
parts=$(json_get "$s" 'sum(sum(e["counts"].values()) for e in j["evaluations"])')
[ "$total" = "$parts" ] || die "summary counts $total rules, the evaluations $parts"

# 2. An OS without SSG content: the baseline only, and it says so.
run_imgscap scan "oci:$TINY_OCI_LAYOUT" -o "$CASE_DIR/tiny"
grep -q "no SCAP Security Guide content is known for imgscap tiny 1" "$OUT" ||
  die "no note for an OS without SSG content: $(cat "$OUT")"
[ "$(json_get "$CASE_DIR/tiny/summary.json" 'len(j["evaluations"])')" = 1 ] || die "tiny: evaluations"

# 3. No os-release at all (scratch/distroless-like): the baseline, a failing os_release rule and
# a verdict that says the OS is unknown.
printf '{"config": {"User": "1000"}, "layers": [[{"path": "app", "content": "x"}]]}' >"$CASE_DIR/scratch.json"
make_image "$CASE_DIR/scratch.json" "$CASE_DIR/scratch"
run_imgscap scan "oci:$CASE_DIR/scratch" -o "$CASE_DIR/out-scratch"
expect_rc 2 "no os-release"
grep -q "the OS is unknown, so only OS-independent rules were evaluated" "$OUT" ||
  die "verdict does not say the OS is unknown: $(cat "$OUT")"
grep -q "fail   xccdf_org.imgscap.baseline_rule_os_release_present" "$OUT" ||
  die "os_release_present did not fail"
[ "$(json_get "$CASE_DIR/out-scratch/summary.json" 'j["os"]["known"]')" = False ] || die "os known?"

# 4. Debian 12: known to the catalogue, but Debian 12 ships no ssg-debian12 datastream.
printf '{"layers": [[{"path": "etc/os-release", "content": "ID=debian\\nVERSION_ID=\\"12\\"\\nPRETTY_NAME=\\"Debian GNU/Linux 12 (bookworm)\\"\\n"}]]}' \
  >"$CASE_DIR/debian12.json"
make_image "$CASE_DIR/debian12.json" "$CASE_DIR/debian12"
run_imgscap scan "oci:$CASE_DIR/debian12" -o "$CASE_DIR/out-debian12"
grep -q "the SCAP Security Guide content for Debian GNU/Linux 12 (bookworm) (ssg-debian12-ds.xml) is not installed" "$OUT" ||
  die "no note about missing Debian 12 content: $(cat "$OUT")"

# 5. --content-dir: a datastream found there is used; a missing profile is said; --profile picks.
mkdir -p "$CASE_DIR/ssg"
(cd "$CASE_DIR/ssg" && oscap ds sds-compose "$IMGSCAP_SOURCE_DIR/tests/data/rpm-xccdf.xml" ssg-debian12-ds.xml)
run_imgscap scan "oci:$CASE_DIR/debian12" --content-dir "$CASE_DIR/ssg" -o "$CASE_DIR/out-dir1"
grep -q "has no profile \"standard\"" "$OUT" || die "no note about the missing profile: $(cat "$OUT")"
run_imgscap scan "oci:$CASE_DIR/debian12" --content-dir "$CASE_DIR/ssg" --profile all -o "$CASE_DIR/out-dir2"
[ "$(json_get "$CASE_DIR/out-dir2/summary.json" '" ".join(e["name"] for e in j["evaluations"])')" = "baseline ssg-debian12" ] ||
  die "--content-dir datastream not evaluated: $(cat "$OUT")"
grep -q "with profile all (chosen with --profile)" "$OUT" || die "no reason for --profile"
