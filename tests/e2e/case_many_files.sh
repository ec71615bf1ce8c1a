#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A node_modules-heavy image of 300,000 small files (tests/e2e/many_files_image.sh, cached):
# the default scan ends within a generous bound (a guard against going back to per-file probes:
# those took 220 s; the target, measured by bench/bench.sh, is 30 s) and fails exactly the
# baseline rules the planted files break; the file facts of a kept tree equal what `find` lists
# there (modes, names, private keys).
# ctest-cost: 40
source "$(dirname "$0")/lib.sh"
image=$(bash "$(dirname "$0")/many_files_image.sh")
bound=${MANY_FILES_BOUND:-120}
[ "${IMGSCAP_SANITIZED:-0}" = 1 ] && bound=$((bound * 3))

started=$(date +%s)
run_imgscap scan "$image" -q -o "$CASE_DIR/out"
elapsed=$(($(date +%s) - started))
expect_rc 2 "default scan of the 300,000-file image"
echo "default scan of the 300,000-file image: ${elapsed} s (bound ${bound} s)"
[ "$elapsed" -le "$bound" ] || die "the default scan took ${elapsed} s, more than ${bound} s"
python3 - "$CASE_DIR/out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
failed = sorted(r["id"].split("_rule_")[1] for r in s["rules"]
                if r["evaluation"] == "baseline" and r["result"] == "fail")
# The Debian base fails the first three by itself; the planted files fail the others.
expected = ["apt_lists_cleaned", "image_healthcheck_defined", "image_user_not_root",
            "no_private_keys", "no_unnecessary_files", "no_world_writable_files",
            "setuid_setgid_limited", "world_writable_dirs_sticky"]
assert failed == expected, f"baseline failures {failed}, expected {expected}"
print("baseline failures as planted:", ", ".join(failed))
PY

scan_keeping_tree "$image" --content "$BASIC_OVAL" -o "$CASE_DIR/out-kept"
python3 - "$KEPT/rootfs" "$KEPT/eval/files" <<'PY'
import re, subprocess, sys
root, facts = sys.argv[1], sys.argv[2]
types = {"f": "regular", "d": "directory", "p": "fifo", "s": "socket", "c": "char", "b": "block"}
def find(*args):
    out = subprocess.run(["find", root, "-mindepth", "1", *args], check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.split("\n") if line]
modes = sorted(
    f"{int(m, 8):04o} {types[y]} {owner} /{path}" for m, y, owner, path in
    (line.split(" ", 3) for line in find("!", "-type", "l", "(", "-perm", "-4000", "-o", "-perm",
                                         "-2000", "-o", "-perm", "-0002", ")", "-printf",
                                         "%m %y %U:%G %P\n")))
names = ["-name", ".git", "-o", "-name", ".svn", "-o", "-name", ".hg", "-o", "-name", ".DS_Store",
         "-o", "-name", "Thumbs.db", "-o", "-name", ".env", "-o", "-name", "id_rsa", "-o", "-name",
         "id_dsa", "-o", "-name", "id_ecdsa", "-o", "-name", "id_ed25519", "-o", "-name", "?*.pem",
         "-o", "-name", "?*.key"]
kinds = {"l": "symlink", **types}
named = sorted(f"{kinds[y]} /{p}" for y, p in (l.split(" ", 1) for l in find(
    "(", *names, ")", "-printf", "%y %P\n")))
marker = re.compile(rb"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----")
keys = sorted(f"/{p}" for p in find("-type", "f", "(", *names[names.index("id_rsa") - 1:], ")",
                                    "-printf", "%P\n")
              if marker.search(open(f"{root}/{p}", "rb").read()))
problems = []
for fact, expected in (("modes", modes), ("names", named), ("private_keys", keys)):
    got = sorted(l for l in open(f"{facts}/{fact}").read().split("\n") if l)
    if got != expected:
        problems.append(f"{fact}: only in facts {sorted(set(got) - set(expected))[:10]}, "
                        f"only in find {sorted(set(expected) - set(got))[:10]}")
    print(f"{fact}: {len(got)} lines, as find lists")
if problems:
    raise SystemExit("FAIL: " + "; ".join(problems))
if not any("/app/config/server.key" == k for k in keys):
    raise SystemExit("FAIL: the planted private key is not among them")
PY
