#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Parity of the fast CVE path with OpenSCAP: for every feed shape and test database, the result
of each definition when imgscap settles what it can must equal the result of a full libopenscap
evaluation of the whole feed (--cve-full-evaluation, the feed file itself handed to OpenSCAP).
Any difference fails.

Feeds: the real ones in ../shared/fixtures/feeds (Debian bookworm, Canonical bionic CVE and noble
USN, Red Hat's RHEL 8 RHSA), cve_feeds.py's Red Hat, Debian and Ubuntu shapes, and an edge feed
built here: every operator, negation, check_existence, extended definitions, package variables,
definitions without criteria, over packages the image has and has not.

Full evaluations are slow; their results are kept in $IMGSCAP_E2E_CACHE/parity, named by the
feed's and the tree's digests, so that the sanitizer pass compares against the same oracle.

    cve_parity.py IMGSCAP CONTENT WORKDIR E2E_CACHE RPMDB_FIXTURES [CASE...]
"""
import hashlib
import itertools
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, run_sections  # noqa: E402
from cve_feeds import make_feed  # noqa: E402
from cve_trees import (debian11_stanzas, debian_release_files, definition_results,  # noqa: E402
                       format_stanzas, make_tree, real_feed, ubuntu_release_files)

IMGSCAP, CONTENT, WORK, CACHE, RPMDB = sys.argv[1:6]
ONLY = set(sys.argv[6:])
RECIPE = "parity-1"  # change to invalidate the cached full evaluations
NEGATE = ' negate="true"'


def digest_of(paths):
    h = hashlib.sha256(RECIPE.encode())
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in sorted(os.walk(path)):
                dirs.sort()
                for name in sorted(files):
                    full = os.path.join(root, name)
                    h.update(os.path.relpath(full, path).encode())
                    with open(full, "rb") as f:
                        h.update(hashlib.sha256(f.read()).digest())
        else:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    return h.hexdigest()


def evaluate(tree, feed, out, *args):
    p = subprocess.run([IMGSCAP, "scan", f"dir:{tree}", "--content", CONTENT, "-q", "-o", out,
                        "--cve", feed, "--cache-dir", os.path.join(WORK, "feed-cache"),
                        "--fail-on", "none", *args], capture_output=True, text=True)
    results = os.path.join(out, "cve-oval-results.xml")
    if not check(p.returncode == 0 and os.path.exists(results),
                 f"{out}: exit {p.returncode}: {p.stderr[-2000:]}"):
        return None, None
    return definition_results(results), json.load(open(os.path.join(out, "summary.json")))


def full_results(name, tree, feed):
    store = os.path.join(CACHE, "parity")
    os.makedirs(store, exist_ok=True)
    cached = os.path.join(store, f"{name}-{digest_of([tree, feed])}.json")
    if os.path.exists(cached):
        return json.load(open(cached))
    results, _ = evaluate(tree, feed, os.path.join(WORK, f"full-{name}"), "--cve-full-evaluation")
    if results is not None:
        with open(cached + ".tmp", "w") as f:
            json.dump(results, f)
        os.rename(cached + ".tmp", cached)
    return results


def compare(name, tree, feed, expect_settled=True):
    fast, summary = evaluate(tree, feed, os.path.join(WORK, f"fast-{name}"))
    full = full_results(name, tree, feed)
    if fast is None or full is None:
        return
    differing = sorted(d for d in set(fast) | set(full) if fast.get(d) != full.get(d))
    check(not differing,
          f"{name}: {len(differing)} definitions differ from OpenSCAP's full evaluation: " +
          ", ".join(f"{d} fast {fast.get(d)} full {full.get(d)}" for d in differing[:8]))
    v = summary["vulnerabilities"]
    check(not expect_settled or v["definitions_settled"] > 0,
          f"{name}: nothing settled, the fast path was not exercised")
    counts = {r: list(full.values()).count(r) for r in set(full.values())}
    print(f"{name}: {len(full)} definitions {counts}; settled {v['definitions_settled']}, "
          f"OpenSCAP {v['definitions_by_openscap']}: identical" if not differing else "",
          file=sys.stderr)


# ---- trees ------------------------------------------------------------------------------------

def debian_tree(name, version, codename, stanzas):
    return make_tree(os.path.join(WORK, name), dict(
        debian_release_files(version, codename),
        **{"var/lib/dpkg/status": format_stanzas(stanzas)}))


def ubuntu_tree(name, version, codename, stanzas):
    return make_tree(os.path.join(WORK, name), dict(
        ubuntu_release_files(version, codename),
        **{"var/lib/dpkg/status": format_stanzas(stanzas)}))


def rpm_tree(name, os_release, database, db_name):
    tree = make_tree(os.path.join(WORK, name), {"etc/os-release": os_release})
    os.makedirs(os.path.join(tree, "var/lib/rpm"), exist_ok=True)
    shutil.copy(database, os.path.join(tree, "var/lib/rpm", db_name))
    return tree


# ---- the edge feed -----------------------------------------------------------------------------

EDGE_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5"
    xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"
    xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix"
    xmlns:lin="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
  <generator><oval:schema_version>5.11.2</oval:schema_version>
    <oval:timestamp>2026-11-30T00:00:00</oval:timestamp></generator>
"""

# Tests over: an absent package (every check_existence), an installed one (bash), a variable of
# absent names and one naming bash, a pattern-match name, the release file, uname (not
# applicable offline), rpminfo with no rpm database.
EDGE_TESTS = {
    "abs": ("lin:dpkginfo", "at_least_one_exists", "absent", "lt9"),
    "abs-none": ("lin:dpkginfo", "none_exist", "absent", None),
    "abs-any": ("lin:dpkginfo", "any_exist", "absent", "lt9"),
    "abs-all": ("lin:dpkginfo", "all_exist", "absent", None),
    "abs-only": ("lin:dpkginfo", "only_one_exists", "absent", "lt9"),
    "bash-old": ("lin:dpkginfo", "at_least_one_exists", "bash", "lt99"),
    "bash-new": ("lin:dpkginfo", "at_least_one_exists", "bash", "lt1"),
    "bash-none": ("lin:dpkginfo", "none_exist", "bash", None),
    "var-abs": ("lin:dpkginfo", "at_least_one_exists", "var:abs", "lt9"),
    "var-bash": ("lin:dpkginfo", "at_least_one_exists", "var:bash", "lt99"),
    "pattern": ("lin:dpkginfo", "at_least_one_exists", "pattern", None),
    "rpm": ("lin:rpminfo", "at_least_one_exists", "bash", None),
    "release": ("ind:textfilecontent54", "at_least_one_exists", None, None),
    "uname": ("unix:uname", "at_least_one_exists", None, None),
}


def edge_feed():
    names = list(EDGE_TESTS)
    tid = {n: i + 1 for i, n in enumerate(names)}
    tests, objects = [], []
    for n, (kind, existence, package, state) in EDGE_TESTS.items():
        i = tid[n]
        prefix = kind.split(":")[0]
        state_ref = f'<{prefix}:state state_ref="oval:e:ste:{state}"/>' if state else ""
        if n == "release":
            state_ref = '<ind:state state_ref="oval:e:ste:rel"/>'
        tests.append(f'<{kind}_test id="oval:e:tst:{i}" version="1" check="all" '
                     f'check_existence="{existence}" comment="{n}"><{prefix}:object '
                     f'object_ref="oval:e:obj:{i}"/>{state_ref}</{kind}_test>')
        if n == "release":
            body = ('<ind:path>/etc</ind:path><ind:filename>debian_version</ind:filename>'
                    '<ind:pattern operation="pattern match">(\\d+)\\.\\d</ind:pattern>'
                    '<ind:instance datatype="int">1</ind:instance>')
        elif n == "uname":
            body = ""
        elif package.startswith("var:"):
            body = (f'<lin:name var_ref="oval:e:var:{package[4:]}" var_check="at least one"/>')
        elif package == "pattern":
            body = '<lin:name operation="pattern match">^bas</lin:name>'
        else:
            body = f"<lin:name>{package}</lin:name>"
        objects.append(f'<{kind}_object id="oval:e:obj:{i}" version="1">{body}</{kind}_object>')
    states = [
        '<lin:dpkginfo_state id="oval:e:ste:lt9" version="1"><lin:evr datatype="debian_evr_string"'
        ' operation="less than">0:9</lin:evr></lin:dpkginfo_state>',
        '<lin:dpkginfo_state id="oval:e:ste:lt99" version="1"><lin:evr datatype="debian_evr_string"'
        ' operation="less than">0:99</lin:evr></lin:dpkginfo_state>',
        '<lin:dpkginfo_state id="oval:e:ste:lt1" version="1"><lin:evr datatype="debian_evr_string"'
        ' operation="less than">0:1</lin:evr></lin:dpkginfo_state>',
        '<ind:textfilecontent54_state id="oval:e:ste:rel" version="1">'
        '<ind:subexpression operation="equals">11</ind:subexpression></ind:textfilecontent54_state>',
    ]
    variables = [
        '<constant_variable id="oval:e:var:abs" version="1" datatype="string" comment="absent">'
        '<value>absent-a</value><value>absent-b</value></constant_variable>',
        '<constant_variable id="oval:e:var:bash" version="1" datatype="string" comment="bash">'
        '<value>absent-c</value><value>bash</value></constant_variable>',
    ]
    definitions = []
    n = 0

    def add(criteria):
        nonlocal n
        n += 1
        definitions.append(f'<definition class="vulnerability" id="oval:e:def:{n}" version="1">'
                           f'<metadata><title>edge {n}</title><description>x</description>'
                           f'</metadata>{criteria}</definition>')

    def criterion(name, negate=False):
        return f'<criterion test_ref="oval:e:tst:{tid[name]}"{NEGATE if negate else ""}/>'

    # Every operator and negation over pairs and triples of tests.
    pairs = list(itertools.combinations(names, 2))[::3] + [("abs", "abs-none", "release"),
                                                            ("abs-all", "abs-only", "uname"),
                                                            ("var-abs", "var-bash", "bash-none")]
    for op, negate, group in itertools.product(("AND", "OR", "ONE", "XOR"), (False, True), pairs):
        inner = "".join(criterion(t, negate=(i == 0 and negate)) for i, t in enumerate(group))
        add(f'<criteria operator="{op}"{NEGATE if negate else ""}>{inner}</criteria>')
    # Nested criteria, extended definitions (a settled one, an open one, a chain), no criteria.
    add('<criteria><criterion test_ref="oval:e:tst:%d"/><criteria operator="OR" negate="true">'
        '%s%s</criteria></criteria>' % (tid["release"], criterion("abs"), criterion("abs-none")))
    add('<criteria operator="OR"><extend_definition definition_ref="oval:e:def:1"/>%s</criteria>'
        % criterion("abs"))
    add('<criteria><extend_definition definition_ref="oval:e:def:%d" negate="true"/>%s</criteria>'
        % (n, criterion("abs-any")))
    add('<criteria operator="XOR"><extend_definition definition_ref="oval:e:def:%d"/>'
        '<extend_definition definition_ref="oval:e:def:2"/></criteria>' % n)
    definitions.append('<definition class="vulnerability" id="oval:e:def:999" version="1">'
                       '<metadata><title>no criteria</title><description>x</description>'
                       '</metadata></definition>')
    return (EDGE_HEAD + "<definitions>" + "".join(definitions) + "</definitions><tests>" +
            "".join(tests) + "</tests><objects>" + "".join(objects) + "</objects><states>" +
            "".join(states) + "</states><variables>" + "".join(variables) +
            "</variables></oval_definitions>\n")


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "wb" if isinstance(text, bytes) else "w") as f:
        f.write(text)
    return path


# ---- cases ------------------------------------------------------------------------------------

def case_edge():
    tree = debian_tree("edge-tree", "11", "bullseye", debian11_stanzas(CACHE))
    compare("edge", tree, write("edge.xml", edge_feed()))


def case_bookworm():
    stanzas = debian11_stanzas(CACHE)
    feed = real_feed("oval-definitions-bookworm.xml.bz2", WORK)
    compare("bookworm", debian_tree("bookworm-tree", "12", "bookworm", stanzas), feed)
    # The same feed on Debian 11: the release check is false, everything is false.
    compare("bookworm-on-11", debian_tree("bullseye-tree", "11", "bullseye", stanzas), feed)


def case_bionic():
    tree = ubuntu_tree("bionic-tree", "18.04", "bionic", debian11_stanzas(CACHE))
    compare("bionic", tree, real_feed("com.ubuntu.bionic.cve.oval.xml.bz2", WORK))


def case_noble_usn():
    tree = ubuntu_tree("noble-tree", "24.04", "noble", debian11_stanzas(CACHE))
    compare("noble-usn", tree, real_feed("com.ubuntu.noble.usn.oval.xml.bz2", WORK))


def case_rhel8():
    tree = rpm_tree("rhel8-tree", 'ID="rhel"\nVERSION_ID="8.2"\n',
                    os.path.join(RPMDB, "rhel8-bdb/Packages"), "Packages")
    compare("rhel8-rhsa", tree, real_feed("com.redhat.rhsa-RHEL8.xml.bz2", WORK))


def generated(shape, release, package, version, **extra):
    spec = {"release": release, "definitions": [
        {"package": package, "fixed": version + "9", "cves": ["CVE-2099-1"]},
        {"package": package, "fixed": "0:0.1-1", "cves": ["CVE-2099-2"]},
        {"package": "imgscap-absent", "fixed": "1.0-1", "cves": ["CVE-2099-3"]}],
        "filler": 300, **extra}
    return write(f"{shape}.xml", make_feed(shape, spec))


def case_shapes():
    stanzas = debian11_stanzas(CACHE)
    compare("debian-shape", debian_tree("shape-debian-tree", "11", "bullseye", stanzas),
            generated("debian", "11", "glibc", "2.31-13"))
    compare("ubuntu-shape", ubuntu_tree("shape-ubuntu-tree", "22.04", "jammy", stanzas),
            generated("ubuntu", "22.04", "libc6", "2.31-13"))
    mariner = rpm_tree("mariner-tree", 'ID=mariner\nVERSION_ID="2.0"\n',
                       os.path.join(RPMDB, "mariner2-sqlite/rpmdb.sqlite"), "rpmdb.sqlite")
    make_tree(mariner, {"bin/bash": ""})
    # The release check names a file of a version-5 package (see cve_results.py, mariner).
    compare("redhat-shape", mariner,
            generated("redhat", "5", "bash", "0:5.1.8-1.cm2", signature_key="0cd9fed33135ce90",
                      release_package="bash", release_file="/bin/bash"))


CASES = {"edge": case_edge, "bookworm": case_bookworm, "bionic": case_bionic,
         "noble-usn": case_noble_usn, "rhel8": case_rhel8, "shapes": case_shapes}


def main():
    os.makedirs(WORK, exist_ok=True)
    run_sections(CASES, ONLY, "cve parity")


main()
