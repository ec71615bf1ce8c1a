#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Progress is drawn on stderr only when it is a terminal (script(1) provides one); redirected
# stderr stays free of progress lines and escape sequences.
source "$(dirname "$0")/lib.sh"

cmd="$IMGSCAP scan oci:$TINY_OCI_LAYOUT --content $SSG_DEBIAN11 --profile anssi_np_nt28_high -o $CASE_DIR/tty"
script -qec "$cmd" "$CASE_DIR/typescript" >/dev/null 2>&1 || true
grep -q "layer 1/1" "$CASE_DIR/typescript" || die "no layer progress on a terminal: $(head -c 500 "$CASE_DIR/typescript")"
grep -q "rules done" "$CASE_DIR/typescript" || die "no rule progress on a terminal"

run_imgscap scan "oci:$TINY_OCI_LAYOUT" --content "$SSG_DEBIAN11" --profile anssi_np_nt28_high -o "$CASE_DIR/notty"
grep -q $'\033' "$ERR" && die "escape sequences on a non-terminal stderr"
grep -q "layer 1/1" "$ERR" && die "progress on a non-terminal stderr"
true
