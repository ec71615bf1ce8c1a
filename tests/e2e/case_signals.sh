#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A scan killed by SIGTERM, SIGINT or SIGHUP during unpacking (on disk, and into the RAM-backed
# root, seen through the scan's own /proc/PID/root) or during evaluation exits 128+N and leaves
# no work directory, no throwaway layer and no complete-looking report.
source "$(dirname "$0")/lib.sh"

interrupt_when() {
  local condition=$1 signal=$2 expected=$3
  shift 3
  "$IMGSCAP" scan "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" --content "$SSG_DEBIAN11" \
    --profile anssi_np_nt28_high -q -o "$CASE_DIR/out-$signal" "$@" 2>"$ERR" &
  local pid=$! waited=0
  until eval "$condition"; do
    sleep 0.05
    waited=$((waited + 1))
    [ "$waited" -lt 1200 ] || die "condition never met: $condition"
    kill -0 "$pid" 2>/dev/null || die "scan ended before the condition: $condition"
  done
  kill "-$signal" "$pid"
  set +e
  wait "$pid"
  local rc=$?
  set -e
  [ "$rc" -eq "$expected" ] || die "exit $rc after SIG$signal, expected $expected: $(cat "$ERR")"
  expect_err_contains "interrupted by SIG$signal"
  no_leftover_workdirs
  [ ! -e "$CASE_DIR/out-$signal/summary.json" ] || die "an interrupted scan wrote a summary"
}

unpacking='[ -n "$(find "$TMPDIR" -path "*/rootfs/usr/*" -print -quit 2>/dev/null)" ]'
unpacking_in_memory='grep -q " imgscap-root " "/proc/$pid/mountinfo" 2>/dev/null && [ -n "$(find "/proc/$pid/root$TMPDIR" -path "*/rootfs/usr/*" -print -quit 2>/dev/null)" ]'
evaluating='[ -n "$(find "$TMPDIR" -name evaluate.log -print -quit 2>/dev/null)" ]'
# During unpacking: the root has some files but no os-release yet.
interrupt_when "$unpacking" TERM 143 --rootfs-memory 0
interrupt_when "$unpacking" HUP 129 --rootfs-memory 0
interrupt_when "$unpacking_in_memory" TERM 143
# During evaluation (in the sandbox): the evaluation child has started its log.
interrupt_when "$evaluating" INT 130
interrupt_when "$evaluating" HUP 129

# An evaluation that stops making progress (here: every process below imgscap stopped, as a
# deadlocked libopenscap sits in futex waits) is killed after --limit stall-seconds and run once
# more; the scan then finishes as usual, with a warning.
descendants() {
  local child
  for child in $(pgrep -P "$1"); do
    echo "$child"
    descendants "$child"
  done
}
"$IMGSCAP" scan "docker-archive:$DEBIAN11_DOCKER_ARCHIVE" --content "$SSG_DEBIAN11" \
  --profile anssi_np_nt28_high -q --rootfs-memory 0 --limit stall-seconds=3 \
  -o "$CASE_DIR/out-stall" 2>"$ERR" &
pid=$!
waited=0
until eval "$evaluating"; do
  sleep 0.05
  waited=$((waited + 1))
  [ "$waited" -lt 1200 ] || die "the evaluation never started"
done
stopped=$(descendants "$pid")
[ -n "$stopped" ] || die "no evaluation process below imgscap"
# shellcheck disable=SC2086
kill -STOP $stopped
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" -eq 2 ] || [ "$rc" -eq 0 ] || die "exit $rc after a stalled evaluation: $(cat "$ERR")"
expect_err_contains "made no progress for 3 seconds"
expect_err_contains "running it once more"
[ -s "$CASE_DIR/out-stall/summary.json" ] || die "no summary after the evaluation was run again"
