#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_fleet.sh [IMAGES]: what a daily fleet rescan costs, in one sitting. IMAGES
# (default 20) variants of the Debian 11 e2e image (build/e2e-cache; run the test suite once
# first), each with its own config digest, pushed by skopeo to a real docker-registry on
# loopback (tests/e2e/registry_harness.py), scanned with the default content and a CVE feed
# (the real Debian bookworm feed of ../shared/fixtures/feeds; the "changed" feed is the same
# with one definition fewer):
#
#  1. first fleet run, --jobs 2 (everything pulled and scanned);
#  2. rescan, nothing changed (the store answers; one manifest request per image);
#  3. rescan after the feed changed;
#  peer: what a cron user scripts without a fleet: a loop of single-image scans, rescanning
#  every image every night.
#
# Wall time per image and the peak memory of the largest process. Not part of CI.
set -euo pipefail
count=${1:-20}
here=$(cd "$(dirname "$0")/.." && pwd)
imgscap=${IMGSCAP:-$here/build/src/imgscap}
cache=${IMGSCAP_E2E_CACHE:-$here/build/e2e-cache}
feed_in=${FEED:-$here/../shared/fixtures/feeds/oval-definitions-bookworm.xml.bz2}
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$cache/images.env"
# shellcheck disable=SC1091
source "$here/bench/registry_setup.sh"
start_bench_registry fleet
creds="$REG_USER:$REG_PASSWORD"
registry="localhost:$REG_BASIC_PORT"

echo "bench: pushing $count images" >&2
for i in $(seq "$count"); do
  echo "{\"config\": {\"Labels\": {\"variant\": \"$i\"}}, \"layers\": []}" >"$work/spec.json"
  rm -rf "$work/layout"
  python3 "$here/tests/e2e/make_image.py" "$work/spec.json" "$work/layout" --tag 1 \
    --base "$DEBIAN11_OCI_LAYOUT" >/dev/null
  skopeo copy -q --dest-cert-dir "$work/certs" --dest-creds "$creds" "oci:$work/layout:1" \
    "docker://$registry/bench/app-$i:1"
  echo "docker://$registry/bench/app-$i:1" >>"$work/images.txt"
done
bzip2 -dc "$feed_in" >"$work/feed.xml"
# The changed feed: the same with its last definition removed (another sha256).
python3 - "$work/feed.xml" "$work/feed-changed.xml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
end = text.rfind("</definition>")
start = text.rfind("<definition ", 0, end)
open(sys.argv[2], "w", encoding="utf-8").write(text[:start] + text[end + len("</definition>"):])
PY
cp "$work/feed.xml" "$work/current-feed.xml"

results="$work/results.tsv"
now() { date +%s.%N; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }
timed() {  # timed NAME COMMAND...: wall time per image and the peak memory
  local name=$1 t0 t1
  shift
  t0=$(now)
  local rc=0
  /usr/bin/time -v -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || rc=$?
  # 0, 2, 3, 4: the scans finished (verdicts); anything else is a failure of the bench
  case $rc in
    0 | 2 | 3 | 4) ;;
    *) echo "bench: $name failed ($rc):" >&2; cat "$work/stderr" >&2; exit 1 ;;
  esac
  t1=$(now)
  record "$name" "wall per image (s)" "$(echo "($t1 - $t0) / $count" | bc -l)"
  record "$name" "peak rss (MB)" \
    "$(echo "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time") / 1024" | bc -l)"
}
fleet() {
  "$imgscap" scan --images-from "$work/images.txt" --jobs 2 --cve "$work/current-feed.xml" \
    --store "$work/store" -q --cert-dir "$work/certs" --creds "$creds"
}
loop() {
  local ref rc=0
  while read -r ref; do
    "$imgscap" scan "$ref" --cve "$work/current-feed.xml" -q -o "$work/loop" \
      --cert-dir "$work/certs" --creds "$creds" || [ $? -ne 1 ] || rc=5
  done <"$work/images.txt"
  return "$rc"
}

export -f fleet loop
export work imgscap creds
echo "bench: 1. first fleet run" >&2
timed "1. fleet, first run (--jobs 2)" bash -c fleet
echo "bench: 2. rescan, nothing changed" >&2
timed "2. fleet rescan, unchanged" bash -c fleet
echo "bench: 3. rescan after a feed change" >&2
cp "$work/feed-changed.xml" "$work/current-feed.xml"
timed "3. fleet rescan, feed changed" bash -c fleet
echo "bench: peer: a loop of single-image scans" >&2
timed "peer: loop of single scans" bash -c loop
python3 "$here/bench/medians.py" "$results" 1
