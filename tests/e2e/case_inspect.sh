#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# inspect: same config and layers across formats, OS from the layers, choices of a multi-image
# archive.
source "$(dirname "$0")/lib.sh"

configs=()
for image in "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "oci-archive:$DEBIAN11_OCI_ARCHIVE" "oci:$DEBIAN11_OCI_LAYOUT" "$DEBIAN11_OCI_ZSTD_LAYOUT"; do
  run_imgscap inspect "$image" --format json
  expect_rc 0 "inspect $image"
  configs+=("$(python3 - "$OUT" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["os_release"]["ID"] == "debian" and j["os_release"]["VERSION_ID"] == "11", j["os_release"]
assert "IMGSCAP_E2E=1" in j["env"], j["env"]
assert len(j["layers"]) == 3
print(j["config_digest"], " ".join(l["diff_id"] for l in j["layers"]))
PY
)")
done
for c in "${configs[@]}"; do [ "$c" = "${configs[0]}" ] || die "formats disagree: $c vs ${configs[0]}"; done

run_imgscap inspect "$TWO_IMAGES_DOCKER_ARCHIVE"
expect_rc 1 "two images without ref"
expect_err_contains "imgscap-e2e/tiny:1"
expect_err_contains "imgscap-e2e/tiny-other:2"
run_imgscap inspect "$TWO_IMAGES_DOCKER_ARCHIVE:imgscap-e2e/tiny-other:2"
expect_rc 0 "two images with ref"
grep -q "imgscap tiny 1" "$OUT" || die "tiny OS not shown: $(cat "$OUT")"
run_imgscap inspect "oci:$TINY_OCI_LAYOUT"
grep -q "User:          1000" "$OUT" || die "user not shown: $(cat "$OUT")"
