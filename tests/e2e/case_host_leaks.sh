#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No host file content reaches any output: the real Debian 11 image with a layer whose
# etc/passwd points at a host file by absolute path (SSG's rules collect its whole lines),
# etc/shadow at /proc/self/environ (imgscap's environment holds a secret), etc/group at /dev/zero
# (would never end), etc/issue.net climbing out with ../ and etc/os-release at /etc/shadow.
# Scanned with every SSG Debian 11 rule: no secret anywhere, no hang, and the image's own dpkg
# is never run. The same image without the sandbox leaks the host file, so the check can fail.
# ctest-labels: openscap-heavy
# ctest-cost: 50
source "$(dirname "$0")/lib.sh"

secret="imgscap-host-secret-$RANDOM$RANDOM"
env_secret="imgscap-env-secret-$RANDOM$RANDOM"
host_file="$CASE_DIR/host-passwd"
printf '%s:x:0:0:host only:/root:/bin/sh\n' "$secret" >"$host_file"
climb="../../../../../../../../../..$host_file"

cat >"$CASE_DIR/leaky.json" <<JSON
{"layers": [[
  {"path": "etc/passwd", "type": "symlink", "target": "$host_file"},
  {"path": "etc/shadow", "type": "symlink", "target": "/proc/self/environ"},
  {"path": "etc/group", "type": "symlink", "target": "/dev/zero"},
  {"path": "etc/issue.net", "type": "symlink", "target": "$climb"},
  {"path": "etc/os-release", "type": "symlink", "target": "/etc/shadow"},
  {"path": "usr/bin/dpkg", "mode": "0755",
   "content": "#!/bin/sh\ntouch /tmp/imgscap-image-dpkg-ran /imgscap-image-dpkg-ran\nexit 0\n"}
]]}
JSON
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/leaky.json" "$CASE_DIR/leaky" \
  --base "$DEBIAN11_OCI_LAYOUT"

set +e
IMGSCAP_E2E_SECRET="$env_secret" timeout 600 "$IMGSCAP" scan "oci:$CASE_DIR/leaky" \
  --content "$SSG_DEBIAN11" --profile '(all)' --keep-rootfs -o "$CASE_DIR/out" >"$OUT" 2>"$ERR"
RC=$?
set -e
[ "$RC" -ne 124 ] || die "the scan hung (etc/group -> /dev/zero?)"
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || [ "$RC" -eq 3 ] || die "scan failed ($RC): $(cat "$ERR")"
work=$(kept_workdir)
for pattern in "$secret" "$env_secret"; do
  if grep -rl "$pattern" "$CASE_DIR/out" "$OUT" "$ERR" "$work/results" 2>/dev/null; then
    die "host data ($pattern) reached the outputs"
  fi
done
[ ! -e /tmp/imgscap-image-dpkg-ran ] || die "the image's dpkg ran on the host"
for ran in "$work/layer/upper/imgscap-image-dpkg-ran" "$work/layer/upper/tmp/imgscap-image-dpkg-ran" \
           "$work/eval/tmp/imgscap-image-dpkg-ran"; do
  [ ! -e "$ran" ] || die "the image's dpkg ran inside the sandbox ($ran)"
done
rules=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rules"]))' "$CASE_DIR/out/summary.json")
[ "$rules" -gt 300 ] || die "only $rules rules evaluated"
chmod -R u+rwX "$work" && rm -rf "$work"

# Without the sandbox the same probes follow etc/passwd onto the host: the secret leaks. (No
# /dev/zero link here: unsandboxed, it would never end.)
python3 - "$CASE_DIR/leaky.json" >"$CASE_DIR/leaky-host.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["layers"][0] = [e for e in spec["layers"][0] if e["path"] in ("etc/passwd",)]
print(json.dumps(spec))
PY
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/leaky-host.json" \
  "$CASE_DIR/leaky-host" --base "$DEBIAN11_OCI_LAYOUT"
run_imgscap scan "oci:$CASE_DIR/leaky-host" --content "$SSG_DEBIAN11" --profile '(all)' \
  --unsafe-no-sandbox -q -o "$CASE_DIR/out-unsafe"
grep -rq "$secret" "$CASE_DIR/out-unsafe" ||
  die "without the sandbox the host file did not leak: this case would not notice a leak"
echo "sandboxed: no leak in $rules rules; unsandboxed: the host file leaked, as expected"
