#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds a small OCI image layout from a JSON spec, for end-to-end cases that need images with
particular files, owners, modes or config (Dockerfile-like facts) without a container engine.

    make_image.py SPEC.json OUT_LAYOUT_DIR [--tag TAG] [--base LAYOUT_DIR]

With --base, the new image starts from the (single) image of an existing OCI layout: its layers
(blobs hard-linked), its config, with SPEC's layers on top and SPEC's config keys replacing its.

SPEC = {
  "config": {"User": "1000", "Env": ["A=1"], "Healthcheck": {...}, "ExposedPorts": {...}, ...},
  "architecture": "amd64",
  "layers": [                      # applied in order; each a list of entries or a directory
    [ {"path": "etc/os-release", "content": "ID=x\\n", "mode": "0644", "uid": 0, "gid": 0},
      {"path": "etc", "type": "dir"},
      {"path": "bin/sh", "type": "symlink", "target": "busybox"},
      {"path": "etc/.wh.motd", "content": ""},        # a whiteout is just a name
      {"path": "usr/bin/x", "from": "/usr/bin/true"},  # a host file's bytes
      {"path": "big", "size": 1048576} ],               # zero bytes
    {"dir": "/path/to/tree", "uid": 0, "gid": 0}        # a whole directory, owners forced
  ]
}
Layers are gzip-compressed; blobs are named by their sha256 as the OCI spec says.
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1700000000


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def entry_info(entry):
    info = tarfile.TarInfo(entry["path"])
    info.mtime = MTIME
    info.uid = int(entry.get("uid", 0))
    info.gid = int(entry.get("gid", 0))
    kind = entry.get("type", "file")
    default_mode = {"dir": "0755", "symlink": "0777"}.get(kind, "0644")
    info.mode = int(str(entry.get("mode", default_mode)), 8)
    data = b""
    if kind == "dir":
        info.type = tarfile.DIRTYPE
    elif kind == "symlink":
        info.type = tarfile.SYMTYPE
        info.linkname = entry["target"]
    elif kind == "hardlink":
        info.type = tarfile.LNKTYPE
        info.linkname = entry["target"]
    elif kind == "fifo":
        info.type = tarfile.FIFOTYPE
    elif kind == "chardev":
        info.type = tarfile.CHRTYPE
        info.devmajor, info.devminor = entry.get("dev", [1, 3])
    else:
        if "from" in entry:
            with open(entry["from"], "rb") as f:
                data = f.read()
        elif "size" in entry:
            data = bytes(int(entry["size"]))
        else:
            data = entry.get("content", "").encode()
        info.size = len(data)
    return info, data


def layer_tar(layer):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        if isinstance(layer, dict):
            root = layer["dir"]
            for dirpath, dirs, files in os.walk(root):
                dirs.sort()
                for name in sorted(dirs) + sorted(files):
                    path = os.path.join(dirpath, name)
                    info = tar.gettarinfo(path, os.path.relpath(path, root))
                    info.uid, info.gid = layer.get("uid", info.uid), layer.get("gid", info.gid)
                    info.uname = info.gname = ""
                    if info.isreg():
                        with open(path, "rb") as f:
                            tar.addfile(info, f)
                    else:
                        tar.addfile(info)
        else:
            for entry in layer:
                info, data = entry_info(entry)
                tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def write_blob(layout, data):
    digest = sha256(data)
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def option(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def read_blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def base_image(base, layout):
    """Layers (descriptors), diff_ids and config of the image in `base`, blobs linked over."""
    index = json.load(open(os.path.join(base, "index.json")))
    manifest = json.loads(read_blob(base, index["manifests"][0]["digest"]))
    config = json.loads(read_blob(base, manifest["config"]["digest"]))
    for layer in manifest["layers"]:
        name = layer["digest"].split(":", 1)[1]
        target = os.path.join(layout, "blobs", "sha256", name)
        if not os.path.exists(target):
            os.link(os.path.join(base, "blobs", "sha256", name), target)
    return list(manifest["layers"]), list(config["rootfs"]["diff_ids"]), config


def main():
    spec_path, layout = sys.argv[1], sys.argv[2]
    tag = option("--tag", "latest")
    with open(spec_path) as f:
        spec = json.load(f)
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    layers, diff_ids, base_config = [], [], {}
    if option("--base"):
        layers, diff_ids, base_config = base_image(option("--base"), layout)
    for layer in spec.get("layers", []):
        tar = layer_tar(layer)
        diff_ids.append("sha256:" + sha256(tar))
        blob = write_blob(layout, gzip.compress(tar, mtime=0))
        blob["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        layers.append(blob)
    image_config = dict(base_config.get("config") or {})
    image_config.update(spec.get("config", {}))
    config = {
        "architecture": spec.get("architecture", base_config.get("architecture", "amd64")),
        "os": "linux",
        "config": image_config,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "imgscap tests/e2e/make_image.py"}],
    }
    config_blob = write_blob(layout, json.dumps(config, sort_keys=True).encode())
    config_blob["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config_blob, "layers": layers}
    manifest_blob = write_blob(layout, json.dumps(manifest, sort_keys=True).encode())
    manifest_blob["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    manifest_blob["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [manifest_blob]}, f)


if __name__ == "__main__":
    main()
