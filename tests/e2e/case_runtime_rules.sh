#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rules that only look at a running system (sysctl, uname, process58) are not applicable to an
# image, reported and counted apart from failures, also where OpenSCAP answered pass (process58
# offline says "does not exist"); the OVAL results file carries the correction.
source "$(dirname "$0")/lib.sh"
run_imgscap scan "oci:$TINY_OCI_LAYOUT" --content "$IMGSCAP_SOURCE_DIR/tests/data/runtime-oval.xml" \
  -o "$CASE_DIR/out"
expect_rc 0 "runtime-only rules"
grep -q "Runtime:   3 rules check only a running system" "$OUT" || die "no runtime line: $(cat "$OUT")"
python3 - "$CASE_DIR/out/summary.json" <<'PY' || die "runtime rules in summary.json"
import json, sys
s = json.load(open(sys.argv[1]))
runtime = sorted(s["runtime_only_rules"])
assert runtime == ["oval:imgscap.runtime:def:%d" % i for i in (1, 2, 3)], runtime
rules = {r["id"]: r for r in s["rules"]}
assert all(r["result"] == "notapplicable" for r in rules.values()), rules
assert "process58" in rules["oval:imgscap.runtime:def:3"]["reason"], rules
assert s["counts"] == {"notapplicable": 3}, s["counts"]
PY
grep -q 'definition_id="oval:imgscap.runtime:def:3" result="not applicable"' "$CASE_DIR/out/oval-results.xml" ||
  die "the OVAL results still say process58 passed"
