#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The RAM-backed root: by default the Debian image is unpacked into it; with a budget it does
# not fit in, it is unpacked again on disk, with a note; on disk (--rootfs-memory 0) no note.
# The rule results are the same every time.
source "$(dirname "$0")/lib.sh"
image="docker-archive:$DEBIAN11_DOCKER_ARCHIVE"
results() {
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps({r["id"]: r["result"] for r in s["rules"]}, sort_keys=True))
PY
}
notes() { python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["notes"]))' "$1"; }

run_imgscap -v scan "$image" --content "$BASIC_OVAL" -o "$CASE_DIR/out-memory"
expected_rc=$RC
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "default scan: exit $RC: $(head -c 2000 "$ERR")"
expect_err_contains "unpacking into a RAM-backed root of at most"
! notes "$CASE_DIR/out-memory/summary.json" | grep -q "did not fit" ||
  die "the default scan says the image did not fit"

run_imgscap scan "$image" --content "$BASIC_OVAL" -o "$CASE_DIR/out-small" --rootfs-memory 2M
expect_rc "$expected_rc" "scan with --rootfs-memory 2M"
notes "$CASE_DIR/out-small/summary.json" | grep -qF \
  "the image did not fit in a RAM-backed root of 2 MiB (--rootfs-memory): unpacked on disk" ||
  die "no note that the image was unpacked on disk: $(notes "$CASE_DIR/out-small/summary.json")"

run_imgscap -v scan "$image" --content "$BASIC_OVAL" -o "$CASE_DIR/out-disk" --rootfs-memory 0
expect_rc "$expected_rc" "scan with --rootfs-memory 0"
! grep -q "RAM-backed root" "$ERR" || die "--rootfs-memory 0 still used memory: $(cat "$ERR")"

for out in small disk; do
  [ "$(results "$CASE_DIR/out-$out/summary.json")" = "$(results "$CASE_DIR/out-memory/summary.json")" ] ||
    die "rule results on $out differ from those in memory"
done
echo "in memory, unpacked again on disk after 2 MiB, and on disk: the same results"
