#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_registry.sh [RUNS]: what a registry pull costs, side by side in one sitting, on
# the Debian 11 e2e image (build/e2e-cache; run the test suite once first) pushed to a real
# docker-registry on loopback (TLS, htpasswd: tests/e2e/registry_harness.py):
#
#  P. imgscap scan docker://... (layers streamed from the registry into the root) with the
#     built-in baseline, vs the workflow it replaces: `skopeo copy docker://... docker-archive:`
#     then imgscap scan of the archive; and skopeo copy alone (the pull's floor).
#  I. imgscap inspect docker://... (manifest and config only) vs skopeo inspect.
#
# Printed as median [min-max] of RUNS (default 3). Not part of CI.
set -euo pipefail
runs=${1:-3}
here=$(cd "$(dirname "$0")/.." && pwd)
imgscap=${IMGSCAP:-$here/build/src/imgscap}
cache=${IMGSCAP_E2E_CACHE:-$here/build/e2e-cache}
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
# shellcheck disable=SC1091
source "$cache/images.env"
# shellcheck disable=SC1091
source "$here/bench/registry_setup.sh"
start_bench_registry registry
image="localhost:$REG_BASIC_PORT/team/debian:11"
creds="$REG_USER:$REG_PASSWORD"
skopeo copy -q --dest-cert-dir "$work/certs" --dest-creds "$creds" \
  "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" "docker://$image"
baseline="$here/content/imgscap-baseline-ds.xml"
results="$work/results.tsv"
now() { date +%s.%N; }
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }
peak_mb() { echo "$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$1") / 1024" | bc -l; }
timed() {  # timed TOOL COMMAND...: wall time and peak memory of one command
  local name=$1 t0 t1
  shift
  t0=$(now)
  /usr/bin/time -v -o "$work/time" "$@" >/dev/null || [ $? -eq 2 ]
  t1=$(now)
  record "$name" wall "$(echo "$t1 - $t0" | bc)"
  record "$name" peak_rss_mb "$(peak_mb "$work/time")"
}

for run in $(seq "$runs"); do
  echo "bench: run $run of $runs" >&2
  timed "P imgscap docker://" "$imgscap" scan "docker://$image" --content "$baseline" -q \
    -o "$work/out" --cert-dir "$work/certs" --creds "$creds"
  rm -rf "$work/out" "$work/pulled.tar"
  t0=$(now)
  timed "P skopeo copy (pull floor)" skopeo copy -q --src-cert-dir "$work/certs" \
    --src-creds "$creds" "docker://$image" "docker-archive:$work/pulled.tar"
  timed "P then imgscap archive" "$imgscap" scan "docker-archive:$work/pulled.tar" \
    --content "$baseline" -q -o "$work/out"
  t1=$(now)
  record "P skopeo copy + imgscap archive" wall "$(echo "$t1 - $t0" | bc)"
  rm -rf "$work/out" "$work/pulled.tar"
  timed "I imgscap inspect" "$imgscap" inspect "docker://$image" --cert-dir "$work/certs" \
    --creds "$creds"
  timed "I skopeo inspect" skopeo inspect --cert-dir "$work/certs" --creds "$creds" \
    "docker://$image"
done
python3 "$here/bench/medians.py" "$results" "$runs"
