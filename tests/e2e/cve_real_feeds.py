#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The distributors' real feeds (../shared/fixtures/feeds) on package databases whose versions the
test sets back to known vulnerable ones; the vulnerabilities imgscap finds must equal an oracle
written here from the feed and the database (dpkg --compare-versions, nothing of imgscap's):

- Debian bookworm: Debian's feeds name source packages. Binaries from a differently named source
  (libc6 and libc-bin from glibc, libssl3 from openssl), a version-qualified Source (a binNMU,
  and bsdutils whose source version has no epoch), a binary named as its source (gzip), one
  installed at a fixed version (tar, never found); found and not found both asserted. Also a
  database split between var/lib/dpkg/status and a distroless status.d: every package counts.
- Canonical bionic: binary names through constant_variables, and CVEs without a fix yet (tests
  that only ask whether a package exists): listed with the package, its state and no fixed
  version, no release warning; --ignore-unfixed changes the verdict, not the list.

    cve_real_feeds.py IMGSCAP CONTENT WORKDIR E2E_CACHE [SECTION...]
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, run_sections  # noqa: E402
from cve_trees import (debian11_stanzas, debian_release_files, definitions,  # noqa: E402
                       format_stanzas, make_tree, real_feed, ubuntu_release_files, version_lt,
                       dpkg_tests)

IMGSCAP, CONTENT, WORK, CACHE = sys.argv[1:5]
ONLY = set(sys.argv[5:])


def scan(tree, feed, out, *args):
    p = subprocess.run([IMGSCAP, "scan", f"dir:{tree}", "--content", CONTENT, "-q", "-o", out,
                        "--cve", feed, "--cache-dir", os.path.join(WORK, "feed-cache"), *args],
                       capture_output=True, text=True)
    summary = os.path.join(out, "summary.json")
    p.summary = json.load(open(summary)) if os.path.exists(summary) else None
    return p


def found_as_oracle(label, vulnerabilities, oracle):
    """The vulnerabilities found, by definition id, checked to be exactly the oracle's."""
    found = {x["definition_id"]: x for x in vulnerabilities["found"]}
    check(set(found) == set(oracle),
          f"{label}: {len(found)} found, the oracle says {len(oracle)}; missing "
          f"{sorted(set(oracle) - set(found))[:5]}, extra {sorted(set(found) - set(oracle))[:5]}")
    return found


def stanza(stanzas, name):
    return next(s for s in stanzas if s["Package"] == name)


def with_fields(base, **fields):
    s = dict(base)
    s.update({k.replace("_", "-"): v for k, v in fields.items()})
    return s


# ---- Debian bookworm: source packages --------------------------------------------------------

def debian_sources(stanzas):
    """Source name -> (lowest source version, binaries), as Debian's tools read a database."""
    sources = {}
    for s in stanzas:
        state = s.get("Status", "install ok installed").split()[-1]
        if state in ("not-installed", "config-files"):
            continue
        name, _, version = s.get("Source", s["Package"]).partition(" (")
        version = version.rstrip(")") or s["Version"]
        current = sources.get(name)
        if current is None or version_lt(version, current[0]):
            sources[name] = (version, (current[1] if current else []) + [s["Package"]])
        else:
            current[1].append(s["Package"])
    return sources


def debian_oracle(feed, sources):
    """Definition id -> source package of the definitions Debian's meaning makes true."""
    root = ET.parse(feed).getroot()
    tests = dpkg_tests(root)
    found = {}
    for d, refs in definitions(root):
        for ref in refs:
            names, fixed = tests.get(ref, ([], None))
            for name in names:
                if name in sources and fixed and version_lt(sources[name][0], fixed):
                    found[d.get("id")] = name
    return found


def bookworm_stanzas():
    real = debian11_stanzas(CACHE)
    libc6, libcbin = stanza(real, "libc6"), stanza(real, "libc-bin")
    libssl = stanza(real, "libssl1.1")
    replaced = {"libc6", "libc-bin", "libssl1.1", "gzip", "tar"}
    out = [s for s in real if s["Package"] not in replaced]
    out += [
        with_fields(libc6, Version="2.33-3"),                 # source glibc, no Source version
        with_fields(libcbin, Version="2.33-3"),
        with_fields(libssl, Package="libssl3", Source="openssl", Version="3.0.7-1"),
        with_fields(stanza(real, "gzip"), Version="1.10-4"),  # its own source
        with_fields(stanza(real, "tar"), Version="1.34+dfsg-1.2"),  # fixed: nothing for tar
        # A binNMU: the binary's version has +b1, the source's is in parentheses.
        with_fields(libssl, Package="libxml2", Source="libxml2 (2.9.4+dfsg1-5.1)",
                    Version="2.9.4+dfsg1-5.1+b1"),
    ]
    return out


def expect_debian(p, label, oracle, sources):
    check(p.returncode == 2, f"{label}: exit {p.returncode}, expected 2: {p.stderr}")
    if not p.summary:
        return
    v = p.summary["vulnerabilities"]
    found = found_as_oracle(label, v, oracle)
    check(v["feed"]["dpkg_names"] == "source", f"{label}: dpkg names {v['feed']['dpkg_names']}")
    for d, source in oracle.items():
        if d not in found:
            continue
        packages = {pk["name"]: pk for pk in found[d]["packages"]}
        binaries = sorted(b["name"] for b in packages.get(source, {}).get("binaries", []))
        if not check(source in packages and binaries == sorted(sources[source][1]),
                     f"{label}: {d} lists {packages}, expected {source} built into "
                     f"{sources[source][1]}"):
            break
    check(v["definitions_settled"] + v["definitions_by_openscap"] == v["feed"]["definitions"] and
          v["definitions_settled"] > v["definitions_by_openscap"],
          f"{label}: settled {v['definitions_settled']} + OpenSCAP {v['definitions_by_openscap']}"
          f" != {v['feed']['definitions']}")
    check(not v["warnings"], f"{label}: warnings {v['warnings']}")


def section_bookworm():
    feed = real_feed("oval-definitions-bookworm.xml.bz2", WORK)
    stanzas = bookworm_stanzas()
    sources = debian_sources(stanzas)
    oracle = debian_oracle(feed, sources)
    # The oracle itself covers every case: a source named unlike its binaries, a binNMU, a
    # binary named as its source; tar at a fixed version is in none.
    for source in ("glibc", "openssl", "libxml2", "gzip", "util-linux"):
        check(source in oracle.values(), f"bookworm oracle: nothing for {source}: the test is moot")
    check("tar" not in oracle.values(), "bookworm oracle: tar 1.34+dfsg-1.2 is fixed")
    tree = make_tree(os.path.join(WORK, "bookworm"), dict(
        debian_release_files("12", "bookworm"),
        **{"var/lib/dpkg/status": format_stanzas(stanzas)}))
    p = scan(tree, feed, os.path.join(WORK, "out-bookworm"))
    expect_debian(p, "bookworm", oracle, sources)
    if p.summary:
        libxml2 = [x for x in p.summary["vulnerabilities"]["found"]
                   if any(pk["name"] == "libxml2" for pk in x["packages"])]
        check(libxml2 and all(pk["installed"] == "0:2.9.4+dfsg1-5.1"
                              for x in libxml2 for pk in x["packages"] if pk["name"] == "libxml2"),
              f"bookworm: the binNMU's source version is compared: {libxml2[:1]}")

    # The same packages split between a status file and a distroless status.d.
    in_parts = {"libssl3", "libxml2", "gzip"}
    split = make_tree(os.path.join(WORK, "bookworm-split"), dict(
        debian_release_files("12", "bookworm"),
        **{"var/lib/dpkg/status": format_stanzas([s for s in stanzas
                                                   if s["Package"] not in in_parts])},
        **{f"var/lib/dpkg/status.d/{s['Package']}":
           format_stanzas([{k: v for k, v in s.items() if k != "Status"}])
           for s in stanzas if s["Package"] in in_parts}))
    p = scan(split, feed, os.path.join(WORK, "out-bookworm-split"))
    expect_debian(p, "bookworm status + status.d", oracle, sources)


# ---- Canonical bionic: binary names, fixes not yet released --------------------------------

def ubuntu_oracle(feed, installed):
    """Definition id -> {package: fixed or None} of definitions true for `installed`."""
    root = ET.parse(feed).getroot()
    tests = dpkg_tests(root)
    found = {}
    for d, refs in definitions(root):
        hits = {}
        for ref in refs:
            names, fixed = tests.get(ref, ([], None))
            for name in names:
                if name in installed and (fixed is None or version_lt(installed[name], fixed)):
                    hits[name] = fixed
        if hits:
            found[d.get("id")] = hits
    return found


def unfixed_only_package(feed):
    """A binary that bionic's feed names only in tests without a fixed version."""
    root = ET.parse(feed).getroot()
    tests = dpkg_tests(root)
    versioned = {n for names, fixed in tests.values() if fixed for n in names}
    return sorted(n for names, fixed in tests.values() if not fixed for n in names
                  if n not in versioned and n.isascii() and "-" not in n)[0]


def section_bionic():
    feed = real_feed("com.ubuntu.bionic.cve.oval.xml.bz2", WORK)
    real = debian11_stanzas(CACHE)
    versions = {"libc6": "2.27-3ubuntu1", "bash": "4.4.18-2ubuntu1", "gzip": "1.6-5ubuntu1",
                "tar": "1.29b-2", "coreutils": "8.28-1ubuntu1", "login": "1:4.5-1ubuntu1",
                "libssl1.1": "1.1.1-1ubuntu2.1~18.04.1"}
    stanzas = [with_fields(s, Version=versions.get(s["Package"], s["Version"])) for s in real]
    installed = {s["Package"]: s["Version"] for s in stanzas}
    oracle = ubuntu_oracle(feed, installed)
    unfixed = {d for d, hits in oracle.items() if all(f is None for f in hits.values())}
    check(len(oracle) > 20 and unfixed and len(unfixed) < len(oracle),
          f"bionic oracle: {len(oracle)} found, {len(unfixed)} unfixed: the test is moot")
    tree = make_tree(os.path.join(WORK, "bionic"), dict(
        ubuntu_release_files("18.04", "bionic"),
        **{"var/lib/dpkg/status": format_stanzas(stanzas)}))
    out = os.path.join(WORK, "out-bionic")
    p = scan(tree, feed, out)
    check(p.returncode == 2, f"bionic: exit {p.returncode}, expected 2: {p.stderr}")
    if not p.summary:
        return
    v = p.summary["vulnerabilities"]
    found = found_as_oracle("bionic", v, oracle)
    check(not v["warnings"] and v["status"] == "scanned",
          f"bionic: {v['status']}, warnings {v['warnings']}")
    for d in sorted(unfixed & set(found)):
        x = found[d]
        ok = x["unfixed"] and x["packages"] and all(
            pk["fixed"] is None and pk["name"] in oracle[d] and
            pk["installed"].endswith(installed[pk["name"]].split(":")[-1]) and
            pk["state"] in ("needed", "needs-triage", "deferred", "pending", "ignored")
            for pk in x["packages"])
        if not check(ok, f"bionic: unfixed {d} listed as {x['packages']}"):
            break
    for d in sorted(set(found) - unfixed):
        if not check(not found[d]["unfixed"] and any(pk["fixed"] for pk in found[d]["packages"]),
                     f"bionic: fixed {d} listed as {found[d]['packages']}"):
            break
    text = open(os.path.join(out, "summary.txt")).read()
    check("no fix yet" in text and "Warning" not in text.split("CVE scan:")[1],
          "bionic: summary.txt does not say 'no fix yet', or warns")

    # Only unfixed vulnerabilities: --ignore-unfixed changes the verdict, not the list.
    lonely = unfixed_only_package(feed)
    tree = make_tree(os.path.join(WORK, "bionic-unfixed"), dict(
        ubuntu_release_files("18.04", "bionic"),
        **{"var/lib/dpkg/status": format_stanzas([with_fields(
            stanza(real, "gzip"), Package=lonely, Version="1.0-1", Source=lonely)])}))
    plain = scan(tree, feed, os.path.join(WORK, "out-unfixed"))
    ignoring = scan(tree, feed, os.path.join(WORK, "out-unfixed-ignoring"), "--ignore-unfixed")
    check(plain.returncode == 2 and ignoring.returncode == 0,
          f"only unfixed ({lonely}): exit {plain.returncode} without --ignore-unfixed (want 2), "
          f"{ignoring.returncode} with it (want 0): {ignoring.stderr}")
    if plain.summary and ignoring.summary:
        listed = [x["definition_id"] for x in plain.summary["vulnerabilities"]["found"]]
        check(listed and listed == [x["definition_id"]
                                    for x in ignoring.summary["vulnerabilities"]["found"]] and
              ignoring.summary["vulnerabilities"]["failing"] == 0,
              f"--ignore-unfixed changed the list: {listed}")


SECTIONS = {"bookworm": section_bookworm, "bionic": section_bionic}


def main():
    os.makedirs(WORK, exist_ok=True)
    run_sections(SECTIONS, ONLY, "cve real feeds")


main()
