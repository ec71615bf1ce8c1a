#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On the real Debian 11 image, every rule imgscap evaluates with ssg-debian11-ds.xml gives the
# same result as oscap itself configured for offline images on the same tree; the ARF passes
# rds-validate; summary.json agrees with the ARF.
# ctest-labels: openscap-heavy
# ctest-cost: 60
source "$(dirname "$0")/lib.sh"

for profile in anssi_np_nt28_high '(all)'; do
  out="$CASE_DIR/out-${profile//[^a-z0-9_]/_}"
  run_imgscap scan "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" --content "$SSG_DEBIAN11" \
    --profile "$profile" --keep-rootfs -o "$out" --format json
  [ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "scan failed ($RC): $(cat "$ERR")"
  work=$(kept_workdir)
  oscap ds rds-validate "$out/arf.xml" || die "ARF does not pass oscap ds rds-validate"
  set +e
  bash "$(dirname "$0")/oscap_reference.sh" "$work/rootfs" "$SSG_DEBIAN11" \
    "$profile" "$CASE_DIR/reference.xml" IMGSCAP_E2E=1
  ref_rc=$?
  set -e
  [ "$ref_rc" -ne 1 ] || die "oscap reference run failed"
  python3 "$(dirname "$0")/compare_results.py" "$out/arf.xml" "$CASE_DIR/reference.xml" ||
    die "imgscap and oscap disagree for profile $profile"
  [ "$RC" -eq "$ref_rc" ] || die "exit code $RC, oscap's $ref_rc"
  python3 - "$out/summary.json" "$out/arf.xml" "$OUT" <<'PY' || die "summary.json disagrees with the ARF"
import json, sys, collections
import xml.etree.ElementTree as ET
summary = json.load(open(sys.argv[1]))
assert json.load(open(sys.argv[3])) == summary, "stdout --format json differs from summary.json"
arf = {}
for el in ET.parse(sys.argv[2]).iter():
    if el.tag.endswith("}rule-result"):
        r = next(c.text for c in el if c.tag.endswith("}result"))
        if r != "notselected":
            arf[el.get("idref")] = r
rules = {r["id"]: r["result"] for r in summary["rules"]}
assert rules == arf, "per-rule results differ"
assert summary["counts"] == dict(collections.Counter(arf.values())), "counts differ"
assert summary["schema_version"] == 1
assert summary["evaluations"][0]["content"]["sha256"] and len(summary["image"]["layers"]) == 3
assert len(summary["evaluations"]) == 1 and summary["evaluations"][0]["files"]["arf"].endswith("/arf.xml")
assert summary["target"]["evaluated_as"] == "container"
assert set(summary["timings"]) >= {"unpack", "evaluate", "arf", "html"}
assert set(summary["peak_rss_kb"]) >= {"unpack", "evaluate", "arf", "html"}
assert all(v > 1000 for v in summary["peak_rss_kb"].values()), summary["peak_rss_kb"]
failed = [r for r in summary["rules"] if r["result"] in ("fail", "error", "unknown")]
assert summary["exit_code"] == (2 if failed else 0)
print(f"summary agrees: {len(rules)} rules, {len(failed)} failed")
PY
  chmod -R u+rwX "$work" && rm -rf "$work"
done
