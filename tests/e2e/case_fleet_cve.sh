#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A fleet whose CVE feed changes between runs, against a real registry (pulled through the
# harness's logging proxy) and the real Debian bookworm feed: when only the feed changed, the
# vulnerabilities are evaluated again on what the store kept of each image, with no blob
# pulled, and equal a fresh full scan with the new feed; a feed whose test reads a file the
# store did not keep falls back to scanning the images (tests/e2e/fleet_cve.py).
# ctest-cost: 40
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
helper="$IMGSCAP_SOURCE_DIR/tests/e2e/fleet_cve.py"
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
STORE="$CASE_DIR/store"
FEED="$CASE_DIR/feeds/current.xml"
mkdir -p "$CASE_DIR/feeds" "$CASE_DIR/specs"
bzip2 -dc "$IMGSCAP_SOURCE_DIR/../shared/fixtures/feeds/oval-definitions-bookworm.xml.bz2" \
  >"$CASE_DIR/feeds/bookworm.xml"
python3 "$helper" feeds "$CASE_DIR/feeds/bookworm.xml" "$CASE_DIR/feeds/next.xml" \
  "$CASE_DIR/feeds/marker.xml"
python3 "$helper" specs "$IMGSCAP_E2E_CACHE" "$CASE_DIR/specs"
for name in a b c; do
  rm -rf "${CASE_DIR:?}/layout-$name"
  python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/specs/$name.json" \
    "$CASE_DIR/layout-$name" --tag 1 --base "$TINY_OCI_LAYOUT" >/dev/null
  push_image "oci:$CASE_DIR/layout-$name:1" "$BASIC/cve/$name:1" --format oci
  echo "docker://$PROXY/cve/$name:1"
done >"$CASE_DIR/images.txt"

fleet() {
  "$IMGSCAP" scan --images-from "$CASE_DIR/images.txt" --content "$BASELINE" --cve "$FEED" \
    --cache-dir "$CASE_DIR/feed-cache" --creds "$REG_USER:$REG_PASSWORD" -q --jobs 2 "$@" \
    2>>"$ERR"
}
blob_requests() { grep -c '^GET /v2/.*/blobs/' "$REG_DIR/proxy.log" || true; }
# fleet_expect CODE WHAT ARGS...: a fleet run (the proxy's log started afresh) exiting CODE.
fleet_expect() {
  local expected=$1 what=$2 rc=0
  shift 2
  : >"$REG_DIR/proxy.log"
  fleet "$@" || rc=$?
  [ "$rc" -eq "$expected" ] ||
    die "$what: exit $rc $(cat "$ERR") $(grep -h -A5 '^Errors' "$CASE_DIR"/*/summary.txt 2>/dev/null)"
}
images_say() {  # images_say SUMMARY PYTHON-CONDITION-ON-i: every image's result holds it
  python3 -c "
import json, sys
images = json.load(open(sys.argv[1]))['images']
assert len(images) == 3 and all($2 for i in images), images" "$1"
}

cp "$CASE_DIR/feeds/bookworm.xml" "$FEED"
fleet_expect 2 "first run" --store "$STORE" -o "$CASE_DIR/first"
[ "$(blob_requests)" -gt 0 ] || die "the first run pulled nothing"
for key in "$STORE"/results/*; do
  [ -s "$key/.kept/kept.json" ] && [ -s "$key/.kept/root/var/lib/dpkg/status" ] ||
    die "no kept part in $key: $(ls -a "$key")"
done

# The next day's feed at the same path: evaluated on the kept parts, no blob pulled.
cp "$CASE_DIR/feeds/next.xml" "$FEED"
fleet_expect 2 "feed changed" --store "$STORE" -o "$CASE_DIR/next"
[ "$(blob_requests)" -eq 0 ] || die "the feed-only rescan pulled blobs: $(grep blobs "$REG_DIR/proxy.log" | head -3)"
images_say "$CASE_DIR/next/summary.json" 'i["cve_reevaluated"] and not i["reused"]' ||
  die "the feed change was not evaluated on the kept parts"
! ls -a "$CASE_DIR"/next/*@*/ | grep -q '^\.kept' || die "the kept part was copied to -o"
for key in "$STORE"/results/*; do
  [ -s "$key/.kept/kept.json" ] || die "the re-evaluated result lost its kept part: $key"
done
fleet_expect 2 "fresh scan with the next feed" --no-store -o "$CASE_DIR/fresh"
python3 "$helper" same "$CASE_DIR/next/summary.json" "$CASE_DIR/fresh/summary.json" ||
  die "re-evaluated vulnerabilities differ from a fresh scan's"
python3 - "$CASE_DIR" "$helper" <<'PY' || die "the feed change did not show"
import json, subprocess, sys
case, helper = sys.argv[1:]
found = lambda run: json.loads(subprocess.check_output([sys.executable, helper, "found", f"{case}/{run}/summary.json"]))
first, nxt = found("first"), found("next")
for ref in first:
    assert "oval:org.imgscap.test:def:1" in nxt[ref] and "oval:org.imgscap.test:def:1" not in first[ref], ref
    assert len(set(first[ref]) - set(nxt[ref])) > 0, f"{ref}: no zlib definition was found before"
PY
# The rules' files are those of the first scan; the summary is new.
for dir in "$CASE_DIR"/next/*@*; do
  first_dir=$(ls -d "$CASE_DIR/first/$(basename "$dir")")
  cmp -s "$dir/arf.xml" "$first_dir/arf.xml" || die "rules' results changed in $dir"
  cmp -s "$dir/cve-oval-results.xml" "$first_dir/cve-oval-results.xml" && die "old CVE results in $dir"
  grep -q "CVE feed evaluated again" "$dir/summary.txt" || die "no note in $dir/summary.txt"
done

# A feed reading a file no scan kept: the images are scanned again (blobs pulled), and c, the
# one image with the file, is found vulnerable to the new definition.
cp "$CASE_DIR/feeds/marker.xml" "$FEED"
fleet_expect 2 "feed reading a new file" --store "$STORE" -o "$CASE_DIR/marker"
[ "$(blob_requests)" -gt 0 ] || die "the images were not pulled for a feed the kept part cannot answer"
images_say "$CASE_DIR/marker/summary.json" 'not i["cve_reevaluated"] and not i["reused"]' ||
  die "a feed reading an unkept file was answered from the kept part"
python3 - "$CASE_DIR" "$helper" "$PROXY" <<'PY' || die "marker definition"
import json, subprocess, sys
case, helper, proxy = sys.argv[1:]
found = json.loads(subprocess.check_output([sys.executable, helper, "found", f"{case}/marker/summary.json"]))
marked = sorted(ref for ref, ids in found.items() if "oval:org.imgscap.test:def:2" in ids)
assert marked == [f"docker://{proxy}/cve/c:1"], marked
PY
no_leftover_workdirs
