#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Shell completions: the scripts `imgscap completion` prints (the build installs the same) load
# in bash, zsh and fish and complete what a user types there: subcommands, option names of the
# command typed so far, the literal values of --fail-on and --format, file names where a file is
# expected, directory names only where a directory is; an unknown shell is refused.
# ctest-cost: 8
source "$(dirname "$0")/lib.sh"
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null || { echo "SKIP: $shell is not installed"; exit 77; }
done
mkdir -p "$CASE_DIR/scripts" "$CASE_DIR/bin"
for shell in bash zsh fish; do
  run_imgscap completion "$shell"
  expect_rc 0 "completion $shell"
  cp "$OUT" "$CASE_DIR/scripts/$shell"
done
run_imgscap completion tcsh
expect_rc 1 "completion tcsh"
expect_err_contains "tcsh"

# The scripts complete the command named imgscap.
ln -s "$IMGSCAP" "$CASE_DIR/bin/imgscap"
PATH="$CASE_DIR/bin:$PATH" python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/completion_check.py" \
  "$CASE_DIR/scripts"
