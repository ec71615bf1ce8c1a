#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench.sh [RUNS]: the figures issue 10 names, measured side by side in one sitting on the
# e2e images (build/e2e-cache; run the test suite once first) and printed as median [min-max]:
#
#  A. SSG Debian 11 profile (PROFILE, default anssi_np_nt28_high) on the Debian 11 image:
#     imgscap with ARF and HTML vs `umoci unpack` + `oscap xccdf eval` configured for offline use
#     (tests/e2e/oscap_reference.sh) with ARF and HTML; ratio of the medians (target <= 0.5).
#  B. The default scan (no content arguments: baseline + SSG) of the Debian 11 image: the
#     baseline's evaluation as a share of the whole (target < 0.1).
#  C. The 300,000-file image (tests/e2e/many_files_image.sh) scanned with the default content:
#     wall time (target <= 30 s) and peak memory.
#  D. The floor: GNU `tar -xzf` of the same layers into the same filesystem (tmpfs, as imgscap's
#     RAM-backed root; and the disk with --rootfs-memory 0), beside imgscap's unpack phase
#     (target <= 1.3x).
#
# Runs alternate between the programs; trees are deleted outside the timed regions and the
# disk is left to settle after every deletion (../shared/docs/measuring.md). Not part of CI.
set -euo pipefail
runs=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
imgscap=${IMGSCAP:-$here/build/src/imgscap}
cache=${IMGSCAP_E2E_CACHE:-$here/build/e2e-cache}
profile=${PROFILE:-anssi_np_nt28_high}
ssg=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$cache/images.env"
debian="oci:$DEBIAN11_UMOCI_LAYOUT:debian11"
many=$(IMGSCAP_E2E_CACHE=$cache IMGSCAP_SOURCE_DIR=$here bash "$here/tests/e2e/many_files_image.sh")
work=$(mktemp -d "${TMPDIR:-/var/tmp}/imgscap-bench.XXXXXX")
mem="$work/tmpfs"
mkdir -p "$mem"
mount -t tmpfs -o size=16g imgscap-bench "$mem"
trap 'umount "$mem" 2>/dev/null; chmod -R u+rwX "$work" 2>/dev/null; rm -rf "$work"' EXIT
results="$work/results.tsv"

settle() { sync; sleep "${SETTLE_SECONDS:-3}"; }
peak_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
now() { date +%s.%N; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }
# The layer blobs of an OCI layout's tagged image, in order.
layers() {
  python3 - "$1" <<'PY'
import json, os, sys
layout, tag = sys.argv[1][4:].rsplit(":", 1)
index = json.load(open(os.path.join(layout, "index.json")))
for m in index["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
        blob = lambda d: os.path.join(layout, "blobs", "sha256", d.split(":")[1])
        for layer in json.load(open(blob(m["digest"])))["layers"]:
            print(blob(layer["digest"]))
PY
}

# imgscap TOOL-NAME IMAGE WORKDIR [ARGS...]: one scan; records total, unpack, every phase and
# the peak memory as summary.json and /usr/bin/time report them.
scan() {
  local name=$1 image=$2 dir=$3
  shift 3
  local t0 t1
  t0=$(now)
  /usr/bin/time -v -o "$work/time" "$imgscap" scan "$image" -q -o "$work/out" --workdir "$dir" \
    "$@" || [ $? -eq 2 ]
  t1=$(now)
  record "$name" wall "$(echo "$t1 - $t0" | bc)"
  python3 - "$work/out/summary.json" "$name" >>"$results" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s["timings"]
for k in ("unpack", "probe_check", "load", "evaluate", "arf", "html", "total"):
    print(f"{sys.argv[2]}\t{k}\t{t.get(k, 0):.3f}")
PY
  record "$name" peak_rss_mb "$(echo "$(peak_kb "$work/time") / 1024" | bc -l)"
  rm -rf "$work/out"
}

# The baseline's share of a default scan, from the per-evaluation timings.
baseline_share() {
  "$imgscap" scan "$1" -q -o "$work/out" --workdir "$2" || [ $? -eq 2 ]
  python3 - "$work/out/summary.json" >>"$results" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
base = next(e for e in s["evaluations"] if e["name"] == "baseline")
seconds = sum(base["timings"].get(k, 0) for k in ("load", "evaluate", "arf", "html"))
print(f"default scan\tbaseline_seconds\t{seconds:.3f}")
print(f"default scan\ttotal\t{s['timings']['total']:.3f}")
print(f"default scan\tbaseline_share\t{seconds / s['timings']['total']:.4f}")
PY
  rm -rf "$work/out"
}

# tar -xzf of every layer of IMAGE into DIR (whiteouts are not applied: a floor, not a peer).
tar_floor() {
  local name=$1 image=$2 dir=$3
  mkdir -p "$dir"
  local t0 t1
  t0=$(now)
  while read -r blob; do
    tar -xzf "$blob" -C "$dir" --numeric-owner
  done < <(layers "$image")
  t1=$(now)
  record "$name" unpack "$(echo "$t1 - $t0" | bc)"
}

for run in $(seq "$runs"); do
  echo "bench: run $run of $runs" >&2
  # A. SSG profile: imgscap vs umoci + oscap.
  settle
  scan "A imgscap ssg" "$debian" "$work" --content "$ssg" --profile "$profile"
  rm -rf "$work/bundle"; settle
  t0=$(now)
  /usr/bin/time -v -o "$work/time.b1" umoci unpack --image "${debian#oci:}" "$work/bundle" >/dev/null
  REF_IN_PLACE=1 REF_REPORT="$work/ref.html" /usr/bin/time -v -o "$work/time.b2" \
    bash "$here/tests/e2e/oscap_reference.sh" "$work/bundle/rootfs" "$ssg" "$profile" \
    "$work/ref.xml" || [ $? -eq 2 ]
  t1=$(now)
  record "A umoci+oscap" wall "$(echo "$t1 - $t0" | bc)"
  record "A umoci+oscap" peak_rss_mb "$(echo "$(printf '%s\n%s\n' "$(peak_kb "$work/time.b1")" \
    "$(peak_kb "$work/time.b2")" | sort -n | tail -1) / 1024" | bc -l)"
  rm -rf "$work/bundle"

  # B. The default scan of the Debian image.
  settle
  baseline_share "$debian" "$work"

  # C. The 300,000-file image, default content (RAM-backed root).
  settle
  scan "C imgscap 300k default" "$many" "$work"

  # D. Unpack floors: tmpfs, then disk.
  tar_floor "D tar tmpfs debian" "$debian" "$mem/tar"; rm -rf "$mem/tar"
  scan "D imgscap tmpfs debian" "$debian" "$work" --content "$here/tests/data/basic-oval.xml"
  tar_floor "D tar tmpfs 300k" "$many" "$mem/tar"; rm -rf "$mem/tar"
  scan "D imgscap tmpfs 300k" "$many" "$work" --content "$here/tests/data/basic-oval.xml"
  if [ -z "${SKIP_DISK:-}" ]; then
    settle
    tar_floor "D tar disk debian" "$debian" "$work/tar"; rm -rf "$work/tar"; settle
    scan "D imgscap disk debian" "$debian" "$work" --rootfs-memory 0 \
      --content "$here/tests/data/basic-oval.xml"
    settle
    tar_floor "D tar disk 300k" "$many" "$work/tar"; rm -rf "$work/tar"; settle
    scan "D imgscap disk 300k" "$many" "$work" --rootfs-memory 0 \
      --content "$here/tests/data/basic-oval.xml"
  fi
done

python3 "$here/bench/medians.py" "$results" "$runs"
python3 - "$results" <<'PY'
import collections, statistics, sys
v = collections.defaultdict(list)
for line in open(sys.argv[1]):
    tool, key, value = line.rstrip("\n").split("\t")
    v[(tool, key)].append(float(value))
m = lambda tool, key: statistics.median(v[(tool, key)]) if v.get((tool, key)) else float("nan")
print()
print("targets (medians):")
print(f"  A. SSG profile, imgscap / umoci+oscap: {m('A imgscap ssg', 'wall'):.2f} s / "
      f"{m('A umoci+oscap', 'wall'):.2f} s = {m('A imgscap ssg', 'wall') / m('A umoci+oscap', 'wall'):.2f}  (target <= 0.5)")
print(f"  B. baseline share of the default scan: {m('default scan', 'baseline_share'):.3f}  (target < 0.1)")
print(f"  C. 300k-file image, default content: {m('C imgscap 300k default', 'wall'):.1f} s wall, "
      f"peak {m('C imgscap 300k default', 'peak_rss_mb'):.0f} MiB  (target <= 30 s)")
for fs in ("tmpfs", "disk"):
    for image in ("debian", "300k"):
        tar = m(f"D tar {fs} {image}", "unpack")
        ours = m(f"D imgscap {fs} {image}", "unpack")
        if tar == tar:
            print(f"  D. unpack {image} on {fs}: imgscap {ours:.2f} s / tar -xzf {tar:.2f} s = "
                  f"{ours / tar:.2f}  (target <= 1.3)")
PY
