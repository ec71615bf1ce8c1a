#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What legitimate images do must keep working under the hostile-image defences: in-image
absolute symlinks, symlinked parents across layers, "./" entries, hard links within the image,
whiteouts, opaque directories, setuid files, files re-added after deletion. The image is built in
the three formats; each unpacks to the expected tree, all three trees are identical, and equal
to umoci's own unpack of the OCI layout.

    legit_images.py IMGSCAP CONTENT WORKDIR
"""
import hashlib
import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_formats import (  # noqa: E402
    directory, docker_archive, entry, hardlink, oci_archive, oci_layout, symlink, tar)

LAYERS = [
    tar(directory("./"), directory("./usr"), directory("./usr/lib"),
        entry("./usr/lib/libfoo.so", b"libfoo\n", mode=0o755),
        symlink("lib", "usr/lib"), symlink("lib64", "/usr/lib"),
        directory("etc"), entry("etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        entry("etc/hostname", b"image\n"), hardlink("etc/hostname.bak", "etc/hostname"),
        entry("etc/motd", b"hello\n"), directory("bin"),
        entry("bin/su", b"#!/bin/sh\n", mode=0o4755), entry("bin/newgrp", b"#!/bin/sh\n", mode=0o2755),
        directory("opt"), directory("opt/data"), entry("opt/data/a", b"a\n"),
        entry("opt/data/b", b"b\n"), directory("home"), directory("home/app", uid=1000, gid=1000),
        entry("home/app/notes", b"n\n", uid=1000, gid=1000, mode=0o600)),
    tar(entry("lib/x/y", b"through a relative symlinked parent\n"),
        entry("lib64/z", b"through an absolute symlinked parent\n"),
        entry("etc/.wh.motd", b""), entry("etc/.wh.passwd", b""),
        entry("opt/data/.wh..wh..opq", b""), entry("opt/data/c", b"c\n")),
    tar(directory("./etc"), entry("./etc/passwd", b"root:x:0:0::/root:/bin/bash\n")),
]

EXPECTED = {
    "usr/lib/x/y": b"through a relative symlinked parent\n",
    "usr/lib/z": b"through an absolute symlinked parent\n",
    "etc/passwd": b"root:x:0:0::/root:/bin/bash\n",
    "opt/data/c": b"c\n",
}
ABSENT = ["etc/motd", "opt/data/a", "opt/data/b"]


def listing(root):
    rows = []
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            link = os.readlink(path) if stat.S_ISLNK(st.st_mode) else ""
            digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16] \
                if stat.S_ISREG(st.st_mode) else ""
            rows.append((os.path.relpath(path, root), stat.S_IFMT(st.st_mode),
                         stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_nlink, link, digest))
    return sorted(rows)


def check_tree(root):
    problems = []
    for rel, data in EXPECTED.items():
        path = os.path.join(root, rel)
        if not os.path.isfile(path) or open(path, "rb").read() != data:
            problems.append(f"/{rel} is not {data!r}")
    problems += [f"/{rel} still exists" for rel in ABSENT if os.path.lexists(os.path.join(root, rel))]
    if os.readlink(os.path.join(root, "lib")) != "usr/lib":
        problems.append("/lib is no longer the symlink usr/lib")
    if stat.S_IMODE(os.lstat(os.path.join(root, "bin/su")).st_mode) != 0o4755:
        problems.append("/bin/su lost its setuid bit")
    a, b = (os.lstat(os.path.join(root, p)) for p in ("etc/hostname", "etc/hostname.bak"))
    if a.st_ino != b.st_ino:
        problems.append("etc/hostname.bak is not a hard link of etc/hostname")
    if os.lstat(os.path.join(root, "home/app/notes")).st_uid != 1000 and os.geteuid() == 0:
        problems.append("/home/app/notes lost its owner")
    return problems


def main():
    imgscap, content_file, work = sys.argv[1:4]
    layout = oci_layout(os.path.join(work, "legit-layout"), LAYERS, tag="legit")
    images = {"oci": "oci:" + layout,
              "oci-archive": "oci-archive:" + oci_archive(layout, os.path.join(work, "legit-oci.tar")),
              "docker-archive": "docker-archive:" + docker_archive(
                  os.path.join(work, "legit-docker.tar"), LAYERS)}
    problems, listings = [], {}
    for fmt, image in images.items():
        tmpdir = os.path.join(work, "tmp-" + fmt)
        os.makedirs(tmpdir)
        proc = subprocess.run([imgscap, "scan", image, "--content", content_file, "-q",
                               "--keep-rootfs", "-o", os.path.join(work, "out")],
                              capture_output=True, text=True, env=dict(os.environ, TMPDIR=tmpdir))
        if proc.returncode not in (0, 2):
            problems.append(f"{fmt}: exit {proc.returncode}: {proc.stderr}")
            continue
        workdir = next(os.path.join(tmpdir, n) for n in os.listdir(tmpdir) if n.startswith("imgscap-"))
        root = os.path.join(workdir, "rootfs")
        problems += [f"{fmt}: {p}" for p in check_tree(root)]
        listings[fmt] = listing(root)
        shutil.rmtree(workdir)
        print(f"{fmt}: {len(listings[fmt])} entries")
    bundle = os.path.join(work, "umoci-bundle")
    subprocess.run(["umoci", "unpack", "--image", layout + ":legit", bundle], check=True,
                   capture_output=True)
    listings["umoci"] = listing(os.path.join(bundle, "rootfs"))
    reference = listings["umoci"]
    for name, rows in listings.items():
        if rows != reference:
            diff = sorted(set(rows) ^ set(reference))[:10]
            problems.append(f"{name} differs from umoci's unpack: {diff}")
    if problems:
        raise SystemExit("FAIL:\n  " + "\n  ".join(problems))
    print(f"3 formats and umoci agree on {len(reference)} entries")


if __name__ == "__main__":
    main()
