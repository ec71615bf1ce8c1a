#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Settings on real scans: --fail-on from the configuration file in $XDG_CONFIG_HOME, overridden
# by IMGSCAP_FAIL_ON, overridden by the flag; ./imgscap.yaml when there is no user file; --config
# naming another file; `imgscap config show` saying where each value came from.
# ctest-cost: 12
source "$(dirname "$0")/lib.sh"
export XDG_CONFIG_HOME="$CASE_DIR/xdg"
mkdir -p "$XDG_CONFIG_HOME/imgscap" "$CASE_DIR/cwd"
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
image="oci:$DEBIAN11_OCI_LAYOUT"  # the baseline fails two medium and two low rules here
printf 'fail-on: none\ncontent: %s\nquiet: true\n' "$BASELINE" >"$XDG_CONFIG_HOME/imgscap/config.yaml"

run_imgscap scan "$image" -o "$CASE_DIR/file"
expect_rc 0 "--fail-on none from the file"
[ ! -s "$OUT" ] || die "quiet: true from the file printed on stdout"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["fail_on"]=="none" and [e["name"] for e in s["evaluations"]]==["imgscap-baseline"], (s["fail_on"], s["evaluations"])' \
  "$CASE_DIR/file/summary.json"

IMGSCAP_FAIL_ON=medium run_imgscap scan "$image" -o "$CASE_DIR/env"
expect_rc 2 "IMGSCAP_FAIL_ON=medium over the file"

IMGSCAP_FAIL_ON=medium run_imgscap scan "$image" -o "$CASE_DIR/flag" --fail-on none
expect_rc 0 "the flag over IMGSCAP_FAIL_ON"

IMGSCAP_FAIL_ON=medium run_imgscap config show --fail-on high
expect_rc 0 "config show"
grep -Eq '^fail-on: +high +# command line$' "$OUT" || die "config show: $(cat "$OUT")"
grep -Eq "^content: +$BASELINE +# $XDG_CONFIG_HOME/imgscap/config.yaml line 2$" "$OUT" ||
  die "config show: $(cat "$OUT")"

# No user file: ./imgscap.yaml; --config names another file.
rm "$XDG_CONFIG_HOME/imgscap/config.yaml"
printf 'fail-on: high\ncontent: %s\n' "$BASELINE" >"$CASE_DIR/cwd/imgscap.yaml"
(cd "$CASE_DIR/cwd" && run_imgscap scan "$image" -q -o "$CASE_DIR/cwd-out" && echo "$RC" >"$CASE_DIR/rc")
[ "$(cat "$CASE_DIR/rc")" -eq 0 ] || die "./imgscap.yaml's --fail-on high: exit $(cat "$CASE_DIR/rc")"
printf 'fail-on: low\ncontent: %s\n' "$BASELINE" >"$CASE_DIR/other.yaml"
(cd "$CASE_DIR/cwd" && run_imgscap scan "$image" -q -o "$CASE_DIR/other-out" --config "$CASE_DIR/other.yaml" &&
  echo "$RC" >"$CASE_DIR/rc")
[ "$(cat "$CASE_DIR/rc")" -eq 2 ] || die "--config's --fail-on low: exit $(cat "$CASE_DIR/rc")"

printf 'fail-on: low\nfailon: high\n' >"$CASE_DIR/bad.yaml"
run_imgscap scan "$image" --config "$CASE_DIR/bad.yaml"
expect_rc 1 "unknown key"
expect_err_contains "$CASE_DIR/bad.yaml: line 2: unknown option \"failon\""
