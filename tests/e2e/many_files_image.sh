#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# many_files_image.sh: builds (once; cached under $IMGSCAP_E2E_CACHE by this recipe's hash) the
# Debian 11 e2e image plus one layer of 300,000 small files (tests/e2e/many_files.py, packed by
# GNU tar, added by umoci) and prints the OCI layout reference "oci:DIR:many".
# MANY_FILES=N changes the count (a separate cache entry).
set -euo pipefail
cache=${IMGSCAP_E2E_CACHE:?set IMGSCAP_E2E_CACHE}
source_dir=${IMGSCAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck disable=SC1091
source "$cache/images.env"
files=${MANY_FILES:-300000}
recipe=$(cat "${BASH_SOURCE[0]}" "$source_dir/tests/e2e/many_files.py" | sha256sum | cut -c1-12)
out="$cache/many-files-$files-$recipe"
if [ ! -f "$out/index.json" ]; then
  tmp=$(mktemp -d "$cache/.many-XXXXXX")
  trap 'chmod -R u+rwX "$tmp"; rm -rf "$tmp"' EXIT
  cp -r "$DEBIAN11_UMOCI_LAYOUT" "$tmp/layout"
  python3 "$source_dir/tests/e2e/many_files.py" "$tmp/tree" "$files"
  tar -C "$tmp/tree" --sort=name --numeric-owner --owner=0 --group=0 --mtime=@1700000000 \
    -cf "$tmp/layer.tar" .
  umoci raw add-layer --image "$tmp/layout:debian11" --tag many "$tmp/layer.tar"
  rm -rf "$out"
  mv "$tmp/layout" "$out"
fi
echo "oci:$out:many"
