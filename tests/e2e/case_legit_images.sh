#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Legitimate images keep working under the hostile-image defences: in-image absolute symlinks,
# symlinked parents across layers, "./" entries, hard links, whiteouts, opaque directories,
# setuid files, files re-added after deletion; the three formats unpack to the same tree as
# umoci (tests/e2e/legit_images.py).
source "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/legit_images.py" "$IMGSCAP" "$BASIC_OVAL" "$CASE_DIR"
