#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Package probes give the true answer or say they cannot: images built on real rpm databases
# (sqlite from CBL-Mariner 2.0, Berkeley DB from RHEL 8, both in tests/fixtures) answer as their
# packages.tsv says, and so does a distroless image (status.d); a corrupt database, a SUSE ndb
# database, an unusable dpkg status and chroot refused (no sandbox, no CAP_SYS_CHROOT) turn the
# affected rules into errors with the reason, and exit 3 says the evaluation is incomplete.
source "$(dirname "$0")/lib.sh"
fixtures="$IMGSCAP_SOURCE_DIR/tests/fixtures/rpmdb"
rpm_oval="$IMGSCAP_SOURCE_DIR/tests/data/rpm-oval.xml"

# image NAME OS_ID DB_FILE_IN_IMAGE HOST_FILE_OR_TEXT: an OCI layout with os-release and one file.
image() {
  local name=$1 os_id=$2 path=$3 source=$4 entry
  if [ -f "$source" ]; then
    entry="{\"path\": \"$path\", \"from\": \"$source\"}"
  else
    entry="{\"path\": \"$path\", \"content\": \"$source\"}"
  fi
  cat >"$CASE_DIR/$name.json" <<JSON
{"layers": [[
  {"path": "etc", "type": "dir"},
  {"path": "etc/os-release", "content": "ID=$os_id\nVERSION_ID=\"1\"\n"},
  $entry
]]}
JSON
  python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/$name.json" "$CASE_DIR/$name"
}

# expect_result SUMMARY_JSON RULE_ID RESULT
expect_result() {
  python3 - "$@" <<'PY' || die "$2 is not $3 in $1: $(head -c 2000 "$1")"
import json, sys
rules = {r["id"]: r for r in json.load(open(sys.argv[1]))["rules"]}
assert rules[sys.argv[2]]["result"] == sys.argv[3], rules.get(sys.argv[2])
PY
}
expect_reason() {
  python3 - "$@" <<'PY' || die "$2 has no reason containing \"$3\" in $1"
import json, sys
rules = {r["id"]: r for r in json.load(open(sys.argv[1]))["rules"]}
assert sys.argv[3] in rules[sys.argv[2]].get("reason", ""), rules[sys.argv[2]]
PY
}

# 1. sqlite (Mariner 2.0): bash 0:5.1.8-1.cm2 is installed.
image mariner mariner var/lib/rpm/rpmdb.sqlite "$fixtures/mariner2-sqlite/rpmdb.sqlite"
run_imgscap scan "oci:$CASE_DIR/mariner" --content "$rpm_oval" -q -o "$CASE_DIR/out-mariner"
expect_rc 2 "mariner"
s="$CASE_DIR/out-mariner/summary.json"
expect_result "$s" oval:imgscap.rpm:def:1 fail   # bash < 5.1.8-2: vulnerable
expect_result "$s" oval:imgscap.rpm:def:2 pass   # bash < 5.1.8-1: fixed
expect_result "$s" oval:imgscap.rpm:def:3 pass   # not installed
expect_result "$s" oval:imgscap.rpm:def:4 pass   # libuuid not installed
expect_result "$s" oval:imgscap.rpm:def:5 pass

# 2. Berkeley DB (RHEL 8, Packages only): libuuid 0:2.32.1-42.el8_8 is installed.
image rhel8 rhel var/lib/rpm/Packages "$fixtures/rhel8-bdb/Packages"
run_imgscap scan "oci:$CASE_DIR/rhel8" --content "$rpm_oval" -q -o "$CASE_DIR/out-rhel8"
expect_rc 2 "rhel8"
s="$CASE_DIR/out-rhel8/summary.json"
expect_result "$s" oval:imgscap.rpm:def:4 fail   # libuuid < 2.32.1-43.el8_8: vulnerable
expect_result "$s" oval:imgscap.rpm:def:1 pass   # bash not installed
expect_result "$s" oval:imgscap.rpm:def:5 pass

# 3. A corrupt sqlite database: rpm rules are errors naming the database, the file rule stands.
image corrupt mariner var/lib/rpm/rpmdb.sqlite "this is not an sqlite database"
run_imgscap scan "oci:$CASE_DIR/corrupt" --content "$rpm_oval" -o "$CASE_DIR/out-corrupt"
expect_rc 3 "corrupt rpm database"
s="$CASE_DIR/out-corrupt/summary.json"
for def in 1 2 3 4; do expect_result "$s" "oval:imgscap.rpm:def:$def" error; done
expect_reason "$s" oval:imgscap.rpm:def:1 "the rpm database (var/lib/rpm, sqlite)"
expect_result "$s" oval:imgscap.rpm:def:5 pass
grep -q "Verdict: INCOMPLETE" "$OUT" || die "no INCOMPLETE verdict: $(cat "$OUT")"
grep -q "reason: rpminfo probe: the rpm database" "$OUT" || die "no reason in the text summary"
grep -q 'result="error"' "$CASE_DIR/out-corrupt/oval-results.xml" ||
  die "the OVAL results file was not corrected"

# 4. SUSE's ndb database: said plainly.
image ndb opensuse-leap var/lib/rpm/Packages.db "ndb"
run_imgscap scan "oci:$CASE_DIR/ndb" --content "$rpm_oval" -q -o "$CASE_DIR/out-ndb"
expect_rc 3 "ndb"
expect_reason "$CASE_DIR/out-ndb/summary.json" oval:imgscap.rpm:def:1 "ndb format"

# 5. A dpkg status the probe cannot use (apt drops packages without a Version).
image dpkg debian var/lib/dpkg/status "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\n\n"
run_imgscap scan "oci:$CASE_DIR/dpkg" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out-dpkg"
expect_rc 3 "unreadable dpkg status"
s="$CASE_DIR/out-dpkg/summary.json"
expect_result "$s" oval:imgscap.test:def:3 error
expect_reason "$s" oval:imgscap.test:def:3 "the dpkg database (var/lib/dpkg/status)"
expect_result "$s" oval:imgscap.test:def:1 pass

# 6. Distroless: one stanza per package in var/lib/dpkg/status.d (no Status field, no dpkg
# tables). imgscap gives the probe a status file and the tables in the throwaway layer: base-files
# 11.1+deb11u7 is found (older than 99: the vulnerability definition is true).
cat >"$CASE_DIR/distroless.json" <<'JSON'
{"config": {"User": "65532"}, "layers": [[
  {"path": "etc/os-release", "content": "PRETTY_NAME=\"Distroless\"\nID=\"debian\"\nVERSION_ID=\"11\"\n"},
  {"path": "var/lib/dpkg/status.d/base-files", "content": "Package: base-files\nVersion: 11.1+deb11u7\nArchitecture: amd64\nMaintainer: Santiago Vila <sanvila@debian.org>\nInstalled-Size: 340\nSection: admin\nPriority: required\nDescription: Debian base system miscellaneous files\n"},
  {"path": "var/lib/dpkg/status.d/base-files.md5sums", "content": "d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n"},
  {"path": "var/lib/dpkg/status.d/tzdata", "content": "Package: tzdata\nVersion: 2024a-0+deb11u1\nArchitecture: all\nMaintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\nInstalled-Size: 3000\nSection: localization\nPriority: required\nDescription: time zone data\n"}
]]}
JSON
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/distroless.json" "$CASE_DIR/distroless"
run_imgscap scan "oci:$CASE_DIR/distroless" --content "$BASIC_OVAL" --keep-rootfs -q -o "$CASE_DIR/out-distroless"
expect_rc 2 "distroless"
expect_result "$CASE_DIR/out-distroless/summary.json" oval:imgscap.test:def:3 fail
work=$(kept_workdir)
[ ! -e "$work/rootfs/var/lib/dpkg/status" ] || die "the status file was written into the tree"
[ -s "$work/layer/upper/var/lib/dpkg/status" ] || die "no status file in the throwaway layer"
chmod -R u+rwX "$work" && rm -rf "$work"

# 7. var/lib/dpkg/status that is not a regular file: an error, not "nothing installed".
cat >"$CASE_DIR/statusdir.json" <<'JSON'
{"layers": [[{"path": "etc/os-release", "content": "ID=debian\nVERSION_ID=11\n"},
  {"path": "var/lib/dpkg/status", "type": "dir"}]]}
JSON
python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/statusdir.json" "$CASE_DIR/statusdir"
run_imgscap scan "oci:$CASE_DIR/statusdir" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out-statusdir"
expect_rc 3 "status is a directory"
expect_reason "$CASE_DIR/out-statusdir/summary.json" oval:imgscap.test:def:3 "var/lib/dpkg/status is not a regular file"

# 8. Chroot refused: no sandbox and no CAP_SYS_CHROOT. OpenSCAP would abort in the rpminfo
# probe; the rpm rules are reported as errors instead and the file rule is evaluated.
if [ "$(id -u)" -eq 0 ]; then
  (cd "$CASE_DIR" && oscap ds sds-compose "$IMGSCAP_SOURCE_DIR/tests/data/rpm-xccdf.xml" rpm-ds.xml)
  no_chroot=(setpriv --inh-caps=-sys_chroot --bounding-set=-sys_chroot)
  set +e
  "${no_chroot[@]}" "$IMGSCAP" scan "oci:$CASE_DIR/mariner" --content "$CASE_DIR/rpm-ds.xml" \
    --profile all --unsafe-no-sandbox -q -o "$CASE_DIR/out-nochroot" 2>"$ERR"
  RC=$?
  set -e
  expect_rc 3 "chroot refused"
  s="$CASE_DIR/out-nochroot/summary.json"
  expect_result "$s" xccdf_org.imgscap.test_rule_bash_vulnerable error
  expect_reason "$s" xccdf_org.imgscap.test_rule_bash_vulnerable "chroot(2) is not permitted"
  expect_result "$s" xccdf_org.imgscap.test_rule_os_release pass
  oscap ds rds-validate "$CASE_DIR/out-nochroot/arf.xml" || die "corrected ARF is not valid"
  grep -q 'chroot(2) is not permitted' "$CASE_DIR/out-nochroot/report.html" ||
    die "the HTML report does not show the reason"
  # The same content with the sandbox: the rule is evaluated (bash is vulnerable: fail).
  run_imgscap scan "oci:$CASE_DIR/mariner" --content "$CASE_DIR/rpm-ds.xml" --profile all -q \
    -o "$CASE_DIR/out-sandbox"
  expect_rc 2 "sandboxed rpm datastream"
  expect_result "$CASE_DIR/out-sandbox/summary.json" xccdf_org.imgscap.test_rule_bash_vulnerable fail
  # Plain OVAL cannot skip definitions: a clear error.
  set +e
  "${no_chroot[@]}" "$IMGSCAP" scan "oci:$CASE_DIR/mariner" --content "$rpm_oval" \
    --unsafe-no-sandbox -q -o "$CASE_DIR/out-nochroot-oval" 2>"$ERR"
  RC=$?
  set -e
  expect_rc 1 "chroot refused, plain OVAL"
  expect_err_contains "OVAL definitions need chroot(2)"
fi
