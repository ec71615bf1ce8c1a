#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# imgscap as an ordinary user. With subordinate ids (newuidmap/newgidmap) the image's file owners
# survive and every SSG Debian 11 rule gives the same result as the root scan; without them the
# summary says ownership is not the image's and lists the rule results that compare owners; where
# no user namespace can be created the scan fails saying what is missing. Needs root to create
# the two test users (imgscap-e2e-sub, imgscap-e2e-nosub); skipped otherwise.
# ctest-labels: openscap-heavy
# ctest-cost: 45
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root to create the test users"
  exit 77
fi

ensure_user() {
  id -u "$1" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$1"
}
ensure_user imgscap-e2e-sub
ensure_user imgscap-e2e-nosub
for file in /etc/subuid /etc/subgid; do
  touch "$file"
  grep -q '^imgscap-e2e-sub:' "$file" || echo "imgscap-e2e-sub:1500000:65536" >>"$file"
  sed -i '/^imgscap-e2e-nosub:/d' "$file"
done
chmod 755 "$CASE_DIR"
chmod 1777 "$TMPDIR"
# The users may not reach the build tree (a clone under /root): give them copies.
install -m 0755 "$IMGSCAP" "$CASE_DIR/imgscap"
install -m 0644 "$DEBIAN11_DOCKER_ARCHIVE" "$CASE_DIR/debian11.tar"
image="docker-archive:$CASE_DIR/debian11.tar"

# as USER ARGS...: runs imgscap as USER with the case's TMPDIR; sets RC.
as() {
  local user=$1
  shift
  set +e
  runuser -u "$user" -- env TMPDIR="$TMPDIR" "$CASE_DIR/imgscap" "$@" >"$OUT" 2>"$ERR"
  RC=$?
  set -e
}

run_imgscap scan "$image" --content "$SSG_DEBIAN11" --profile '(all)' -q -o "$CASE_DIR/root"
[ "$RC" -eq 2 ] || die "root scan: $RC $(cat "$ERR")"

mkdir -m 1777 "$CASE_DIR/outputs"
as imgscap-e2e-sub scan "$image" --content "$SSG_DEBIAN11" --profile '(all)' --format json \
  -o "$CASE_DIR/outputs/sub"
[ "$RC" -eq 2 ] || die "scan with subordinate ids: $RC $(cat "$ERR")"
python3 - "$CASE_DIR/outputs/sub/summary.json" <<'PY' || die "subordinate-id summary"
import json, sys
s = json.load(open(sys.argv[1]))["sandbox"]
assert s["isolated"] and s["ownership_kept"], s
assert "subordinate ids from 1500000" in s["user_namespace"], s
PY
python3 "$(dirname "$0")/compare_results.py" "$CASE_DIR/outputs/sub/arf.xml" "$CASE_DIR/root/arf.xml" ||
  die "an ordinary user with subordinate ids got other results than root"
[ "$(stat -c %U "$CASE_DIR/outputs/sub/summary.json")" = imgscap-e2e-sub ] ||
  die "outputs are not owned by the user who ran the scan"

as imgscap-e2e-nosub scan "$image" --content "$SSG_DEBIAN11" --profile '(all)' -o "$CASE_DIR/outputs/nosub"
[ "$RC" -eq 2 ] || [ "$RC" -eq 0 ] || die "scan without subordinate ids: $RC $(cat "$ERR")"
grep -q "Warning: file owners in the scanned tree are not the image's (no subordinate id range" "$OUT" ||
  die "no ownership warning: $(head -30 "$OUT")"
python3 - "$CASE_DIR/outputs/nosub/summary.json" <<'PY' || die "no-subordinate-id summary"
import json, sys
s = json.load(open(sys.argv[1]))
assert not s["sandbox"]["ownership_kept"], s["sandbox"]
owners = s["ownership_dependent_rules"]
assert len(owners) > 10, owners
assert any("file_owner" in r or "groupowner" in r for r in owners), owners
PY

# No user namespace possible (as in a locked-down container): a clear error, nothing left.
set +e
unshare --user --map-root-user sh -c \
  'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" "$@"' \
  "$IMGSCAP" scan "$image" --content "$SSG_DEBIAN11" -o "$CASE_DIR/outputs/nons" >"$OUT" 2>"$ERR"
RC=$?
set -e
expect_rc 1 "no user namespaces"
expect_err_contains "cannot create a user namespace for the evaluation sandbox"
expect_err_contains "user.max_user_namespaces is 0"
expect_err_contains "--unsafe-no-sandbox"
no_leftover_workdirs
