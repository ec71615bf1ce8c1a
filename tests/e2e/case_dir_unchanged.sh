#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# dir:PATH scans an existing root filesystem and leaves it byte-for-byte unchanged (contents,
# types, modes, owners, times, link targets, no new or removed entries), although the
# evaluation writes (container marker, apt, probe files): those go to the throwaway layer.
source "$(dirname "$0")/lib.sh"

tree="$CASE_DIR/tree"
mkdir -p "$tree"
tar -C "$tree" --numeric-owner -xf "$IMGSCAP_E2E_CACHE/debian11-minbase.tar"

fingerprint() {
  (cd "$1" && find . -printf '%p\t%y\t%m\t%U:%G\t%s\t%T@\t%l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum
}
before=$(fingerprint "$tree")

run_imgscap scan "dir:$tree" --content "$SSG_DEBIAN11" --profile anssi_np_nt28_high -o "$CASE_DIR/out"
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "dir scan failed ($RC): $(cat "$ERR")"
grep -q "Debian GNU/Linux 11" "$OUT" || die "OS not read from the directory: $(cat "$OUT")"
grep -q "Target:    evaluated as a container (/run/.containerenv added by imgscap)" "$OUT" ||
  die "no container marker: $(cat "$OUT")"
python3 - "$CASE_DIR/out/summary.json" <<'PY' || die "summary.json of a dir scan"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["image"]["transport"] == "dir" and s["image"]["config_digest"] is None, s["image"]
assert s["counts"].get("pass", 0) > 10, s["counts"]
PY
after=$(fingerprint "$tree")
[ "$before" = "$after" ] || die "the scanned directory changed"

run_imgscap scan "dir:$tree" --content "$SSG_DEBIAN11" --unsafe-no-sandbox -o "$CASE_DIR/out2"
expect_rc 1 "dir: without the sandbox"
expect_err_contains "would write into"
[ "$(fingerprint "$tree")" = "$before" ] || die "the refused scan changed the directory"

run_imgscap inspect "dir:$tree" --format json
expect_rc 0 "inspect dir:"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["os_release"]["ID"]=="debian", j' "$OUT" ||
  die "inspect dir: shows no OS"
