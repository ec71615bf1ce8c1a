#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seed inputs for the fuzz targets, built at test time: small valid image archives (OCI and
docker, first byte 0/1 picks the kind), layer tars with the entry kinds layers use, configs.

    make_seeds.py OUT_DIR
"""
import gzip
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from image_formats import (  # noqa: E402
    directory, docker_archive, entry, hardlink, oci_archive, oci_layout, symlink, tar)
from cve_feeds import make_feed  # noqa: E402

LAYERS = [
    tar(directory("etc"), entry("etc/os-release", b"ID=seed\n"), symlink("lib", "usr/lib"),
        directory("usr"), directory("usr/lib"), entry("usr/lib/a", b"a"), hardlink("b", "usr/lib/a")),
    tar(entry("etc/.wh.os-release", b""), directory("opt"), entry("opt/.wh..wh..opq", b""),
        entry("lib/x", b"x", mode=0o4755)),
]


# OVAL results as imgscap writes them: a true definition with its test, item and state, a
# settled one with its message.
RESULTS = b"""<?xml version="1.0" encoding="UTF-8"?>
<oval_results xmlns="http://oval.mitre.org/XMLSchema/oval-results-5"
    xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5">
<generator><oval:schema_version>5.11.2</oval:schema_version><oval:timestamp>2026-01-01T00:00:00</oval:timestamp></generator>
<directives><definition_true reported="true" content="full"/><definition_false reported="true" content="thin"/><definition_unknown reported="true" content="full"/><definition_error reported="true" content="full"/><definition_not_evaluated reported="true" content="thin"/><definition_not_applicable reported="true" content="thin"/></directives>
<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" xmlns:lin="http://oval.mitre.org/XMLSchema/oval-definitions-5#linux">
<definitions><definition class="vulnerability" id="oval:s:def:1" version="1"><metadata><title>CVE-2099-1 bash</title><reference source="CVE" ref_id="CVE-2099-1"/><advisory><severity>High</severity></advisory></metadata><criteria><criterion test_ref="oval:s:tst:1" comment="bash package in jammy is affected and needs fixing."/></criteria></definition></definitions>
<tests><lin:dpkginfo_test id="oval:s:tst:1" version="1" check="all"><lin:object object_ref="oval:s:obj:1"/><lin:state state_ref="oval:s:ste:1"/></lin:dpkginfo_test></tests>
<objects><lin:dpkginfo_object id="oval:s:obj:1" version="1"><lin:name>bash</lin:name></lin:dpkginfo_object></objects>
<states><lin:dpkginfo_state id="oval:s:ste:1" version="1"><lin:evr datatype="debian_evr_string" operation="less than">0:9.9-1</lin:evr></lin:dpkginfo_state></states>
</oval_definitions>
<results><system><definitions>
<definition definition_id="oval:s:def:1" result="true" version="1"><criteria operator="AND" result="true"><criterion test_ref="oval:s:tst:1" version="1" result="true"/></criteria></definition>
<definition definition_id="oval:s:def:2" result="false" version="1"><message level="info">settled</message></definition>
</definitions><tests><test test_id="oval:s:tst:1" version="1" check="all" result="true"><tested_item item_id="1" result="true"/></test></tests>
<oval_system_characteristics xmlns="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5" xmlns:lin-sys="http://oval.mitre.org/XMLSchema/oval-system-characteristics-5#linux">
<system_data><lin-sys:dpkginfo_item id="1" status="exists"><lin-sys:name>bash</lin-sys:name><lin-sys:evr datatype="debian_evr_string">0:5.1-2</lin-sys:evr></lin-sys:dpkginfo_item></system_data>
</oval_system_characteristics></system></results></oval_results>
"""


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
    # What registries answer beside images: challenges, Retry-After, errors, tokens, names.
    responses = {
        "bearer": b'Bearer realm="https://auth.example.com/token",service="registry",'
                  b'scope="repository:team/app:pull",error="insufficient_scope"',
        "basic": b'Basic realm="Registry Realm"',
        "retry": b"Wed, 21 Oct 2015 07:28:00 GMT",
        "errors": b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown",'
                  b'"detail":{"Tag":"1"}}]}',
        "token": b'{"token":"abc","access_token":"abc","expires_in":300}',
        "name": b"registry.example.com:5000/team/app:1.4@sha256:" + b"a" * 64,
    }
    for name, data in responses.items():
        write(os.path.join(out, "fuzz_registry_responses"), name, data)
    # Feeds in each distributor's shape (one compressed), and OVAL results.
    spec = {"definitions": [{"package": "bash", "fixed": "0:9.9-1", "cves": ["CVE-2099-1"],
                             "severity": "High", "binaries": ["bash", "bash-static"]},
                            {"package": "absent", "fixed": "1.0-1", "cves": ["CVE-2099-2"]}]}
    for shape, release in (("redhat", "9"), ("debian", "12"), ("ubuntu", "22.04")):
        feed = make_feed(shape, dict(spec, release=release))
        write(os.path.join(out, "fuzz_feed"), shape, b"\0" + feed)
    write(os.path.join(out, "fuzz_feed"), "debian-gz",
          b"\0" + gzip.compress(make_feed("debian", dict(spec, release="12")), mtime=0))
    write(os.path.join(out, "fuzz_feed"), "results", b"\1" + RESULTS)


if __name__ == "__main__":
    main()
