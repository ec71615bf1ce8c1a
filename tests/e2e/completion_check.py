#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The completion scripts in the shells themselves.

bash and zsh run interactively on a pseudo-terminal, so readline and zle split the typed words
and run the completion as they do for a user: each line is typed, TAB pressed, and a key bound to
a widget of our own appends the edited line to a file. fish lists its candidates for a line with
`complete -C`. Usage: completion_check.py DIR, where DIR holds the three scripts (bash, zsh,
fish, as `imgscap completion` writes them) and `imgscap` is on PATH.
"""
import os
import pty
import select
import subprocess
import sys
import tempfile
import time

SCRIPTS = sys.argv[1]
WORK = tempfile.mkdtemp(prefix="completion-")
for name in ("waivers.yaml", "certs.txt", "image.tar", "my feed.xml"):
    open(os.path.join(WORK, name), "w").close()
os.mkdir(os.path.join(WORK, "certs"))

# Typed line -> the line after TAB. A unique completion ends with a space (a directory with /);
# an impossible one leaves the line as it was.
W = WORK
CASES = {
    "imgscap fe": "imgscap feeds ",
    "imgscap feeds im": "imgscap feeds import ",
    "imgscap feeds up": "imgscap feeds update ",
    "imgscap scan --fail-on cr": "imgscap scan --fail-on critical ",
    "imgscap scan --format sa": "imgscap scan --format sarif ",
    "imgscap scan --cve=of": "imgscap scan --cve=off ",
    "imgscap scan --cve au": "imgscap scan --cve auto ",
    "imgscap completion z": "imgscap completion zsh ",
    "imgscap report --si": "imgscap report --since",  # then " " (bash) or "=" (zsh)
    f"imgscap scan --waivers {W}/wai": f"imgscap scan --waivers {W}/waivers.yaml ",
    f"imgscap scan {W}/ima": f"imgscap scan {W}/image.tar ",
    # a file name with a space stays one candidate
    f"imgscap scan --cve {W}/my": f"imgscap scan --cve {W}/my\\ feed.xml ",
    # directories only: certs.txt is not offered
    f"imgscap scan --cert-dir {W}/ce": f"imgscap scan --cert-dir {W}/certs/",
    f"imgscap scan -o {W}/ce": f"imgscap scan -o {W}/certs/",
    # scan's options are not feeds list's; a value is not a subcommand
    "imgscap feeds list --fa": "imgscap feeds list --fa",
    f"imgscap --config {W}/waivers.yaml sc": f"imgscap --config {W}/waivers.yaml scan ",
    "imgscap scan --profile fe": "imgscap scan --profile fe",
}

SETUP = {
    "bash": (["bash", "--norc", "--noprofile", "-i"],
             [f"source {SCRIPTS}/bash",
              "bind -x '\"\\C-t\": printf \"%s\\n\" \"$READLINE_LINE\" >> \"$DUMP\"'"]),
    "zsh": (["zsh", "-f", "-i"],
            [f"mkdir -p {WORK}/fpath && cp {SCRIPTS}/zsh {WORK}/fpath/_imgscap",
             f"fpath=({WORK}/fpath $fpath)", "autoload -Uz compinit && compinit -u -D",
             "dump() { print -r -- \"$BUFFER\" >> \"$DUMP\" }", "zle -N dump",
             "bindkey '^T' dump"]),
}


# What the shells printed: a completion function that fails says so on the terminal even when
# the line still comes out right.
SCREEN = {"bash": b"", "zsh": b""}
ERRORS = ("bad option", "parse error", "command not found", "not found:", "bad substitution",
          "syntax error")


def drain(fd, seconds, shell):
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                SCREEN[shell] += os.read(fd, 65536)
            except OSError:
                return


def edited_lines(shell):
    """Types every case into an interactive `shell`; returns the lines after TAB."""
    argv, setup = SETUP[shell]
    dump = os.path.join(WORK, f"{shell}.lines")
    env = dict(os.environ, TERM="xterm", DUMP=dump, HOME=WORK)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(WORK)
        os.execvpe(argv[0], argv, env)
    for line in setup:
        os.write(fd, (line + "\n").encode())
        drain(fd, 0.3, shell)
    SCREEN[shell] = b""  # the set-up's own output is not the completion's
    got = []
    for i, typed in enumerate(CASES):
        # TAB completes, ^T dumps the line, ^U clears it for the next case.
        os.write(fd, (typed + "\t\x14\x15").encode())
        end = time.time() + 15
        while time.time() < end and len(got) <= i:
            drain(fd, 0.05, shell)
            if os.path.exists(dump):
                got = open(dump).read().splitlines()
        if len(got) <= i:
            sys.exit(f"FAIL: {shell} did not answer for {typed!r}")
    os.write(fd, b"exit\n")
    drain(fd, 0.3, shell)
    os.close(fd)
    os.waitpid(pid, 0)
    return got


failures = []
for shell in ("bash", "zsh"):
    for (typed, want), got in zip(CASES.items(), edited_lines(shell)):
        ok = got == want or (want.endswith("--since") and got in (want + " ", want + "="))
        if not ok:
            failures.append(f"{shell}: {typed!r} -> {got!r}, expected {want!r}")
    screen = SCREEN[shell].decode(errors="replace")
    for error in ERRORS:
        if error in screen:
            at = screen.index(error)
            failures.append(f"{shell} printed {error!r}: ...{screen[max(0, at - 200):at + 200]!r}")


def fish(line):
    out = subprocess.run(["fish", "--no-config", "-c", f"source {SCRIPTS}/fish; complete -C{line!r}"],
                         capture_output=True, text=True, cwd=WORK, check=True).stdout
    return sorted(candidate.split("\t")[0] for candidate in out.splitlines())


FISH = {
    "imgscap ": ["completion", "config", "feeds", "inspect", "list", "report", "scan"],
    "imgscap feeds ": ["import", "list", "update"],
    "imgscap scan --fail-on ": ["critical", "high", "low", "medium", "none"],
    "imgscap scan --format ": ["gitlab", "json", "junit", "sarif", "text"],
    "imgscap list --format ": ["json", "text"],
    "imgscap completion ": ["bash", "fish", "zsh"],
    f"imgscap scan --cert-dir {W}/ce": [f"{W}/certs/"],
    f"imgscap scan {W}/ima": [f"{W}/image.tar"],
    f"imgscap scan --waivers {W}/wa": [f"{W}/waivers.yaml"],
    "imgscap feeds list --fa": [],
}
for line, want in FISH.items():
    if (got := fish(line)) != want:
        failures.append(f"fish: {line!r} -> {got}, expected {want}")
scan_options = fish("imgscap scan --")
for option in ("--fail-on", "--waivers", "--config", "--verbose", "--unsafe-no-sandbox"):
    if option not in scan_options:
        failures.append(f"fish: scan's options lack {option}: {scan_options}")

if failures:
    sys.exit("FAIL:\n  " + "\n  ".join(failures))
print(f"completions: {len(CASES)} lines in bash and zsh, {len(FISH) + 1} in fish, as expected")
