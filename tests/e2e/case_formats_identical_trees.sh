#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The same image in docker-archive, OCI archive, OCI layout (gzip) and OCI layout (zstd) unpacks
# to identical trees, equal to umoci's own unpack, with the replaced file, the whiteout and the
# opaque directory applied.
# ctest-cost: 45
source "$(dirname "$0")/lib.sh"

listings=()
for image in "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "oci-archive:$DEBIAN11_OCI_ARCHIVE" \
             "oci:$DEBIAN11_OCI_LAYOUT" "$DEBIAN11_OCI_ZSTD_LAYOUT"; do
  run_imgscap scan "$image" --content "$BASIC_OVAL" --keep-rootfs -q -o "$CASE_DIR/out"
  expect_rc 2 "scan $image"
  work=$(kept_workdir)
  [ -d "$work/rootfs" ] || die "no kept rootfs for $image"
  root="$work/rootfs"
  [ "$(cat "$root/etc/issue")" = "imgscap e2e image (layer 2)" ] || die "$image: etc/issue not replaced"
  [ ! -e "$root/etc/motd" ] && [ ! -L "$root/etc/motd" ] || die "$image: whiteout of etc/motd not applied"
  [ "$(ls -A "$root/opt/opaque")" = "upper-file" ] || die "$image: opaque dir holds: $(ls -A "$root/opt/opaque")"
  [ "$(stat -c %a "$root/usr/local/bin/imgscap-suid")" = 4755 ] || die "$image: setuid bit lost"
  find "$root" -name '.wh.*' | grep -q . && die "$image: whiteout files created in the tree"
  find "$root" \( -type c -o -type b -o -type p \) | grep -q . && die "$image: device node or fifo created"
  # The evaluation worked on a throwaway layer: the container marker it added is not in the tree.
  [ ! -e "$root/run/.containerenv" ] || die "$image: the evaluation wrote into the unpacked tree"
  listing="$CASE_DIR/listing.$((${#listings[@]}))"
  tree_listing "$root" >"$listing"
  listings+=("$listing")
  chmod -R u+rwX "$work" && rm -rf "$work"
done
for other in "${listings[@]:1}"; do
  diff -u "${listings[0]}" "$other" >"$CASE_DIR/diff" || die "trees differ: $(head -40 "$CASE_DIR/diff")"
done
[ "$(wc -l <"${listings[0]}")" -gt 5000 ] || die "suspiciously small tree"

# umoci is the reference unpacker; it creates device nodes, imgscap records them instead.
umoci unpack --image "$DEBIAN11_UMOCI_LAYOUT:debian11" "$CASE_DIR/bundle" >/dev/null
find "$CASE_DIR/bundle/rootfs" \( -type c -o -type b -o -type p \) -delete
tree_listing "$CASE_DIR/bundle/rootfs" >"$CASE_DIR/umoci.listing"
diff -u "$CASE_DIR/umoci.listing" "${listings[0]}" >"$CASE_DIR/diff" ||
  die "imgscap's tree differs from umoci's: $(head -40 "$CASE_DIR/diff")"
echo "4 formats and umoci agree on $(wc -l <"${listings[0]}") entries"
