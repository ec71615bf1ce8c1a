#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench.sh IMAGE CONTENT PROFILE [RUNS]
# Times imgscap per phase (read+unpack, evaluate, ARF, HTML) with the peak memory reached by the
# end of each phase (both from summary.json; unpack runs in the parent, the rest in the evaluation
# child) and the whole run's peak (/usr/bin/time -v), beside `umoci unpack` + `oscap xccdf eval`
# (configured as the e2e reference, the oscap-chroot way) on the same image and content. Runs alternate A B A B;
# trees are deleted outside the timed region and the disk is left to settle between runs
# (see ../shared/docs/measuring.md). Prints median [min-max] per figure. Not part of CI.
# IMAGE must be an OCI layout "oci:DIR:TAG" (umoci reads only that), e.g. from
# build/e2e-cache/images.env: oci:$DEBIAN11_UMOCI_LAYOUT:debian11
set -euo pipefail
image=${1:?IMAGE (oci:DIR:TAG)} content=${2:?CONTENT} profile=${3:?PROFILE} runs=${4:-5}
here=$(cd "$(dirname "$0")/.." && pwd)
imgscap=${IMGSCAP:-$here/build/src/imgscap}
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
layout=${image#oci:}; tag=${layout##*:}; layout=${layout%:*}
work=$(mktemp -d "${TMPDIR:-/var/tmp}/imgscap-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"

settle() { sync; sleep 2; }
peak_kb() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
now() { date +%s.%N; }

for run in $(seq "$runs"); do
  # A: imgscap
  settle
  /usr/bin/time -v -o "$work/time.a" "$imgscap" scan "$image" --content "$content" \
    --profile "$profile" -q -o "$work/out" --workdir "$work" || [ $? -eq 2 ]
  python3 - "$work/out/summary.json" "$(peak_kb "$work/time.a")" >>"$results" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
t, m = summary["timings"], summary["peak_rss_kb"]
for k in ("unpack", "probe_check", "load", "evaluate", "arf", "html", "total"):
    print(f"imgscap\t{k}\t{t.get(k, 0):.3f}")
for k in ("unpack", "load", "evaluate", "arf", "html"):
    print(f"imgscap\tpeak_mb.{k}\t{m.get(k, 0) / 1024:.1f}")
print(f"imgscap\tpeak_rss_mb\t{int(sys.argv[2]) / 1024:.1f}")
PY
  # B: umoci unpack + oscap (offline-configured, as tests/e2e/oscap_reference.sh)
  rm -rf "$work/bundle"; settle
  t0=$(now)
  /usr/bin/time -v -o "$work/time.b1" umoci unpack --image "$layout:$tag" "$work/bundle" >/dev/null
  t1=$(now)
  REF_IN_PLACE=1 REF_REPORT="$work/ref.html" /usr/bin/time -v -o "$work/time.b2" bash "$here/tests/e2e/oscap_reference.sh" \
    "$work/bundle/rootfs" "$content" "$profile" "$work/ref.xml" || [ $? -eq 2 ]
  t2=$(now)
  printf 'umoci+oscap\tunpack\t%.3f\numoci+oscap\tevaluate+arf+html\t%.3f\numoci+oscap\ttotal\t%.3f\n' \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$(echo "$t2 - $t0" | bc)" >>"$results"
  printf 'umoci+oscap\tpeak_rss_mb\t%.1f\n' \
    "$(echo "$(printf '%s\n%s\n' "$(peak_kb "$work/time.b1")" "$(peak_kb "$work/time.b2")" | sort -n | tail -1) / 1024" | bc -l)" >>"$results"
  rm -rf "$work/bundle"
done

python3 "$here/bench/medians.py" "$results" "$runs"
