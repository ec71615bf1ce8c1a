#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# oscap_reference.sh TREE CONTENT PROFILE ARF [ENV...]: evaluates TREE with the oscap command
# itself, configured for offline images as ../shared/docs/openscap-offline.md describes, on a
# copy of the tree (the original is not touched). Exit status as oscap's (0, 2; 1 error).
set -euo pipefail
tree=$1 content=$2 profile=$3 arf=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# REF_IN_PLACE=1 (bench): evaluate the given throwaway tree itself instead of a copy.
if [ -n "${REF_IN_PLACE:-}" ]; then ln -s "$(realpath "$tree")" "$work/tree"; else cp -a "$tree" "$work/tree"; fi
[ -e "$work/tree/run/.containerenv" ] || [ -e "$work/tree/.dockerenv" ] ||
  { mkdir -p "$work/tree/run" && : >"$work/tree/run/.containerenv"; }
arch=$(awk '/^Package: dpkg$/{p=1} p&&/^Architecture:/{print $2; exit}' "$work/tree/var/lib/dpkg/status" 2>/dev/null || true)
mkdir -p "$work/parts" "$work/home"
cat >"$work/apt.conf" <<APT
Dir::Etc::Parts "$work/parts";
Dir::Etc::main "/dev/null";
Dir::Etc::SourceList "/nonexistent-ref/sources.list";
Dir::Etc::SourceParts "/nonexistent-ref/sources.list.d";
Dir::Cache "/nonexistent-ref-$RANDOM$RANDOM/cache";
APT::Architecture "${arch:-amd64}";
APT::Architectures { "${arch:-amd64}"; };
APT
echo '%_dbpath /var/lib/rpm' >"$work/home/.rpmmacros"
vars=$(printf '%s\n' "$@")
set +e
env APT_CONFIG="$work/apt.conf" HOME="$work/home" OSCAP_PROBE_ROOT="$work/tree" \
  OSCAP_EVALUATION_TARGET=reference OSCAP_CONTAINER_VARS="$vars" \
  oscap xccdf eval --profile "$profile" --results-arf "$arf" ${REF_REPORT:+--report "$REF_REPORT"} \
  "$content" >"$work/oscap.out" 2>&1
rc=$?
set -e
[ "$rc" -ne 1 ] || { tail -20 "$work/oscap.out" >&2; exit 1; }
exit "$rc"
