#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What the end-to-end test scripts share: checks that record failures and go on (so one run
reports every failure), and running named sections, all or those asked for, with a verdict."""
import sys

failures = []


def check(condition, message):
    """Records `message` as a failure when `condition` is false; returns the condition."""
    if not condition:
        failures.append(message)
        print("FAIL:", message, file=sys.stderr)
    return condition


def run_sections(sections, only, what):
    """Runs each section (name -> function) named in `only`, or all; exits 1 on any failure."""
    for name, section in sections.items():
        if not only or name in only:
            print(f"== {name}", file=sys.stderr)
            section()
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        sys.exit(1)
    print(f"{what}: all checks passed")
