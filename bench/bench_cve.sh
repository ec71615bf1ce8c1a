#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/bench_cve.sh [RUNS] [FEED...]
# Wall time and peak memory of a CVE scan per feed, beside `oscap oval eval` of the whole feed on
# the same tree, in one run. Feeds: Red Hat's, Debian's and Canonical's shapes at 27,000 and
# 55,000 definitions (tests/e2e/cve_feeds.py: a few definitions for installed packages, the rest
# filler of the same structure), and the real feeds in ../shared/fixtures/feeds. Trees: the real
# dpkg database of the debootstrapped Debian 11 tree (build/e2e-cache) labelled as each release,
# and the real CBL-Mariner rpm database (tests/fixtures/rpmdb), scanned as dir: (no unpack).
#
# imgscap: a first scan downloads the feed (file://) into a cache, which indexes it (printed as
# first_scan_s: once per feed version); the timed runs then scan with the cached feed
# (--offline), as a daily cron job after `imgscap feeds update` does. Figures: the whole
# scan's wall time (a trivial compliance content included), the CVE phases' sum from
# summary.json, and the peak RSS of the largest process (GNU time). oscap: `oscap oval eval
# --results --report` configured offline the same way (APT_CONFIG isolation, %_dbpath).
# Runs alternate A B A B (../shared/docs/measuring.md); prints median [min-max]. Not part of CI.
# FEED: redhat-27k redhat-55k debian-27k debian-55k ubuntu-27k ubuntu-55k bookworm bionic
#       noble-usn rhel8 (default: all)
set -euo pipefail
runs=${1:-3}
shift || true
feeds=("$@")
[ ${#feeds[@]} -gt 0 ] || feeds=(redhat-27k redhat-55k debian-27k debian-55k ubuntu-27k
  ubuntu-55k bookworm bionic noble-usn rhel8)
here=$(cd "$(dirname "$0")/.." && pwd)
imgscap=${IMGSCAP:-$here/build/src/imgscap}
cache=${IMGSCAP_E2E_CACHE:-$here/build/e2e-cache}
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
[ -f "$cache/debian11-minbase.tar" ] || { echo "bench: no $cache/debian11-minbase.tar (run the e2e tests once)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/var/tmp}/imgscap-bench-cve.XXXXXX")
trap 'rm -rf "$work"' EXIT
results="$work/results.tsv"
content="$here/tests/data/passing-oval.xml"
settle() { sync; sleep 2; }
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }
now() { date +%s.%N; }

# Trees and feeds, made once.
python3 - "$here/tests/e2e" "$work" "$cache" "$here/tests/fixtures/rpmdb" "${feeds[@]}" <<'PY'
import os, shutil, sys
sys.path.insert(0, sys.argv[1])
from cve_feeds import write_feed
from cve_trees import (debian11_stanzas, debian_release_files, format_stanzas, make_tree,
                       real_feed, ubuntu_release_files)
work, cache, rpmdb, wanted = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
# dpkg's architecture tables, which libapt (so the dpkginfo probe) needs; imgscap would add
# them itself, oscap cannot.
status = {"var/lib/dpkg/status": format_stanzas(debian11_stanzas(cache)),
          **{f"usr/share/dpkg/{t}": open(f"/usr/share/dpkg/{t}").read()
             for t in ("cputable", "tupletable")}}
trees = {
    "debian11": dict(debian_release_files("11", "bullseye"), **status),
    "debian12": dict(debian_release_files("12", "bookworm"), **status),
    "jammy": dict(ubuntu_release_files("22.04", "jammy"), **status),
    "bionic": dict(ubuntu_release_files("18.04", "bionic"), **status),
    "noble": dict(ubuntu_release_files("24.04", "noble"), **status),
}
for name, files in trees.items():
    make_tree(os.path.join(work, "tree-" + name), files)
for name, db, file, os_release in (("mariner", "mariner2-sqlite/rpmdb.sqlite", "rpmdb.sqlite",
                                    'ID=mariner\nVERSION_ID="2.0"\n'),
                                   ("rhel8", "rhel8-bdb/Packages", "Packages",
                                    'ID="rhel"\nVERSION_ID="8.2"\n')):
    tree = make_tree(os.path.join(work, "tree-" + name), {"etc/os-release": os_release,
                                                          "bin/bash": ""})
    os.makedirs(os.path.join(tree, "var/lib/rpm"))
    shutil.copy(os.path.join(rpmdb, db), os.path.join(tree, "var/lib/rpm", file))
shapes = {
    "redhat": ("mariner", {"release": "5", "signature_key": "0cd9fed33135ce90",
                           "release_package": "bash", "release_file": "/bin/bash",
                           "definitions": [{"package": "bash", "fixed": "0:5.1.8-2.cm2",
                                            "cves": ["CVE-2099-1"]}]}),
    "debian": ("debian11", {"release": "11", "definitions": [
        {"package": "glibc", "fixed": "2.31-13+deb11u99", "cves": ["CVE-2099-1"]}]}),
    "ubuntu": ("jammy", {"release": "22.04", "definitions": [
        {"package": "libc6", "fixed": "2.31-13+deb11u99", "cves": ["CVE-2099-1"]}]}),
}
real = {"bookworm": ("debian12", "oval-definitions-bookworm.xml.bz2"),
        "bionic": ("bionic", "com.ubuntu.bionic.cve.oval.xml.bz2"),
        "noble-usn": ("noble", "com.ubuntu.noble.usn.oval.xml.bz2"),
        "rhel8": ("rhel8", "com.redhat.rhsa-RHEL8.xml.bz2")}
with open(os.path.join(work, "feeds.tsv"), "w") as out:
    for name in wanted:
        if name in real:
            tree, file = real[name]
            feed = real_feed(file, work)
        else:
            shape, size = name.split("-")
            tree, spec = shapes[shape]
            spec = dict(spec, filler=int(size.rstrip("k")) * 1000 - 1)
            feed = os.path.join(work, name + ".xml")
            with open(feed, "wb") as f:
                write_feed(shape, spec, f)
        out.write(f"{name}\t{os.path.join(work, 'tree-' + tree)}\t{feed}\n")
PY

mkdir -p "$work/parts" "$work/home"
printf '%%_dbpath /var/lib/rpm\n' >"$work/home/.rpmmacros"
printf 'Dir::Etc::Parts "%s";\nDir::Etc::main "/dev/null";\nDir::Etc::SourceList "/nonexistent/s";\nDir::Etc::SourceParts "/nonexistent/p";\nDir::Cache "/nonexistent-%s/cache";\nAPT::Architecture "amd64";\nAPT::Architectures { "amd64"; };\n' \
  "$work/parts" "$RANDOM$RANDOM" >"$work/apt.conf"


while IFS=$'\t' read -r name tree feed; do
  echo "bench: $name: $(du -m "$feed" | cut -f1) MB, $(grep -c '<definition ' "$feed") definitions" >&2
  # The first scan brings the feed into the cache, where it is indexed.
  t0=$(now)
  "$imgscap" scan "dir:$tree" --content "$content" --cve "file://$feed" -q -o "$work/out" \
    --fail-on none --cache-dir "$work/feed-cache" --workdir "$work"
  t1=$(now)
  printf 'imgscap\t%s first_scan_s\t%.3f\n' "$name" "$(echo "$t1 - $t0" | bc)" >>"$results"
  rm -rf "$work/out"
  for run in $(seq "$runs"); do
    settle
    t0=$(now)
    /usr/bin/time -v -o "$work/time.a" "$imgscap" scan "dir:$tree" --content "$content" \
      --cve "file://$feed" --offline -q -o "$work/out" --fail-on none \
      --cache-dir "$work/feed-cache" --workdir "$work"
    t1=$(now)
    python3 - "$work/out/summary.json" "$name" "$(echo "$t1 - $t0" | bc)" \
      "$(peak_mb "$work/time.a")" >>"$results" <<'PY'
import json, sys
summary, name, wall, peak = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], sys.argv[4]
t = summary["timings"]
v = summary["vulnerabilities"]
# "not_evaluated": the feed's release check is false on the tree (Red Hat's RHEL 8 feed on a
# database that has no redhat-release); every definition was still evaluated or settled.
assert v["status"] in ("scanned", "not_evaluated") and v["definitions_by_openscap"] > 0, v
print(f"imgscap\t{name} scan_wall_s\t{float(wall):.3f}")
print(f"imgscap\t{name} cve_phases_s\t{sum(x for k, x in t.items() if k.startswith('cve_')):.3f}")
print(f"imgscap\t{name} peak_rss_mb\t{peak}")
print(f"imgscap\t{name} by_openscap\t{v['definitions_by_openscap']}")
PY
    rm -rf "$work/out"
    settle
    t0=$(now)
    APT_CONFIG="$work/apt.conf" HOME="$work/home" OSCAP_PROBE_ROOT="$tree" \
      /usr/bin/time -v -o "$work/time.b" oscap oval eval --skip-valid --results "$work/ref.xml" \
      --report "$work/ref.html" "$feed" >/dev/null
    t1=$(now)
    printf 'oscap\t%s scan_wall_s\t%.3f\noscap\t%s peak_rss_mb\t%s\n' "$name" \
      "$(echo "$t1 - $t0" | bc)" "$name" "$(peak_mb "$work/time.b")" >>"$results"
    rm -f "$work/ref.xml" "$work/ref.html"
  done
done <"$work/feeds.tsv"

python3 "$here/bench/medians.py" "$results" "$runs"
echo "target (issue 9): a CVE scan of one image with a cached feed of 25,000-55,000 definitions in at most 3 s wall and 300 MB peak"
