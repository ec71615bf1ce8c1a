#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_cve.sh IMAGE [DEFINITIONS] [RUNS]
# Time and peak memory of a CVE scan with a feed of DEFINITIONS (default 50,000) definitions in
# Debian's shape (tests/e2e/cve_feeds.py: one for an installed package, the rest filler of the
# same structure) against a real image, per phase from summary.json (load, evaluate, results,
# html, and reading the vulnerabilities back), beside `oscap oval eval --results --report` on
# the same tree unpacked by umoci, configured offline the same way. Runs alternate A B A B;
# trees are deleted outside the timed region (../shared/docs/measuring.md). Prints
# median [min-max]. Not part of CI.
# IMAGE: an OCI layout "oci:DIR:TAG" of a Debian 11 image, e.g. oci:$DEBIAN11_UMOCI_LAYOUT:debian11
set -euo pipefail
image=${1:?IMAGE (oci:DIR:TAG)} definitions=${2:-50000} runs=${3:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
imgscap=${IMGSCAP:-$here/build/src/imgscap}
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
layout=${image#oci:}; tag=${layout##*:}; layout=${layout%:*}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/imgscap-bench-cve.XXXXXX")
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"
settle() { sync; sleep 2; }
peak_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
now() { date +%s.%N; }

python3 - "$here/tests/e2e" "$work/feed.xml" "$definitions" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
from cve_feeds import write_feed
with open(sys.argv[2], "wb") as f:
    write_feed("debian", {"release": "11", "definitions": [
        {"package": "libc6", "fixed": "2.31-13+deb11u99", "cves": ["CVE-2099-0001"]}],
        "filler": int(sys.argv[3]) - 1}, f)
PY
echo "feed: $definitions definitions, $(du -m "$work/feed.xml" | cut -f1) MB" >&2
# A compliance content that costs nothing, so the figures are the CVE scan's.
content="$here/tests/data/basic-oval.xml"

for run in $(seq "$runs"); do
  settle
  /usr/bin/time -v -o "$work/time.a" "$imgscap" scan "$image" --content "$content" \
    --cve "$work/feed.xml" -q -o "$work/out" --workdir "$work" || [ $? -eq 2 ]
  python3 - "$work/out/summary.json" "$(peak_kb "$work/time.a")" >>"$results" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
t, m = summary["timings"], summary["peak_rss_kb"]
v = summary["vulnerabilities"]
assert v["definitions_evaluated"] > 0 and len(v["found"]) == 1, v["definition_results"]
cve = [k for k in t if k.startswith("cve_")]
for k in sorted(cve):
    print(f"imgscap\t{k}\t{t[k]:.3f}")
print(f"imgscap\tcve_total\t{sum(t[k] for k in cve):.3f}")
print(f"imgscap\ttotal\t{t['total']:.3f}")
for k in sorted(m):
    if k.startswith("cve_"):
        print(f"imgscap\tpeak_mb.{k}\t{m[k] / 1024:.1f}")
print(f"imgscap\tpeak_rss_mb\t{int(sys.argv[2]) / 1024:.1f}")
PY
  rm -rf "$work/out" "$work/bundle"; settle
  umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
  arch=amd64
  mkdir -p "$work/parts" "$work/home"
  printf 'Dir::Etc::Parts "%s";\nDir::Etc::main "/dev/null";\nDir::Etc::SourceList "/nonexistent/s";\nDir::Etc::SourceParts "/nonexistent/p";\nDir::Cache "/nonexistent-%s/cache";\nAPT::Architecture "%s";\nAPT::Architectures { "%s"; };\n' \
    "$work/parts" "$RANDOM$RANDOM" "$arch" "$arch" >"$work/apt.conf"
  t0=$(now)
  APT_CONFIG="$work/apt.conf" HOME="$work/home" OSCAP_PROBE_ROOT="$work/bundle/rootfs" \
    /usr/bin/time -v -o "$work/time.b" oscap oval eval --skip-valid --results "$work/ref.xml" \
    --report "$work/ref.html" "$work/feed.xml" >/dev/null
  t1=$(now)
  printf 'oscap\tcve_total\t%.3f\noscap\tpeak_rss_mb\t%.1f\n' "$(echo "$t1 - $t0" | bc)" \
    "$(echo "$(peak_kb "$work/time.b") / 1024" | bc -l)" >>"$results"
  rm -rf "$work/bundle" "$work/ref.xml" "$work/ref.html"
done

python3 "$here/bench/medians.py" "$results" "$runs"
