#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Compares the XCCDF rule results of two ARF files; prints every difference, exit 1 on any.
import sys
import xml.etree.ElementTree as ET


def rule_results(path):
    results = {}
    for el in ET.parse(path).iter():
        if el.tag.endswith("}rule-result"):
            result = next(c.text for c in el if c.tag.endswith("}result"))
            if result != "notselected":
                results[el.get("idref")] = result
    return results


a, b = rule_results(sys.argv[1]), rule_results(sys.argv[2])
diffs = [(r, a.get(r), b.get(r)) for r in sorted(set(a) | set(b)) if a.get(r) != b.get(r)]
for rule, ra, rb in diffs:
    print(f"{rule}: {ra} vs {rb}")
print(f"{len(a)} rules compared, {len(diffs)} differences")
sys.exit(1 if diffs or not a else 0)
