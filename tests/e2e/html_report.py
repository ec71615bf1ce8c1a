#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Renders an OpenSCAP HTML report in headless Chromium (a real consumer) and reads back what a
reader sees: for the OVAL results report, each definition's row (id -> result).

    html_report.py REPORT.html      prints {"definition id": "result", ...} as JSON
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(path):
    """The DOM after Chromium loaded the file (scripts run), as text."""
    profile = tempfile.mkdtemp(prefix="imgscap-chromium-")
    try:
        p = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                            f"--user-data-dir={profile}", "--dump-dom",
                            "file://" + os.path.abspath(path)],
                           capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if p.returncode != 0 or "<html" not in p.stdout:
        raise RuntimeError(f"chromium could not render {path}: {p.stderr[-2000:]}")
    return p.stdout


class Rows(html.parser.HTMLParser):
    """Table rows of the OVAL report: cells of <tr class="result...">."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr" and (dict(attrs).get("class") or "").startswith("result"):
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def oval_definition_results(path):
    parser = Rows()
    parser.feed(render(path))
    return {row[0]: row[1] for row in parser.rows if len(row) >= 2 and ":def:" in row[0]}


if __name__ == "__main__":
    print(json.dumps(oval_definition_results(sys.argv[1]), indent=1))
