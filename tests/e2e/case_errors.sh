#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Broken inputs end with exit 1, a message naming the problem, and no work directory left.
source "$(dirname "$0")/lib.sh"

layout_copy() {
  rm -rf "$CASE_DIR/layout"
  cp -a "$TINY_OCI_LAYOUT" "$CASE_DIR/layout"
  manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$CASE_DIR/layout/index.json")
  layer=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][0]["digest"].split(":")[1])' "$CASE_DIR/layout/blobs/sha256/$manifest")
  blob="$CASE_DIR/layout/blobs/sha256/$layer"
  chmod u+w "$blob"
}
scan() { run_imgscap scan "$1" --content "$BASIC_OVAL" -o "$CASE_DIR/out"; }

layout_copy
size=$(stat -c %s "$blob")
printf 'garbage-garbage-garbage' | dd of="$blob" bs=1 seek=$((size / 2)) conv=notrunc status=none
scan "oci:$CASE_DIR/layout"
expect_rc 1 "corrupted layer"
expect_err_contains "layer 1 (sha256:${layer:0:12})"
no_leftover_workdirs

layout_copy
printf '\x01' | dd of="$blob" bs=1 seek=4 conv=notrunc status=none   # gzip header mtime: still valid gzip
scan "oci:$CASE_DIR/layout"
expect_rc 1 "digest mismatch"
expect_err_contains "blob digest mismatch"
expect_err_contains "layer 1"
no_leftover_workdirs

layout_copy
rm "$blob"
scan "oci:$CASE_DIR/layout"
expect_rc 1 "missing blob"
expect_err_contains "missing blob"
no_leftover_workdirs

echo "hello" >"$CASE_DIR/notes.txt"
scan "$CASE_DIR/notes.txt"
expect_rc 1 "non-image file"
expect_err_contains "not a container image"

run_imgscap scan "oci:$TINY_OCI_LAYOUT" --content /usr/share/xml/scap/ssg/content/ssg-debian11-cpe-dictionary.xml -o "$CASE_DIR/out"
expect_rc 1 "unknown content"
expect_err_contains "ssg-debian11-cpe-dictionary.xml"
expect_err_contains "not a SCAP source datastream"

run_imgscap scan "oci:$TINY_OCI_LAYOUT" --content "$CASE_DIR/none.xml" -o "$CASE_DIR/out"
expect_rc 1 "missing content"
expect_err_contains "none.xml"

run_imgscap scan "oci:$TINY_OCI_LAYOUT" --content "$SSG_DEBIAN11" --profile nonexistent_profile -o "$CASE_DIR/out"
expect_rc 1 "unknown profile"
expect_err_contains 'profile "nonexistent_profile" was not found'
no_leftover_workdirs
[ ! -e "$CASE_DIR/out/summary.json" ] || die "a failed scan left a summary"
