#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the end-to-end cases: image paths, a private TMPDIR per case (checked for
# leftover work directories at exit), and assertions that say what failed.
set -euo pipefail

: "${IMGSCAP:?path to the imgscap binary}"
: "${IMGSCAP_E2E_CACHE:?}"
: "${IMGSCAP_SOURCE_DIR:?}"
# shellcheck disable=SC1091
source "$IMGSCAP_E2E_CACHE/images.env"

SSG_DEBIAN11=/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml
BASIC_OVAL="$IMGSCAP_SOURCE_DIR/tests/data/basic-oval.xml"
CASE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/imgscap-e2e-case.XXXXXX")
export TMPDIR="$CASE_DIR/tmp"
mkdir -p "$TMPDIR"

die() {
  echo "FAIL: $*" >&2
  exit 1
}

no_leftover_workdirs() {
  local left
  left=$(find "$TMPDIR" -maxdepth 1 -name 'imgscap-*' | head -5)
  [ -z "$left" ] || die "work directories left behind: $left"
}

finish_case() {
  local rc=$?
  if [ "$rc" -eq 0 ]; then
    no_leftover_workdirs || rc=1
  fi
  chmod -R u+rwX "$CASE_DIR" 2>/dev/null || true
  rm -rf "$CASE_DIR"
  exit "$rc"
}
trap finish_case EXIT

# run_imgscap ARGS...: sets RC, OUT (stdout file), ERR (stderr file).
OUT="$CASE_DIR/stdout"
ERR="$CASE_DIR/stderr"
run_imgscap() {
  set +e
  "$IMGSCAP" "$@" >"$OUT" 2>"$ERR"
  RC=$?
  set -e
}

expect_rc() {
  [ "$RC" -eq "$1" ] || die "expected exit $1, got $RC for: ${2:-imgscap}
stderr: $(head -c 3000 "$ERR")"
}

expect_err_contains() {
  grep -qF -- "$1" "$ERR" || die "stderr lacks \"$1\": $(head -c 3000 "$ERR")"
}

# The kept work directory printed by --keep-rootfs.
kept_workdir() {
  sed -n 's/^imgscap: kept work directory: \(.*\) (root filesystem in .*$/\1/p' "$ERR" | head -1
}

# scan_keeping_tree IMAGE ARGS...: a scan with --keep-rootfs (exit 0 or 2) whose work directory
# is on a tmpfs when the case may mount one (300,000 files are slow to delete on disk); KEPT is
# the kept work directory. finish_case removes it (after the unmount, keeping the exit status).
scan_keeping_tree() {
  local image=$1 workdir="$CASE_DIR/work"
  shift
  mkdir -p "$workdir"
  if mount -t tmpfs -o size=4g imgscap-e2e "$workdir" 2>/dev/null; then
    trap 'rc=$?; umount -l "$CASE_DIR/work" 2>/dev/null; (exit "$rc"); finish_case' EXIT
  fi
  run_imgscap scan "$image" "$@" -q --keep-rootfs --workdir "$workdir"
  [ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "scan with --keep-rootfs: exit $RC: $(head -c 2000 "$ERR")"
  KEPT=$(kept_workdir)
  [ -n "$KEPT" ] || die "no kept work directory"
}

# A stable listing of a tree: path, type, mode, owner, size, link target, content hash.
tree_listing() {
  python3 - "$1" <<'PY'
import hashlib, os, stat, sys
root = sys.argv[1]
rows = []
for dirpath, dirs, files in os.walk(root):
    for name in dirs + files:
        path = os.path.join(dirpath, name)
        st = os.lstat(path)
        rel = os.path.relpath(path, root)
        kind = stat.S_IFMT(st.st_mode)
        link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
        digest = size = "-"
        if stat.S_ISREG(st.st_mode):
            size = st.st_size
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:16]
        rows.append(f"{rel}\t{kind:o}\t{stat.S_IMODE(st.st_mode):o}\t{st.st_uid}:{st.st_gid}\t{size}\t{link}\t{digest}")
print("\n".join(sorted(rows)))
PY
}
