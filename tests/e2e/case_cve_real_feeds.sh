#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The distributors' real feeds (Debian bookworm, Canonical bionic from ../shared/fixtures/feeds)
# on real package databases with versions set back: what imgscap finds equals the test's own
# oracle (dpkg --compare-versions); Debian's source packages, Canonical's unfixed CVEs,
# --ignore-unfixed, a database split with status.d (tests/e2e/cve_real_feeds.py).
# ctest-cost: 40
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/cve_real_feeds.py" "$IMGSCAP" \
  "$IMGSCAP_SOURCE_DIR/tests/data/passing-oval.xml" "$CASE_DIR/work" "$IMGSCAP_E2E_CACHE"
