#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Faults between imgscap and a real registry, injected by the harness's proxy in front of it:
# 429 with Retry-After then success; persistent 5xx bounded by --retry-times; a connection cut
# mid-layer (resumed with Range); a layer whose bytes differ from its digest; blobs redirected to
# storage on another host (followed without credentials); a registry that is down; SIGTERM and
# the scan deadline during a pull. Exit codes as documented, nothing left behind.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
push_image "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "$BASIC/team/debian:11"
IMAGE="docker://$PROXY/team/debian:11"
CREDS=(--creds "$REG_USER:$REG_PASSWORD")

fault() {
  echo "$*" >"$REG_DIR/fault"
  : >"$REG_DIR/proxy.log"
  : >"$REG_DIR/storage.log"
}

scan_via_proxy() {
  rm -rf "$CASE_DIR/out"
  run_imgscap scan "$IMAGE" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out" "${CREDS[@]}" "$@"
}

# 429 with Retry-After, twice, then the answer.
fault 429 2
run_imgscap inspect "$IMAGE" "${CREDS[@]}"
expect_rc 0 "429 twice, then success"
[ "$(grep -c 'injected 429' "$REG_DIR/proxy.log")" -eq 2 ] || die "expected two 429s: $(cat "$REG_DIR/proxy.log")"
expect_err_contains "HTTP 429; retrying in 1 s"

# A registry that keeps failing: bounded by --retry-times.
fault 500 99
run_imgscap inspect "$IMAGE" "${CREDS[@]}" --retry-times 2
expect_rc 1 "persistent 500"
expect_err_contains "HTTP status 500 after 2 retries"
[ "$(grep -c 'injected 500' "$REG_DIR/proxy.log")" -eq 3 ] || die "expected 3 attempts: $(cat "$REG_DIR/proxy.log")"

# The connection cut after 1 MiB of the 68 MB layer: resumed where it stopped.
fault cut
scan_via_proxy
expect_rc 2 "scan with a cut connection"
grep -q 'cut after 1 MiB' "$REG_DIR/proxy.log" || die "the proxy did not cut"
grep -q 'range=bytes=[1-9][0-9]*-' "$REG_DIR/proxy.log" || die "no Range request after the cut: $(cat "$REG_DIR/proxy.log")"

# One flipped byte: the layer's digest differs; the layer is named; nothing is written.
fault corrupt
scan_via_proxy
expect_rc 1 "corrupted layer"
expect_err_contains "layer 1 (sha256:"
# zlib's CRC-32 usually notices before the digest at the end of the blob does.
grep -Eq "digest mismatch|corrupt gzip data" "$ERR" || die "corruption not reported: $(cat "$ERR")"
[ ! -e "$CASE_DIR/out/summary.json" ] || die "results written for a corrupted image"

# A blob whose bytes differ from its digest in the registry's own storage: still valid gzip of
# the same tar (only the gzip header's OS byte changed), so only the blob digest can tell.
push_image "docker-archive:$TINY_DOCKER_ARCHIVE" "$BASIC/team/tampered:1"
layer=$(skopeo inspect --raw --cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD" \
  "docker://$BASIC/team/tampered:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["digest"].split(":")[1])')
blob="$REG_DIR/data-basic/docker/registry/v2/blobs/sha256/${layer:0:2}/$layer/data"
[ -f "$blob" ] || die "no blob file $blob"
python3 - "$blob" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
assert data[:2] == b"\x1f\x8b", "not gzip"
data[9] = (data[9] + 1) % 256
open(path, "wb").write(data)
PY
run_imgscap scan "docker://$BASIC/team/tampered:1" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out" \
  --cert-dir "$CERTS" "${CREDS[@]}"
expect_rc 1 "a blob that differs from its digest"
expect_err_contains "layer 1 (sha256:${layer:0:12}"
expect_err_contains "blob digest mismatch: expected sha256:$layer"
[ ! -e "$CASE_DIR/out/summary.json" ] || die "results written for a tampered image"

# Blobs redirected to storage on another host: followed, credentials not sent there.
fault redirect
scan_via_proxy
expect_rc 2 "scan with redirected blobs"
grep -q 'redirected to' "$REG_DIR/proxy.log" || die "no redirect happened"
grep -q 'auth=' "$REG_DIR/storage.log" || die "the storage host was not asked"
! grep -q 'auth=yes' "$REG_DIR/storage.log" || die "credentials were sent to the storage host: $(cat "$REG_DIR/storage.log")"
grep -q 'auth=yes' "$REG_DIR/proxy.log" || die "the registry itself got no credentials"

# Blob storage that answers 401 naming a token service of its own: not asked, no credentials.
fault redirect-401
scan_via_proxy --retry-times 0
expect_rc 1 "storage demanding authentication"
! grep -q '/token' "$REG_DIR/storage.log" || die "credentials were offered to a token service the storage named"
! grep -q 'auth=yes' "$REG_DIR/storage.log" || die "credentials were sent to the storage host"

# A registry that is down.
down_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_imgscap inspect "docker://127.0.0.1:$down_port/team/debian:11" --retry-times 1
expect_rc 1 "registry down"
expect_err_contains "cannot reach the registry"

# SIGTERM in the middle of a slow pull: exit 143, no work directory, no results.
fault slow
rm -rf "$CASE_DIR/out"
"$IMGSCAP" scan "$IMAGE" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out" "${CREDS[@]}" >"$OUT" 2>"$ERR" &
pid=$!
for _ in $(seq 100); do
  grep -q "blobs/sha256:.* range=-" "$REG_DIR/proxy.log" && break
  sleep 0.1
done
sleep 1
kill -TERM "$pid"
set +e
wait "$pid"
RC=$?
set -e
expect_rc 143 "SIGTERM during a pull"
[ ! -e "$CASE_DIR/out/summary.json" ] || die "results written after SIGTERM"
no_leftover_workdirs

# The scan deadline during a slow pull.
run_imgscap scan "$IMAGE" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out" "${CREDS[@]}" --limit scan-seconds=3
[ "$RC" -ne 0 ] && [ "$RC" -ne 2 ] || die "the deadline did not stop the pull (exit $RC)"
expect_err_contains "longer than 3 seconds"
no_leftover_workdirs

secret_never_shown "$OUT" "$ERR"
echo "429, 5xx, cut, corrupt, redirect, down, SIGTERM and deadline behave as documented"
