#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make_index.py OUT NAME LAYOUT=OS/ARCH[/VARIANT]...: an OCI layout OUT whose ref NAME is a
multi-platform image index of the given layouts' (first) image manifests, with their blobs
hard-linked, for `skopeo copy --all oci:OUT:NAME docker://...`."""
import hashlib
import json
import os
import shutil
import sys


def main():
    out, name, parts = sys.argv[1], sys.argv[2], sys.argv[3:]
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    entries = []
    for part in parts:
        layout, platform = part.rsplit("=", 1)
        with open(os.path.join(layout, "index.json")) as f:
            descriptor = dict(json.load(f)["manifests"][0])
        src = os.path.join(layout, "blobs", "sha256")
        for blob in os.listdir(src):
            if not os.path.exists(os.path.join(blobs, blob)):
                try:
                    os.link(os.path.join(src, blob), os.path.join(blobs, blob))
                except OSError:
                    shutil.copyfile(os.path.join(src, blob), os.path.join(blobs, blob))
        os_, arch, *variant = platform.split("/")
        descriptor.pop("annotations", None)
        descriptor["platform"] = {"os": os_, "architecture": arch}
        if variant:
            descriptor["platform"]["variant"] = variant[0]
        entries.append(descriptor)
    index = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                        "manifests": entries}).encode()
    digest = hashlib.sha256(index).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as f:
        f.write(index)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": "sha256:" + digest, "size": len(index),
            "annotations": {"org.opencontainers.image.ref.name": name}}]}, f)
    print("sha256:" + digest)


if __name__ == "__main__":
    main()
