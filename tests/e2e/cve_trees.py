#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Small root trees for CVE scans, made from the real dpkg database of the debootstrapped Debian 11
tree (the e2e cache's debian11-minbase.tar): the release files a feed's release check reads, and a
dpkg status whose stanzas are the real ones, with versions set as a test needs. Scanned as
dir:TREE, they cost a CVE scan nothing but the feed.

Also the tests' own reading of feeds and results (independent of imgscap): the real feeds in
../shared/fixtures/feeds, Debian version order by dpkg --compare-versions.
"""
import bz2
import functools
import os
import subprocess
import tarfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED_FEEDS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "feeds"))
OVAL = "{http://oval.mitre.org/XMLSchema/oval-definitions-5}"
LINUX = "{http://oval.mitre.org/XMLSchema/oval-definitions-5#linux}"


def real_feed(name, work):
    """A real feed from ../shared/fixtures/feeds, unpacked into `work` once."""
    out = os.path.join(work, name[:-len(".bz2")])
    if not os.path.exists(out):
        with bz2.open(os.path.join(SHARED_FEEDS, name)) as src, open(out + ".tmp", "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        os.rename(out + ".tmp", out)
    return out


def debian11_stanzas(cache):
    """The dpkg status stanzas of the debootstrapped Debian 11 tree, as ordered field lists."""
    with tarfile.open(os.path.join(cache, "debian11-minbase.tar")) as tar:
        text = tar.extractfile("./var/lib/dpkg/status").read().decode()
    return [parse_stanza(s) for s in text.split("\n\n") if s.strip()]


def parse_stanza(text):
    fields = {}
    for line in text.splitlines():
        if line and not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        elif fields:
            last = next(reversed(fields))
            fields[last] += "\n" + line
    return fields


def format_stanzas(stanzas):
    return "".join("".join(f"{k}: {v}\n" for k, v in s.items()) + "\n" for s in stanzas)


def make_tree(path, files):
    """A root tree holding `files` (relative path -> text)."""
    for rel, text in files.items():
        full = os.path.join(path, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return path


def debian_release_files(version, codename):
    return {
        "etc/os-release": f'PRETTY_NAME="Debian GNU/Linux {version} ({codename})"\n'
                          f'NAME="Debian GNU/Linux"\nVERSION_ID="{version}"\n'
                          f'VERSION_CODENAME={codename}\nID=debian\n',
        "etc/debian_version": f"{version}.4\n",
    }


def ubuntu_release_files(version, codename):
    return {
        "etc/os-release": f'NAME="Ubuntu"\nVERSION="{version} LTS"\nID=ubuntu\nID_LIKE=debian\n'
                          f'PRETTY_NAME="Ubuntu {version} LTS"\nVERSION_ID="{version}"\n'
                          f'VERSION_CODENAME={codename}\n',
        "etc/lsb-release": f"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE={version}\n"
                           f"DISTRIB_CODENAME={codename}\n"
                           f'DISTRIB_DESCRIPTION="Ubuntu {version} LTS"\n',
    }


@functools.lru_cache(maxsize=None)
def version_lt(a, b):
    """dpkg's own order (the oracle never uses imgscap's)."""
    return subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0


def dpkg_tests(root):
    """dpkginfo test id -> (package names, "less than" evr or None) of an OVAL feed."""
    variables = {v.get("id"): [x.text or "" for x in v.iter(OVAL + "value")]
                 for v in root.iter(OVAL + "constant_variable")}
    objects = {}
    for o in root.iter(LINUX + "dpkginfo_object"):
        name = o.find(LINUX + "name")
        objects[o.get("id")] = (variables.get(name.get("var_ref"), [])
                                if name.get("var_ref") else [name.text or ""])
    states = {}
    for s in root.iter(LINUX + "dpkginfo_state"):
        evr = s.find(LINUX + "evr")
        if evr is not None and evr.get("operation") == "less than":
            states[s.get("id")] = evr.text
    tests = {}
    for t in root.iter(LINUX + "dpkginfo_test"):
        state = t.find(LINUX + "state")
        tests[t.get("id")] = (objects.get(t.find(LINUX + "object").get("object_ref"), []),
                              states.get(state.get("state_ref")) if state is not None else None)
    return tests


def definitions(root):
    """(definition element, [criterion test ids]) of vulnerability and patch definitions."""
    for d in root.find(OVAL + "definitions"):
        if d.get("class") in ("vulnerability", "patch"):
            yield d, [c.get("test_ref") for c in d.iter(OVAL + "criterion")]


def definition_results(results_file):
    """Definition id -> result in an OVAL results file's results section."""
    out = {}
    for _, el in ET.iterparse(results_file):
        if el.tag.endswith("}definition") and el.get("definition_id") and el.get("result"):
            out[el.get("definition_id")] = el.get("result")
        elif el.tag.endswith("}oval_definitions"):
            el.clear()
    return out
