#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every attack class of hostile-images.md as images built here, in each format where it
applies (OCI layout, OCI archive, docker-archive), scanned by the real binary. Each case is
either refused with a message naming the entry (or document) and the reason, or applied safely
inside the root (checked on the kept tree). After every scan, host sentinel files (content,
mode, owner, link count, times) must be unchanged, nothing new may appear beside them, and no
work directory may be left behind.

    hostile_images.py IMGSCAP CONTENT WORKDIR [CASE...]
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_formats import (  # noqa: E402
    directory, docker_archive, entry, hardlink, oci_archive, oci_layout, sha256, symlink, tar)

ALL = ("oci", "oci-archive", "docker-archive")
# A bound, not a target: unbounded growth (a bomb, entries) would pass it by far.
MAX_PEAK_KB = 512 * 1024
OCI = ("oci", "oci-archive")


class Case:
    def __init__(self, name, layers, refused=None, entry_named=None, check=None, formats=ALL,
                 edit=None, docker_edit=None, args=(), layer_named=False):
        self.name, self.layers, self.refused, self.args = name, layers, refused, list(args)
        self.layer_named = layer_named  # the refusal names the layer ("layer 1 (sha256:...")
        self.entry_named, self.check, self.formats = entry_named, check, formats
        self.edit, self.docker_edit = edit, docker_edit


def climb(path):
    return "../" * 12 + path.lstrip("/")


# ---- checks on the kept tree ------------------------------------------------------------------

def exists(rel):
    return lambda root: [] if os.path.lexists(os.path.join(root, rel)) else [f"/{rel} missing"]


def absent(rel):
    return lambda root: [f"/{rel} exists"] if os.path.lexists(os.path.join(root, rel)) else []


def content(rel, expected):
    def check(root):
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            return [f"/{rel} is not a file"]
        data = open(path, "rb").read()
        return [] if data == expected else [f"/{rel} holds {data[:40]!r}, not {expected[:40]!r}"]
    return check


def no_special_files(root):
    found = []
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            mode = os.lstat(os.path.join(dirpath, name)).st_mode
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return [f"special files created: {found}"] if found else []


def no_xattrs_or_flags(rel):
    def check(root):
        path = os.path.join(root, rel)
        problems = []
        if os.listxattr(path, follow_symlinks=False):
            problems.append(f"/{rel} has xattrs {os.listxattr(path, follow_symlinks=False)}")
        flags = subprocess.run(["lsattr", "-d", path], capture_output=True, text=True).stdout
        if "i" in flags.split()[0] if flags else False:
            problems.append(f"/{rel} is immutable: {flags}")
        return problems
    return check


def count_files(expected):
    def check(root):
        found = sum(len(files) for _, _, files in os.walk(root))
        return [] if found >= expected else [f"{found} files unpacked, expected {expected}"]
    return check


def mode_is(rel, mode):
    def check(root):
        actual = stat.S_IMODE(os.lstat(os.path.join(root, rel)).st_mode)
        return [] if actual == mode else [f"/{rel} has mode {actual:o}, not {mode:o}"]
    return check


def all_of(*checks):
    return lambda root: [p for c in checks for p in c(root)]


# ---- sentinels --------------------------------------------------------------------------------

def make_sentinels(directory_path):
    os.makedirs(os.path.join(directory_path, "dir"))
    secret = os.path.join(directory_path, "secret")
    with open(secret, "w") as f:
        f.write("host secret %s\n" % os.urandom(8).hex())
    os.chmod(secret, 0o600)
    with open(os.path.join(directory_path, "shared"), "w") as f:
        f.write("shared\n")
    os.link(secret, os.path.join(directory_path, "secret-link"))
    with open(os.path.join(directory_path, "dir", "inner"), "w") as f:
        f.write("inner\n")
    return snapshot(directory_path)


def snapshot(directory_path):
    state = {}
    for dirpath, dirs, files in os.walk(directory_path):
        for name in [""] + dirs + files:
            path = os.path.join(dirpath, name) if name else dirpath
            st = os.lstat(path)
            digest = sha256(open(path, "rb").read()) if stat.S_ISREG(st.st_mode) else ""
            state[os.path.relpath(path, directory_path)] = (
                st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_size, st.st_mtime_ns, digest)
    return state


# ---- the cases --------------------------------------------------------------------------------

def cases(sentinel, work):
    s = sentinel.lstrip("/")
    smuggled = entry("smuggled", b"should not exist\n")
    yield from [
        Case("dotdot-name", [tar(entry(climb(sentinel + "/pwned"), b"x"))],
             refused='climbs out of the root', entry_named="pwned"),
        Case("nested-dotdot", [tar(directory("a"), entry("a/../../pwned", b"x"))],
             refused='climbs out of the root', entry_named="a/../../pwned"),
        Case("absolute-name", [tar(entry(sentinel + "/abs-pwned", b"x"))],
             check=exists(s + "/abs-pwned")),
        # A symlink to the sentinel's path: inside the root there is no such directory.
        Case("symlink-then-write", [tar(symlink("esc", climb(sentinel)), entry("esc/pwned", b"x"))],
             refused="is a symlink to", entry_named="esc/pwned"),
        Case("symlink-then-write-across-layers",
             [tar(symlink("esc", sentinel)), tar(entry("esc/pwned2", b"x"))],
             refused="is a symlink to", entry_named="esc/pwned2"),
        # Symlinks climbing out or absolute, to a directory the image has: written inside.
        Case("symlink-climbing-to-etc-then-write",
             [tar(directory("etc"), symlink("esc", climb("etc")), entry("esc/pwned", b"x"))],
             check=all_of(exists("etc/pwned"), absent("esc/pwned-outside"))),
        Case("absolute-symlink-then-write-across-layers",
             [tar(directory("etc"), symlink("esc", "/etc")), tar(entry("esc/pwned2", b"x"))],
             check=exists("etc/pwned2")),
        Case("root-replaced-by-symlink", [tar(symlink(".", sentinel), entry("pwned", b"x"))],
             refused="the root entry is not a directory"),
        Case("root-replaced-by-symlink-slash", [tar(symlink("./", sentinel))],
             refused="the root entry is not a directory"),
        Case("hardlink-outside", [tar(hardlink("h", sentinel + "/secret"))],
             refused="hard link target " + s + "/secret does not exist in the image",
             entry_named="h"),
        Case("hardlink-dotdot", [tar(hardlink("h", climb(sentinel + "/secret")))],
             refused="climbs out of the root", entry_named="h"),
        Case("hardlink-to-symlink-then-chmod",
             [tar(symlink("s", sentinel + "/secret"), hardlink("h", "s"),
                  entry("h", b"replaced\n", mode=0o777))],
             check=content("h", b"replaced\n")),
        # libarchive (like GNU tar) reads a hard link as size 0: the data that follows is no
        # header. Refused, naming where the archive stops being readable.
        Case("hardlink-carrying-data",
             [tar(entry("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
                  hardlink("h", "etc/passwd", data=b"overwritten\n"))],
             refused="not a valid tar layer after entry h"),
        Case("deferred-chmod-through-replaced-dir",
             [tar(directory("d", mode=0o777), symlink("d", sentinel))],
             check=exists("d")),
        # a/ is a directory, then a symlink to /etc: a/f2 goes where a points now, not to the
        # directory resolved for a/f1 (no resolved path is cached).
        Case("cached-parent-replaced-by-symlink",
             [tar(directory("etc"), directory("a"), entry("a/f1", b"1"), symlink("a", "/etc"),
                  entry("a/f2", b"2"))],
             check=all_of(exists("etc/f2"), absent("etc/f1"))),
        Case("whiteout-alone", [tar(entry(".wh.", b""))], refused='invalid whiteout'),
        Case("whiteout-dotdot", [tar(entry(".wh..", b""))], refused='invalid whiteout'),
        Case("whiteout-through-symlink",
             [tar(symlink("l", sentinel)), tar(entry("l/.wh.secret", b""))],
             check=exists("l")),
        Case("device-nodes-and-fifos",
             [tar(directory("etc"), directory("dev"),
                  entry("etc/passwd", kind=tarfile.FIFOTYPE),
                  entry("dev/sda", kind=tarfile.BLKTYPE, dev=(8, 0), mode=0o660),
                  entry("dev/mem", kind=tarfile.CHRTYPE, dev=(1, 1), mode=0o640),
                  symlink("etc/group", "/dev/zero"))],
             check=all_of(no_special_files, absent("etc/passwd"), exists("etc/group"))),
        Case("setuid-xattrs-and-immutable-flag",
             [tar(directory("bin"),
                  entry("bin/su", b"#!/bin/sh\n", mode=0o4755,
                        pax={"SCHILY.xattr.security.capability": "\x01\x00\x00\x02",
                             "SCHILY.xattr.user.imgscap": "x", "SCHILY.fflags": "schg,uchg"}))],
             check=all_of(mode_is("bin/su", 0o4755), no_xattrs_or_flags("bin/su"))),
        Case("uid-beyond-32-bits", [tar(entry("x", b"x", uid=2**32 + 5))],
             refused="out of range", entry_named="x"),
        Case("ustar-size-0-pax-size", [tar(entry("carrier", smuggled, size=0,
                                                 pax={"size": str(len(smuggled))}))],
             check=all_of(content("carrier", smuggled), absent("smuggled"))),
        Case("nested-compression", [("blob", gzip_twice(tar(entry("x", b"x"))), "sha256:" +
                                     sha256(tar(entry("x", b"x"))))],
             refused="diff_id", formats=OCI),
        # Manifest, config and index tricks.
        Case("docker-layer-path-traversal", [tar(entry("x", b"x"))],
             refused="is not a path inside the archive", formats=("docker-archive",),
             docker_edit=lambda e: e.update(Layers=["../../../../etc/shadow"])),
        Case("docker-config-absolute", [tar(entry("x", b"x"))],
             refused="is not a path inside the archive", formats=("docker-archive",),
             docker_edit=lambda e: e.update(Config="/etc/passwd")),
        Case("oci-digest-traversal", [tar(entry("x", b"x"))], refused="sha256:../",
             formats=OCI, edit=index_digest("sha256:../../../../etc/shadow")),
        Case("oci-layer-size-mismatch", [tar(entry("x", b"x"))], refused="size",
             formats=OCI, edit=lambda m, c, i: m["layers"][0].update(size=m["layers"][0]["size"] + 7)),
        Case("oci-diff-id-mismatch", [tar(entry("x", b"x"))], refused="diff_id",
             formats=OCI, edit=lambda m, c, i: c["rootfs"].update(diff_ids=["sha256:" + "0" * 64])),
        Case("oci-manifest-and-index-at-once", [tar(entry("x", b"x"))],
             refused="not an image manifest", formats=OCI,
             edit=lambda m, c, i: m.update(manifests=[])),
        Case("oci-huge-config", [tar(entry("x", b"x"))], refused="limit json-bytes",
             formats=OCI, edit=lambda m, c, i: c.update(padding=" " * (21 << 20))),
        Case("oci-deep-config", [tar(entry("x", b"x"))], refused="limit json-depth",
             formats=OCI, edit=deep_config),
        Case("oci-foreign-layer-url", [tar(entry("x", b"x"))], refused="never fetched",
             formats=("oci",), edit=foreign_layer),
        Case("oci-symlinked-blob", [tar(entry("x", b"x"))], refused="blobs/sha256",
             formats=OCI, edit=None),
        # Resource exhaustion: each ends early and within bounds (compressed layers: OCI).
        # A gzip trailer that disagrees with the data, though digest and diff_id match what the
        # manifest and config claim: refused as Go's gzip reader (docker, containerd) refuses it.
        Case("gzip-crc32-wrong", [bad_trailer(tar(entry("x", b"x" * 1000)), crc=True)],
             refused="incorrect data check", layer_named=True),
        Case("gzip-isize-wrong", [bad_trailer(tar(entry("x", b"x" * 1000)), crc=False)],
             refused="incorrect length check", layer_named=True),
        Case("gzip-bomb", [gzip_bomb()], refused="limit compression-ratio", formats=OCI),
        Case("gigabytes-after-the-end-marker", [padded_tar()], refused="limit trailing-bytes",
             formats=("oci",)),
        Case("hundreds-of-thousands-of-entries", [many_entries(300_000)], formats=("oci",),
             check=count_files(300_000)),
        Case("scan-time-limit", [many_entries(100_000)], formats=("oci",),
             refused="limit scan-seconds=2", args=["--limit", "scan-seconds=2"]),
    ]


ZERO_CHUNK = 64 << 20


def zeros_layer(head, zero_bytes, tail=b""):
    """A gzip blob of head + zero_bytes zeros + tail, built from gzip members (one 64 MiB zero
    member repeated, so gigabytes cost little to make), with the diff_id of the whole."""
    import gzip
    digest = hashlib.sha256(head)
    member = gzip.compress(bytes(ZERO_CHUNK), compresslevel=6, mtime=0)
    zero = bytes(ZERO_CHUNK)
    parts = [gzip.compress(head, mtime=0)]
    for _ in range(zero_bytes // ZERO_CHUNK):
        digest.update(zero)
        parts.append(member)
    rest = zero_bytes % ZERO_CHUNK
    digest.update(bytes(rest) + tail)
    parts.append(gzip.compress(bytes(rest) + tail, mtime=0))
    return ("blob", b"".join(parts), "sha256:" + digest.hexdigest())


def gzip_bomb():
    """One file of 4 GiB zeros: a few MiB compressed."""
    size = 4 << 30
    return zeros_layer(entry("zeros", size=size), size, b"\0" * 1024)


def padded_tar():
    """A small tar followed by 2 GiB of zeros after its end marker."""
    return zeros_layer(tar(entry("small", b"x")), 2 << 30)


def many_entries(count):
    files = [directory("d%03d" % d) for d in range(count // 1000)]
    files += [entry("d%03d/f%06d" % (i // 1000, i), b"") for i in range(count)]
    return tar(*files)


def bad_trailer(data, crc):
    """A gzip blob of `data` whose trailer's CRC-32 (crc) or ISIZE (not crc) is off by one; the
    diff_id is the true one of `data`."""
    import gzip
    blob = bytearray(gzip.compress(data, mtime=0))
    at = len(blob) - (8 if crc else 4)
    blob[at] = (blob[at] + 1) % 256
    return ("blob", bytes(blob), "sha256:" + sha256(data))


def gzip_twice(data):
    import gzip
    return gzip.compress(gzip.compress(data, mtime=0), mtime=0)


def index_digest(digest):
    def edit(manifest, config, index):
        index["manifests"] = [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "digest": digest, "size": 100}]
    return edit


def deep_config(manifest, config, index):
    nested = {}
    for _ in range(100):
        nested = {"n": nested}
    config["deep"] = nested


def foreign_layer(manifest, config, index):
    layer = manifest["layers"][0]
    layer["mediaType"] = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    layer["urls"] = ["http://127.0.0.1:9/never-fetched.tar.gz"]
    layer["digest"] = "sha256:" + "a" * 64  # not in the layout


# ---- building and scanning --------------------------------------------------------------------

def build(case, work, sentinel):
    """The case's image in each format: {format: reference}."""
    images = {}
    base = os.path.join(work, case.name)
    if "oci" in case.formats or "oci-archive" in case.formats:
        layout = oci_layout(base + "-layout", case.layers, edit=case.edit)
        if case.name == "oci-symlinked-blob":
            index = json.load(open(os.path.join(layout, "index.json")))
            manifest = json.load(open(os.path.join(layout, "blobs", "sha256",
                                                   index["manifests"][0]["digest"][7:])))
            blob = os.path.join(layout, "blobs", "sha256", manifest["layers"][0]["digest"][7:])
            os.remove(blob)
            os.symlink(sentinel + "/secret", blob)
        if "oci" in case.formats:
            images["oci"] = "oci:" + layout
        if "oci-archive" in case.formats:
            images["oci-archive"] = "oci-archive:" + oci_archive(layout, base + "-oci.tar")
    if "docker-archive" in case.formats:
        images["docker-archive"] = "docker-archive:" + docker_archive(
            base + "-docker.tar", case.layers, edit=case.docker_edit)
    return images


def scan(imgscap, image, content_file, out, tmpdir, args=()):
    import time
    os.makedirs(tmpdir, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmpdir)
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "imgscap-peak-kb %M", imgscap, "scan", image,
                           "--content", content_file, "-q", "-o", out, "--keep-rootfs",
                           "--limit", "scan-seconds=300", *args],
                          capture_output=True, text=True, env=env, timeout=600)
    proc.seconds = time.monotonic() - started
    lines = proc.stderr.splitlines()
    proc.peak_kb = int(lines[-1].split()[1]) if lines and lines[-1].startswith("imgscap-peak-kb") else 0
    proc.stderr = "\n".join(line for line in lines if not line.startswith(
        ("imgscap-peak-kb", "Command exited with non-zero status")))
    return proc


def kept_root(stderr):
    for line in stderr.splitlines():
        if "kept work directory:" in line:
            return line.split("root filesystem in ")[1].rstrip(")")
    return None


def run_case(case, imgscap, content_file, work, sentinel, before):
    problems = []
    for fmt, image in build(case, work, sentinel).items():
        tmpdir = os.path.join(work, "tmp-" + case.name + "-" + fmt)
        proc = scan(imgscap, image, content_file, os.path.join(work, "out"), tmpdir, case.args)
        label = f"{case.name} [{fmt}]"
        root = kept_root(proc.stderr)
        if case.refused:
            if proc.returncode != 1:
                problems.append(f"{label}: exit {proc.returncode}, expected a refusal: {proc.stderr}")
            elif case.refused not in proc.stderr:
                problems.append(f"{label}: message lacks '{case.refused}': {proc.stderr}")
            elif case.layer_named and "layer 1 (sha256:" not in proc.stderr:
                problems.append(f"{label}: message does not name the layer: {proc.stderr}")
            elif case.entry_named and f"entry " not in proc.stderr:
                problems.append(f"{label}: message does not name the entry: {proc.stderr}")
            elif case.entry_named and case.entry_named not in proc.stderr:
                problems.append(f"{label}: message does not name {case.entry_named}: {proc.stderr}")
        else:
            if proc.returncode not in (0, 2):
                problems.append(f"{label}: exit {proc.returncode}: {proc.stderr}")
            elif root is None:
                problems.append(f"{label}: no kept root filesystem")
            elif case.check:
                problems.extend(f"{label}: {p}" for p in case.check(root))
        if root:
            subprocess.run(["chmod", "-R", "u+rwX", os.path.dirname(root)])
            shutil.rmtree(os.path.dirname(root))
        left = [n for n in os.listdir(tmpdir) if n.startswith("imgscap-")] if os.path.isdir(tmpdir) else []
        if left:
            problems.append(f"{label}: work directories left behind: {left}")
        after = snapshot(sentinel)
        if after != before:
            changed = sorted(set(after.items()) ^ set(before.items()))
            problems.append(f"{label}: HOST SENTINELS CHANGED: {changed}")
        if proc.peak_kb > MAX_PEAK_KB:
            problems.append(f"{label}: imgscap's memory grew to {proc.peak_kb} KiB")
        print(f"{label}: [{proc.seconds:.1f} s, peak {proc.peak_kb // 1024} MiB] "
              f"{'refused' if proc.returncode == 1 else 'applied'}"
              f"{' - ' + proc.stderr.strip().splitlines()[-1][:150] if proc.returncode == 1 and proc.stderr.strip() else ''}")
    return problems


def main():
    imgscap, content_file, work = sys.argv[1:4]
    only = set(sys.argv[4:])
    sentinel = os.path.join(os.path.abspath(work), "host-sentinels")
    before = make_sentinels(sentinel)
    problems = []
    for case in cases(sentinel, work):
        if only and case.name not in only:
            continue
        problems.extend(run_case(case, imgscap, content_file, work, sentinel, before))
    if problems:
        raise SystemExit("FAIL:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
