#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CVE scan results on real package databases with feeds in each distributor's shape: Debian
# (debootstrapped Debian 11), Ubuntu (the same tree as jammy), Red Hat (the real Mariner sqlite
# database, and an rpm database made here by rpm with packages signed by a key made here):
# older than fixed is found with versions, fixed and absent are not; severities and --fail-on;
# exit 4 without a feed for the OS, 3 when the feed cannot be evaluated or does not apply;
# outputs validated (tests/e2e/cve_results.py).
# ctest-cost: 60
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/cve_results.py" "$IMGSCAP" "$BASIC_OVAL" "$CASE_DIR/work" \
  "$DEBIAN11_OCI_LAYOUT" "$IMGSCAP_SOURCE_DIR/tests/fixtures/rpmdb"
