#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The built-in baseline: the committed datastream is what content/src/baseline.py generates,
# passes `oscap ds sds-validate`, and every rule passes on a good image and fails on a variant
# made to fail it, alone; every image gives the same results with the rules that walk the tree
# with OpenSCAP's file probes (baseline.py --tree-walking) as with imgscap's file facts
# (tests/e2e/baseline_rules.py).
# ctest-labels: openscap-heavy
# ctest-cost: 45
source "$(dirname "$0")/lib.sh"
content="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
python3 "$IMGSCAP_SOURCE_DIR/content/src/baseline.py" --check || die "the baseline datastream is stale"
oscap ds sds-validate "$content" || die "the baseline datastream is not a valid SCAP 1.3 source datastream"
python3 "$IMGSCAP_SOURCE_DIR/content/src/baseline.py" --tree-walking "$CASE_DIR/tree-walking-ds.xml"
python3 "$(dirname "$0")/baseline_rules.py" "$IMGSCAP" "$content" "$CASE_DIR/tree-walking-ds.xml" \
  "$CASE_DIR"
