#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fast CVE path against OpenSCAP's full evaluation of the whole feed, definition by
# definition, on the real feeds, every generated shape and an edge feed of every operator,
# negation and check_existence (tests/e2e/cve_parity.py). Full evaluations are cached in the
# e2e cache for the sanitizer pass.
# ctest-cost: 30
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/cve_parity.py" "$IMGSCAP" \
  "$IMGSCAP_SOURCE_DIR/tests/data/passing-oval.xml" "$CASE_DIR/work" "$IMGSCAP_E2E_CACHE" \
  "$IMGSCAP_SOURCE_DIR/tests/fixtures/rpmdb"
