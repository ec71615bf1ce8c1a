#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Inputs and checks of case_fleet_cve.sh (a fleet whose CVE feed changes between runs):

    fleet_cve.py specs E2E_CACHE OUT_DIR           image specs a.json b.json c.json (make_image.py)
    fleet_cve.py feeds FEED.xml NEXT.xml MARKER.xml  the next day's feed; one reading a new file
    fleet_cve.py same RUN_SUMMARY FRESH_SUMMARY    each image's vulnerabilities and verdict equal
    fleet_cve.py found FLEET_SUMMARY               image -> found definition ids (JSON)

The images are Debian 12 by their release files with the debootstrapped Debian 11 package
database (older than bookworm's fixes: many vulnerabilities of the real bookworm feed). The
next day's feed is the real one with the zlib definitions gone (fixed upstream) and one new
definition for dpkg; the marker feed adds a definition whose test reads /etc/imgscap-marker,
a file no scan kept.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cve_trees import debian11_stanzas, debian_release_files, format_stanzas  # noqa: E402

LINUX = 'xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"'
IND = 'xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent"'


def specs(cache, out):
    stanzas = debian11_stanzas(cache)
    release = debian_release_files("12", "bookworm")
    few = [s for s in stanzas if s["Package"] in ("dpkg", "zlib1g", "tar", "bash", "libc6")]
    variants = {
        "a": (stanzas, {}),
        "b": (few, {}),
        "c": (stanzas, {"etc/imgscap-marker": "vulnerable=yes\n"}),
    }
    for name, (status, extra) in variants.items():
        files = dict(release, **extra)
        files["var/lib/dpkg/status"] = format_stanzas(status)
        layer = [{"path": p, "content": t} for p, t in sorted(files.items())]
        spec = {"config": {"User": "1000", "Labels": {"variant": name}}, "layers": [layer]}
        with open(os.path.join(out, f"{name}.json"), "w") as f:
            json.dump(spec, f)


def definition(id_, title, test):
    return (f'<definition id="{id_}" version="1" class="vulnerability"><metadata><title>{title}'
            f'</title><reference source="CVE" ref_id="{title.split()[0]}" ref_url="x"/>'
            f'<description>{title}</description></metadata><criteria operator="AND">'
            f'<criterion test_ref="oval:org.debian.oval:tst:1" comment="Debian 12 is installed"/>'
            f'<criterion test_ref="{test}" comment="{title}"/></criteria></definition>')


def insert(text, section, xml):
    end = text.index(f"</{section}>")
    return text[:end] + xml + "\n" + text[end:]


def feeds(feed, next_feed, marker_feed):
    text = open(feed, encoding="utf-8").read()
    # zlib fixed: its definitions leave the feed.
    gone = r'<definition [^>]*>\s*<metadata>\s*<title>CVE-[0-9-]+ zlib</title>.*?</definition>\s*'
    text, removed = re.subn(gone, "", text, flags=re.S)
    assert removed > 0, "no zlib definition in the feed"
    text = insert(text, "definitions",
                  definition("oval:org.imgscap.test:def:1", "CVE-2099-0001 dpkg",
                             "oval:org.imgscap.test:tst:1"))
    text = insert(text, "tests",
                  f'<dpkginfo_test id="oval:org.imgscap.test:tst:1" version="1" check="all" '
                  f'check_existence="at_least_one_exists" comment="dpkg is earlier than 99:0" '
                  f'{LINUX}><object object_ref="oval:org.imgscap.test:obj:1"/>'
                  f'<state state_ref="oval:org.imgscap.test:ste:1"/></dpkginfo_test>')
    text = insert(text, "objects",
                  f'<dpkginfo_object id="oval:org.imgscap.test:obj:1" version="1" {LINUX}>'
                  f'<name>dpkg</name></dpkginfo_object>')
    text = insert(text, "states",
                  f'<dpkginfo_state id="oval:org.imgscap.test:ste:1" version="1" {LINUX}>'
                  f'<evr datatype="debian_evr_string" operation="less than">99:0</evr>'
                  f'</dpkginfo_state>')
    open(next_feed, "w", encoding="utf-8").write(text)
    text = insert(text, "definitions",
                  definition("oval:org.imgscap.test:def:2", "CVE-2099-0002 marker",
                             "oval:org.imgscap.test:tst:2"))
    text = insert(text, "tests",
                  f'<textfilecontent54_test id="oval:org.imgscap.test:tst:2" version="1" '
                  f'check="all" comment="the marker says vulnerable" {IND}>'
                  f'<object object_ref="oval:org.imgscap.test:obj:2"/></textfilecontent54_test>')
    text = insert(text, "objects",
                  f'<textfilecontent54_object id="oval:org.imgscap.test:obj:2" version="1" {IND}>'
                  f'<filepath>/etc/imgscap-marker</filepath>'
                  f'<pattern operation="pattern match">^vulnerable=yes$</pattern>'
                  f'<instance datatype="int">1</instance></textfilecontent54_object>')
    open(marker_feed, "w", encoding="utf-8").write(text)


def image_summaries(fleet_summary):
    base = os.path.dirname(fleet_summary)
    out = {}
    for image in json.load(open(fleet_summary))["images"]:
        assert image["directory"], image
        out[image["reference"]] = json.load(open(os.path.join(base, image["directory"],
                                                              "summary.json")))
    return out


def view(summary):
    v = summary["vulnerabilities"]
    found = sorted((x["definition_id"], x["result"], json.dumps(x["packages"], sort_keys=True))
                   for x in v["found"])
    return {"verdict": summary["verdict"], "status": v["status"], "found": found,
            "counts": v["counts"], "feed": v["feed"]["sha256"], "rules": summary["counts"]}


def same(run, fresh):
    a, b = image_summaries(run), image_summaries(fresh)
    assert sorted(a) == sorted(b), (sorted(a), sorted(b))
    for ref in a:
        va, vb = view(a[ref]), view(b[ref])
        assert va == vb, f"{ref}: {json.dumps(va)[:1500]}\n!=\n{json.dumps(vb)[:1500]}"
        assert va["found"], f"{ref}: nothing found: the comparison would prove nothing"


def found(fleet_summary):
    print(json.dumps({ref: sorted(x["definition_id"] for x in s["vulnerabilities"]["found"])
                      for ref, s in image_summaries(fleet_summary).items()}))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"specs": specs, "feeds": feeds, "same": same, "found": found}[command](*args)
