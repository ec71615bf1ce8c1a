#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Raw tar entries and the three image formats, for tests that need byte-level control over
hostile images: OCI image layout, OCI archive (a tar of a layout), docker-archive.

Entries are built with tarfile's header encoder but written by hand, so names are kept as
given (../x, /abs, .wh.), sizes can disagree with PAX headers, and hard links can carry data.
"""
import gzip
import hashlib
import io
import json
import os
import tarfile

BLOCK = 512
MTIME = 1700000000


def entry(name, data=b"", kind=tarfile.REGTYPE, mode=0o644, uid=0, gid=0, linkname="",
          pax=None, size=None, dev=(0, 0)):
    """One tar entry as bytes: header (with PAX records when needed) and padded data."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.uid, info.gid = uid, gid
    info.mtime = MTIME
    info.linkname = linkname
    info.devmajor, info.devminor = dev
    info.size = len(data) if size is None else size
    if pax:
        info.pax_headers = dict(pax)
    header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    padding = (BLOCK - len(data) % BLOCK) % BLOCK
    return header + data + b"\0" * padding


def directory(name, mode=0o755, **kw):
    return entry(name, kind=tarfile.DIRTYPE, mode=mode, **kw)


def symlink(name, target, **kw):
    return entry(name, kind=tarfile.SYMTYPE, mode=0o777, linkname=target, **kw)


def hardlink(name, target, data=b"", **kw):
    """A hard link entry; with `data`, one that carries data (tarfile would write size 0, so
    the header is written as a regular file and its type flag patched)."""
    if not data:
        return entry(name, kind=tarfile.LNKTYPE, linkname=target, **kw)
    raw = bytearray(entry(name, data=data, linkname=target, **kw))
    raw[156:157] = b"1"
    raw[148:156] = b"        "
    raw[148:156] = b"%06o\0 " % sum(raw[:BLOCK])
    return bytes(raw)


def tar(*entries):
    return b"".join(entries) + b"\0" * (2 * BLOCK)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def write_blob(layout, data):
    digest = sha256(data)
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def image_config(diff_ids, config=None):
    return {"architecture": "amd64", "os": "linux", "config": config or {},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "imgscap tests/e2e/image_formats.py"}]}


def oci_layout(layout, layers, config=None, tag="latest", blobs=None, edit=None):
    """Writes an OCI layout. `layers` are uncompressed tars (gzip-compressed into blobs) or
    ("blob", compressed_bytes, diff_id) for prepared blobs. `edit(manifest, config, index)` may
    change the documents before they are written (hostile metadata)."""
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    descriptors, diff_ids = [], []
    for layer in layers:
        if isinstance(layer, tuple):
            _, blob, diff_id = layer
        else:
            blob, diff_id = gzip.compress(layer, mtime=0), "sha256:" + sha256(layer)
        descriptor = write_blob(layout, blob)
        descriptor["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
        descriptors.append(descriptor)
        diff_ids.append(diff_id)
    cfg = image_config(diff_ids, config)
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": None, "layers": descriptors}
    index = {"schemaVersion": 2, "manifests": []}
    if edit:
        edit(manifest, cfg, index)
    if manifest["config"] is None:
        cfg_bytes = cfg if isinstance(cfg, bytes) else json.dumps(cfg, sort_keys=True).encode()
        manifest["config"] = write_blob(layout, cfg_bytes)
        manifest["config"]["mediaType"] = "application/vnd.oci.image.config.v1+json"
    if not index["manifests"]:
        descriptor = write_blob(layout, json.dumps(manifest, sort_keys=True).encode())
        descriptor["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
        descriptor["annotations"] = {"org.opencontainers.image.ref.name": tag}
        index["manifests"] = [descriptor]
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    return layout


def oci_archive(layout, path):
    """A tar of the layout directory, as skopeo's oci-archive."""
    with tarfile.open(path, "w") as out:
        for name in sorted(os.listdir(layout)):
            out.add(os.path.join(layout, name), arcname=name)
    return path


def docker_archive(path, layers, config=None, repo_tag="imgscap-hostile:latest", edit=None):
    """A docker-save archive: layer tars as <diff id hex>.tar (uncompressed, or a prepared
    ("blob", compressed_bytes, diff_id) as it is), the config as <digest hex>.json and
    manifest.json. `edit(manifest_entry)` may change manifest.json."""
    members = []
    diff_ids = [layer[2] if isinstance(layer, tuple) else "sha256:" + sha256(layer)
                for layer in layers]
    for layer, diff_id in zip(layers, diff_ids):
        members.append((diff_id.split(":")[1] + ".tar",
                        layer[1] if isinstance(layer, tuple) else layer))
    cfg = json.dumps(image_config(diff_ids, config), sort_keys=True).encode()
    config_name = sha256(cfg) + ".json"
    members.append((config_name, cfg))
    entry_json = {"Config": config_name, "RepoTags": [repo_tag],
                  "Layers": [name for name, _ in members[:-1]]}
    if edit:
        edit(entry_json)
    members.append(("manifest.json", json.dumps([entry_json]).encode()))
    with tarfile.open(path, "w") as out:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            out.addfile(info, io.BytesIO(data))
    return path
