#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CVE feed downloads and cache against a real HTTP server on loopback: first fetch, 304 with no
# body, changed feed, server down with and without cache, truncated download, compressed feeds,
# --offline, maximum age, imports, concurrent updates (tests/e2e/cve_cache.py).
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/cve_cache.py" "$IMGSCAP" "$BASIC_OVAL" "$CASE_DIR/work"
