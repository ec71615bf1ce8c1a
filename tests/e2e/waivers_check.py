#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks of case_waivers.sh: what a scan with waivers says in every place a reader looks.

    waivers_check.py waived DIR RULE...   each RULE is waived in summary.json, has one XCCDF
                                          override (fail -> pass, with the waiver's reason) in
                                          the ARF, and Chromium's rendering of the HTML report
                                          shows it waived; no other rule has an override
    waivers_check.py uses DIR ID=STATUS...  the summary's waiver list, exactly
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from html_report import render  # noqa: E402

XCCDF = "{http://checklists.nist.gov/xccdf/1.2}"


def summary_of(directory):
    with open(os.path.join(directory, "summary.json")) as f:
        return json.load(f)


def waived(directory, rules):
    summary = summary_of(directory)
    by_id = {r["id"]: r for r in summary["rules"]}
    for rule in rules:
        assert by_id[rule]["waiver"], (rule, by_id[rule])
        assert by_id[rule]["result"] == "fail", by_id[rule]
    others = [r["id"] for r in summary["rules"] if r.get("waiver") and r["id"] not in rules]
    assert not others, f"also waived: {others}"
    arf = ET.parse(os.path.join(directory, "arf.xml"))
    overrides = {}
    for rr in arf.iter(f"{XCCDF}rule-result"):
        for o in rr.findall(f"{XCCDF}override"):
            overrides[rr.get("idref")] = o
            assert rr.find(f"{XCCDF}result").text == "pass", rr.get("idref")
            assert o.find(f"{XCCDF}old-result").text == "fail"
            assert o.find(f"{XCCDF}new-result").text == "pass"
            assert o.get("time") and o.get("authority")
            reason = by_id[rr.get("idref")]["waiver"]["reason"]
            assert o.find(f"{XCCDF}remark").text.startswith(reason), o.find(f"{XCCDF}remark").text
    assert sorted(overrides) == sorted(rules), (sorted(overrides), rules)
    page = render(os.path.join(directory, "report.html"))
    for rule in rules:
        reason = by_id[rule]["waiver"]["reason"]
        assert reason in page, f"the HTML report does not show the waiver of {rule}"
    shown = page.count("This rule has been waived by")
    assert shown == len(rules), f"the HTML report shows {shown} waivers, expected {len(rules)}"


def uses(directory, expected):
    summary = summary_of(directory)
    got = {u["id"]: u["status"] for u in summary["waivers"]["entries"]}
    want = dict(item.split("=", 1) for item in expected)
    assert got == want, (got, want)


if __name__ == "__main__":
    {"waived": waived, "uses": uses}[sys.argv[1]](sys.argv[2], sys.argv[3:])
