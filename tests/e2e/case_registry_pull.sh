#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Pulls from a real registry (docker-registry, TLS with the test's CA, htpasswd), the image
# pushed by skopeo as Docker schema 2, OCI, OCI with zstd layers and a multi-platform OCI index,
# and by podman; and reads skopeo's and podman's docker-dir directories: every one unpacks to the same tree and gives the
# same rule results as the docker-archive of the same image; --platform picks from the index;
# the summary records registry, repository, tag, digest and platform; schema 1 is refused.
# ctest-cost: 40
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
AUTH=(--cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD")
# Kept trees on a tmpfs when the case may mount one: six unpacks and removals of 5,000 files
# on disk would dominate the case's time.
WORK="$CASE_DIR/work"
mkdir -p "$WORK"
if mount -t tmpfs -o size=2g imgscap-e2e "$WORK" 2>/dev/null; then
  trap 'rc=$?; kill "$HARNESS_PID" 2>/dev/null; wait "$HARNESS_PID" 2>/dev/null; umount -l "$WORK"; (exit "$rc"); finish_case' EXIT
fi

# listing_and_results IMAGE NAME ARGS...: the kept tree's listing and the rule results.
listing_and_results() {
  local image=$1 name=$2
  shift 2
  run_imgscap scan "$image" --content "$BASELINE" --keep-rootfs --workdir "$WORK" -q \
    -o "$CASE_DIR/out-$name" "$@"
  [ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "scan $image: exit $RC: $(head -c 2000 "$ERR")"
  local work
  work=$(kept_workdir)
  [ -d "$work/rootfs" ] || die "no kept rootfs for $image"
  tree_listing "$work/rootfs" >"$CASE_DIR/$name.listing"
  python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["rules"]:
    print(r["id"], r["result"])' "$CASE_DIR/out-$name/summary.json" >"$CASE_DIR/$name.results"
  chmod -R u+rwX "$work" && rm -rf "$work"
}

# same_as_archive NAME [ARCHIVE_NAME]: NAME's tree and results equal the archive's.
same_as_archive() {
  local name=$1 archive=${2:-archive}
  diff -u "$CASE_DIR/$archive.listing" "$CASE_DIR/$name.listing" >"$CASE_DIR/diff" ||
    die "$name: tree differs from the docker-archive's: $(head -30 "$CASE_DIR/diff")"
  diff -u "$CASE_DIR/$archive.results" "$CASE_DIR/$name.results" >"$CASE_DIR/diff" ||
    die "$name: rule results differ from the docker-archive's: $(head -30 "$CASE_DIR/diff")"
}

summary_field() {
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["image"][sys.argv[2]]; print(v if v is not None else "")' \
    "$CASE_DIR/out-$1/summary.json" "$2"
}

listing_and_results "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" archive
[ "$(wc -l <"$CASE_DIR/archive.listing")" -gt 5000 ] || die "suspiciously small tree"
[ "$(wc -l <"$CASE_DIR/archive.results")" -gt 10 ] || die "too few rule results"

push_image "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "$BASIC/team/debian:11-v2s2" --format v2s2
push_image "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "$BASIC/team/debian:11-oci" --format oci
# zstd layers as built (a recompressing push would reuse the gzip blobs already there)
push_image "oci:$DEBIAN11_OCI_ZSTD_LAYOUT" "$BASIC/team/debian:11-zstd" --format oci
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_index.py" "$CASE_DIR/multi" multi \
  "$DEBIAN11_OCI_LAYOUT=linux/amd64" "$TINY_OCI_LAYOUT=linux/arm64/v8" >/dev/null
push_image "oci:$CASE_DIR/multi:multi" "$BASIC/team/debian:multi" --all

for variant in v2s2 oci zstd; do
  listing_and_results "docker://$BASIC/team/debian:11-$variant" "$variant" "${AUTH[@]}"
  same_as_archive "$variant"
  media=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["image"]["layers"][0]["compression"])' \
    "$CASE_DIR/out-$variant/summary.json")
  case $variant in
    zstd) [ "$media" = zstd ] || die "the zstd push has $media layers" ;;
    *) [ "$media" = gzip ] || die "the $variant push has $media layers" ;;
  esac
done
[ "$(summary_field v2s2 registry)" = "$BASIC" ] || die "summary registry: $(summary_field v2s2 registry)"
[ "$(summary_field v2s2 repository)" = team/debian ] || die "summary repository"
[ "$(summary_field v2s2 tag)" = 11-v2s2 ] || die "summary tag"
grep -q "^Pulled: *registry $BASIC, repository team/debian, tag 11-v2s2" "$CASE_DIR/out-v2s2/summary.txt" ||
  die "summary.txt lacks the Pulled line: $(head -5 "$CASE_DIR/out-v2s2/summary.txt")"
pinned=$(summary_field v2s2 manifest_digest)
expected=$(skopeo inspect --raw --cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD" \
  "docker://$BASIC/team/debian:11-v2s2" | sha256sum | cut -d' ' -f1)
[ "$pinned" = "sha256:$expected" ] || die "manifest digest $pinned, the registry's is sha256:$expected"

# The digest the summary gives pins the image.
run_imgscap inspect "docker://$BASIC/team/debian@$pinned" "${AUTH[@]}" --format json
expect_rc 0 "inspect by digest"
grep -q "\"manifest_digest\": \"$pinned\"" "$OUT" || die "inspect by digest: $(head -c 600 "$OUT")"

# The multi-platform index: this machine's platform by default, --platform picks another.
listing_and_results "docker://$BASIC/team/debian:multi" multi "${AUTH[@]}"
same_as_archive multi
[ "$(summary_field multi platform)" = linux/amd64 ] || die "platform: $(summary_field multi platform)"
tiny_manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' \
  "$TINY_OCI_LAYOUT/index.json")
run_imgscap inspect "docker://$BASIC/team/debian:multi" --platform linux/arm64 "${AUTH[@]}" --format json
expect_rc 0 "inspect --platform linux/arm64"
grep -q "\"manifest_digest\": \"$tiny_manifest\"" "$OUT" || die "--platform linux/arm64 did not pick the arm64 entry"
run_imgscap inspect "docker://$BASIC/team/debian:multi" --platform linux/s390x "${AUTH[@]}"
expect_rc 1 "a platform the index lacks"
expect_err_contains "without a linux/s390x image"
expect_err_contains "linux/arm64/v8"

# skopeo's dir: format (what podman save --format docker-dir writes), detected from the path.
skopeo copy -q "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "dir:$CASE_DIR/docker-dir" >/dev/null
listing_and_results "$CASE_DIR/docker-dir" docker-dir
same_as_archive docker-dir
[ "$(summary_field docker-dir transport)" = docker-dir ] || die "docker-dir not detected"

# podman: a push, and podman save --format docker-dir (uncompressed layers named by digest),
# of the small image (podman's vfs storage copies every layer: the large one would be slow).
podman=(podman --root "$CASE_DIR/podman/root" --runroot "$CASE_DIR/podman/run" --storage-driver vfs)
"${podman[@]}" load -q -i "$TINY_DOCKER_ARCHIVE" >"$CASE_DIR/podman.log" 2>&1 ||
  die "podman load: $(cat "$CASE_DIR/podman.log")"
tiny=$("${podman[@]}" images --format '{{.Repository}}:{{.Tag}}' | head -1)
"${podman[@]}" push -q --cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD" "$tiny" \
  "docker://$BASIC/podman/tiny:1" >"$CASE_DIR/podman.log" 2>&1 ||
  die "podman push: $(cat "$CASE_DIR/podman.log")"
"${podman[@]}" save -q --format docker-dir -o "$CASE_DIR/podman-dir" "$tiny" >"$CASE_DIR/podman.log" 2>&1 ||
  die "podman save: $(cat "$CASE_DIR/podman.log")"
listing_and_results "docker-archive:$TINY_DOCKER_ARCHIVE" tiny-archive
listing_and_results "docker://$BASIC/podman/tiny:1" podman-push "${AUTH[@]}"
same_as_archive podman-push tiny-archive
listing_and_results "$CASE_DIR/podman-dir" podman-dir
same_as_archive podman-dir tiny-archive
[ "$(summary_field podman-dir transport)" = docker-dir ] || die "podman's docker-dir not detected"

# Schema 1 (skopeo converts and signs it; the registry takes it): refused with what to do.
push_image "docker-archive:$TINY_DOCKER_ARCHIVE" "$BASIC/team/old:1" --format v2s1
run_imgscap inspect "docker://$BASIC/team/old:1" "${AUTH[@]}"
expect_rc 1 "schema 1 image"
expect_err_contains "Docker schema 1 manifest"

secret_never_shown "$CASE_DIR"/out-* "$OUT" "$ERR"
echo "docker schema 2, OCI, zstd, index and docker-dir agree with the docker-archive"
