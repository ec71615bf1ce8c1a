#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the end-to-end test images from real trees and caches them under $IMGSCAP_E2E_CACHE:
# a Debian 11 minbase tree (debootstrap) packed by umoci into a three-layer image (a replaced
# file, a whiteout, an opaque directory) and exported by skopeo as docker-archive, OCI archive,
# OCI layout (gzip) and OCI layout (zstd); a tiny image; a docker-archive holding two images.
# Writes $IMGSCAP_E2E_CACHE/images.env with the paths. Rebuilds only when this recipe changes.
set -euo pipefail

cache=${IMGSCAP_E2E_CACHE:?set IMGSCAP_E2E_CACHE}
mkdir -p "$cache"
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
out="$cache/images-$recipe"
if [ -f "$out/images.env" ]; then
  cp "$out/images.env" "$cache/images.env"
  exit 0
fi

tmp=$(mktemp -d "$cache/.build-XXXXXX")
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

# 1. The Debian 11 tree, cached on its own (slow: a few minutes). debootstrap's default mirror.
tree_tar="$cache/debian11-minbase.tar"
if [ ! -f "$tree_tar" ]; then
  echo "build_images: debootstrap bullseye (minbase)..." >&2
  debootstrap --variant=minbase bullseye "$tmp/tree" >"$tmp/debootstrap.log" 2>&1 ||
    { tail -20 "$tmp/debootstrap.log" >&2; exit 1; }
  rm -rf "$tmp/tree/var/cache/apt/archives/"*.deb
  tar -C "$tmp/tree" --numeric-owner -cf "$tmp/tree.tar" .
  mv "$tmp/tree.tar" "$tree_tar"
  rm -rf "$tmp/tree"
fi

# 2. A three-layer image with umoci.
layout="$tmp/oci"
umoci init --layout "$layout"
umoci new --image "$layout:debian11"
umoci unpack --image "$layout:debian11" "$tmp/bundle" >/dev/null
tar -C "$tmp/bundle/rootfs" --numeric-owner -xf "$tree_tar"
mkdir -p "$tmp/bundle/rootfs/opt/opaque/lower-dir"
echo "from layer 1" >"$tmp/bundle/rootfs/opt/opaque/lower-file"
echo "from layer 1" >"$tmp/bundle/rootfs/opt/opaque/lower-dir/inner"
umoci repack --refresh-bundle --image "$layout:debian11" "$tmp/bundle"

# Layer 2: a replaced file, a deleted file (umoci writes a .wh. whiteout), an added setuid file.
echo "imgscap e2e image (layer 2)" >"$tmp/bundle/rootfs/etc/issue"
rm "$tmp/bundle/rootfs/etc/motd"
printf '#!/bin/sh\necho hi\n' >"$tmp/bundle/rootfs/usr/local/bin/imgscap-suid"
chmod 4755 "$tmp/bundle/rootfs/usr/local/bin/imgscap-suid"
umoci repack --refresh-bundle --image "$layout:debian11" "$tmp/bundle"

# Layer 3: hand-made, with an opaque directory marker and a new child.
mkdir -p "$tmp/l3/opt/opaque"
: >"$tmp/l3/opt/opaque/.wh..wh..opq"
echo "from layer 3" >"$tmp/l3/opt/opaque/upper-file"
tar -C "$tmp/l3" --numeric-owner --owner=0 --group=0 -cf "$tmp/layer3.tar" opt
umoci raw add-layer --image "$layout:debian11" "$tmp/layer3.tar"
umoci config --image "$layout:debian11" --config.env "IMGSCAP_E2E=1" \
  --config.label "org.example.purpose=imgscap-e2e" --config.workingdir /root >/dev/null

# Check the layers really hold the whiteout and the opaque marker.
listing=$(for blob in "$layout"/blobs/sha256/*; do tar -tzf "$blob" 2>/dev/null || true; done)
grep -q 'etc/\.wh\.motd$' <<<"$listing" || { echo "build_images: no whiteout in layer 2" >&2; exit 1; }
grep -q 'opt/opaque/\.wh\.\.wh\.\.opq$' <<<"$listing" || { echo "build_images: no opaque marker" >&2; exit 1; }

# 3. Exports.
mkdir -p "$tmp/out"
skopeo copy -q "oci:$layout:debian11" "docker-archive:$tmp/out/debian11-docker.tar:imgscap-e2e/debian11:latest"
skopeo copy -q "oci:$layout:debian11" "oci-archive:$tmp/out/debian11-oci.tar:debian11"
skopeo copy -q "oci:$layout:debian11" "oci:$tmp/out/debian11-layout:debian11"
skopeo copy -q --dest-compress --dest-compress-format zstd "oci:$layout:debian11" \
  "oci:$tmp/out/debian11-zstd-layout:debian11"

# 4. A tiny image (a handful of files) and a docker-archive holding two images.
umoci new --image "$layout:tiny"
umoci unpack --image "$layout:tiny" "$tmp/tiny" >/dev/null
mkdir -p "$tmp/tiny/rootfs/etc" "$tmp/tiny/rootfs/bin"
printf 'ID=imgscaptiny\nVERSION_ID="1"\nPRETTY_NAME="imgscap tiny 1"\n' >"$tmp/tiny/rootfs/etc/os-release"
echo 'root:x:0:0:root:/root:/bin/sh' >"$tmp/tiny/rootfs/etc/passwd"
umoci repack --image "$layout:tiny" "$tmp/tiny"
umoci config --image "$layout:tiny" --config.user 1000 --config.env "TINY=1" >/dev/null
skopeo copy -q "oci:$layout:tiny" "docker-archive:$tmp/out/tiny-docker.tar:imgscap-e2e/tiny:1"
skopeo copy -q "oci:$layout:tiny" "oci-archive:$tmp/out/tiny-oci.tar:tiny"
skopeo copy -q "oci:$layout:tiny" "oci:$tmp/out/tiny-layout:tiny"
skopeo copy -q "oci:$layout:tiny" "docker-archive:$tmp/tiny2.tar:imgscap-e2e/tiny:2"
mkdir -p "$tmp/two"
tar -C "$tmp/two" -xf "$tmp/out/tiny-docker.tar"
mv "$tmp/two/manifest.json" "$tmp/m1.json"
tar -C "$tmp/two" -xf "$tmp/tiny2.tar"
mv "$tmp/two/manifest.json" "$tmp/m2.json"
python3 - "$tmp/m1.json" "$tmp/m2.json" "$tmp/two/manifest.json" <<'PY'
import json, sys
entries = json.load(open(sys.argv[1])) + json.load(open(sys.argv[2]))
entries[1]["RepoTags"] = ["imgscap-e2e/tiny-other:2"]
json.dump(entries, open(sys.argv[3], "w"))
PY
tar -C "$tmp/two" -cf "$tmp/out/two-images-docker.tar" .

# The canonical layout stays too (umoci's reference unpack uses it).
mv "$layout" "$tmp/out/umoci-layout"
cat >"$tmp/out/images.env" <<ENV
DEBIAN11_DOCKER_ARCHIVE=$out/debian11-docker.tar
DEBIAN11_OCI_ARCHIVE=$out/debian11-oci.tar
DEBIAN11_OCI_LAYOUT=$out/debian11-layout
DEBIAN11_OCI_ZSTD_LAYOUT=$out/debian11-zstd-layout
DEBIAN11_UMOCI_LAYOUT=$out/umoci-layout
TINY_DOCKER_ARCHIVE=$out/tiny-docker.tar
TINY_OCI_ARCHIVE=$out/tiny-oci.tar
TINY_OCI_LAYOUT=$out/tiny-layout
TWO_IMAGES_DOCKER_ARCHIVE=$out/two-images-docker.tar
ENV
rm -rf "$out"
mv "$tmp/out" "$out"
cp "$out/images.env" "$cache/images.env"
echo "build_images: images ready in $out" >&2
