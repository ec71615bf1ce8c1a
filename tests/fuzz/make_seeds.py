#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seed inputs for the fuzz targets, built at test time: small valid image archives (OCI and
docker, first byte 0/1 picks the kind), layer tars with the entry kinds layers use, configs.

    make_seeds.py OUT_DIR
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from image_formats import (  # noqa: E402
    directory, docker_archive, entry, hardlink, oci_archive, oci_layout, symlink, tar)

LAYERS = [
    tar(directory("etc"), entry("etc/os-release", b"ID=seed\n"), symlink("lib", "usr/lib"),
        directory("usr"), directory("usr/lib"), entry("usr/lib/a", b"a"), hardlink("b", "usr/lib/a")),
    tar(entry("etc/.wh.os-release", b""), directory("opt"), entry("opt/.wh..wh..opq", b""),
        entry("lib/x", b"x", mode=0o4755)),
]


def write(directory_path, name, data):
    os.makedirs(directory_path, exist_ok=True)
    with open(os.path.join(directory_path, name), "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        layout = oci_layout(os.path.join(work, "layout"), LAYERS, config={"User": "1000"})
        oci = open(oci_archive(layout, os.path.join(work, "oci.tar")), "rb").read()
        docker = open(docker_archive(os.path.join(work, "docker.tar"), LAYERS), "rb").read()
    write(os.path.join(out, "fuzz_image_archive"), "oci", b"\0" + oci)
    write(os.path.join(out, "fuzz_image_archive"), "docker", b"\1" + docker)
    for i, layer in enumerate(LAYERS):
        write(os.path.join(out, "fuzz_layer_apply"), f"layer{i}", layer)
    config = {"architecture": "amd64", "os": "linux",
              "config": {"User": "1000", "Env": ["A=1"], "ExposedPorts": {"80/tcp": {}},
                         "Healthcheck": {"Test": ["CMD", "true"]}, "Labels": {"a": "b"}},
              "rootfs": {"type": "layers", "diff_ids": ["sha256:" + "a" * 64]}}
    write(os.path.join(out, "fuzz_image_config"), "config", json.dumps(config).encode())


if __name__ == "__main__":
    main()
