#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every attack class of hostile-images.md, as images built at test time in each format where it
# applies: refused with a message naming the entry and the reason, or applied safely inside the
# root; host sentinel files unchanged after every scan; no work directory left; bombs, padding
# and 300,000 entries end within bounds (tests/e2e/hostile_images.py prints time and peak memory).
# ctest-cost: 105
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/hostile_images.py" "$IMGSCAP" "$BASIC_OVAL" "$CASE_DIR"
