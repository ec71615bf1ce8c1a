#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sourced by the registry benches: `start_bench_registry NAME` makes $work (a private directory
# removed at exit), starts tests/e2e/registry_harness.py there (real docker-registry instances
# on loopback, stopped at exit), sources its REG_* variables and puts its CA in $work/certs.
# Needs $here (the source tree).

start_bench_registry() {
  work=$(mktemp -d "${TMPDIR:-/var/tmp}/imgscap-bench-$1.XXXXXX")
  python3 "$here/tests/e2e/registry_harness.py" "$work/registries" >"$work/harness.log" 2>&1 &
  harness=$!
  trap 'kill "$harness" 2>/dev/null; wait "$harness" 2>/dev/null; rm -rf "$work"' EXIT
  for _ in $(seq 150); do
    [ -f "$work/registries/env.sh" ] && break
    sleep 0.2
  done
  # shellcheck disable=SC1091
  source "$work/registries/env.sh"
  mkdir -p "$work/certs"
  cp "$REG_DIR/ca.crt" "$work/certs/"
}
