#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every rule of content/imgscap-baseline-ds.xml on a test image that passes it and one that
fails it: a good image passes all rules; each variant adds one defect and must fail exactly the
rule it targets, with every other rule still passing. The config rules do not apply to a dir:
scan of the good tree. Every image is also scanned with TREE_CONTENT, the formulation of the
rules that walks the tree with OpenSCAP's file probes (content/src/baseline.py --tree-walking),
and every rule's result must be the same: the file facts imgscap gathers while unpacking answer
as the probes would. EDGES adds images for that comparison alone: what later layers do to entries
earlier ones made notable. Used by case_baseline_rules.sh; prints one line per image.

    baseline_rules.py IMGSCAP CONTENT TREE_CONTENT WORKDIR
"""
import copy
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_image  # noqa: E402

PREFIX = "xccdf_org.imgscap.baseline_rule_"

PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
SHADOW = "root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n"
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n"


def entry(path, content="", **kw):
    e = {"path": path, "content": content}
    e.update(kw)
    return e


def d(path, mode="0755", **kw):
    e = {"path": path, "type": "dir", "mode": mode}
    e.update(kw)
    return e


GOOD = {
    "config": {
        "User": "1000",
        "Healthcheck": {"Test": ["CMD", "/bin/true"]},
        "ExposedPorts": {"8080/tcp": {}},
        "Volumes": {"/data": {}},
        "Env": ["PATH=/usr/bin:/bin", "APP_PASSWORD_FILE=/run/secrets/app", "LANG=C.UTF-8"],
    },
    "files": [
        d("etc"), d("usr"), d("usr/bin"), d("usr/local"), d("usr/local/bin"), d("var"),
        d("var/lib"), d("var/lib/apt"), d("var/lib/apt/lists"), d("var/cache"),
        d("var/cache/apt"), d("var/cache/apt/archives"), d("home"),
        d("home/app", uid=1000, gid=1000), d("tmp", "1777"), d("var/tmp", "1777"), d("data"),
        d("etc/ssh"), d("etc/ssl"), d("etc/ssl/certs"), d("root", "0700"), d("srv"),
        entry("etc/os-release", 'ID=imgscaptest\nVERSION_ID="1"\nPRETTY_NAME="imgscap test"\n'),
        entry("etc/passwd", PASSWD),
        entry("etc/shadow", SHADOW, mode="0640"),
        entry("etc/group", "root:x:0:\napp:x:1000:\n"),
        entry("etc/ssh/ssh_config", "Host *\n"),
        entry("etc/ssl/certs/ca.pem", CERT),
        entry("usr/bin/su", "#!/bin/sh\n", mode="4755"),
        entry("usr/bin/app", "#!/bin/sh\n", mode="0755"),
        entry("var/lib/apt/lists/lock", ""),
    ],
}


def with_files(*extra, drop=()):
    def change(spec):
        spec["files"] = [e for e in spec["files"] if e["path"] not in drop] + list(extra)
    return change


def replace_file(path, **changes):
    def change(spec):
        for e in spec["files"]:
            if e["path"] == path:
                e.update(changes)
    return change


def config(**changes):
    def change(spec):
        spec["config"].update(changes)
    return change


def add_env(value):
    def change(spec):
        spec["config"]["Env"] = spec["config"]["Env"] + [value]
    return change


# rule -> [(variant name, change)]: each change must make exactly that rule fail.
VARIANTS = {
    "image_user_not_root": [("user-root", config(User="root")), ("user-unset", config(User="")),
                            ("user-0-0", config(User="0:0"))],
    "image_healthcheck_defined": [("healthcheck-none", config(Healthcheck={"Test": ["NONE"]})),
                                  ("healthcheck-absent", config(Healthcheck=None))],
    "image_env_no_secrets": [("env-password", add_env("DB_PASSWORD=hunter2")),
                             ("env-token", add_env("GITHUB_TOKEN=ghp_abc"))],
    "image_no_ssh_port_exposed": [("port-22", config(ExposedPorts={"22/tcp": {},
                                                                    "8080/tcp": {}}))],
    "image_no_sensitive_volumes": [("volume-docker-sock",
                                    config(Volumes={"/var/run/docker.sock": {}}))],
    "os_release_present": [("no-os-release", with_files(drop=("etc/os-release",)))],
    "no_empty_password_hashes": [("empty-shadow-password", replace_file(
        "etc/shadow", content="root:*:19000:0:99999:7:::\napp::19000:0:99999:7:::\n"))],
    "no_password_hashes_in_passwd": [("hash-in-passwd", replace_file(
        "etc/passwd", content="root:x:0:0:root:/root:/bin/sh\n"
                              "app:$6$salt$hash:1000:1000::/home/app:/bin/sh\n"))],
    "no_extra_uid0_accounts": [("toor", replace_file(
        "etc/passwd", content=PASSWD + "toor:x:0:0::/root:/bin/sh\n"))],
    "shadow_not_world_readable": [("shadow-0644", replace_file("etc/shadow", mode="0644")),
                                  ("shadow-owned-by-app", replace_file("etc/shadow", uid=1000))],
    "no_private_keys": [("root-ssh-key", with_files(d("root/.ssh", "0700"),
                                                     entry("root/.ssh/id_rsa", KEY, mode="0600"))),
                        ("app-pem-key", with_files(d("srv/app"), entry("srv/app/server.pem",
                                                                        CERT + KEY)))],
    "no_ssh_host_keys": [("host-key", with_files(entry("etc/ssh/ssh_host_ed25519_key", KEY,
                                                       mode="0600")))],
    "no_world_writable_files": [("world-writable-conf", with_files(entry("etc/app.conf", "x=1\n",
                                                                         mode="0666")))],
    "world_writable_dirs_sticky": [("drop-dir-0777", with_files(d("srv/drop", "0777")))],
    "setuid_setgid_limited": [("setuid-helper", with_files(entry("usr/local/bin/helper", "#!/bin/sh\n",
                                                                 mode="4755"))),
                              ("setgid-helper", with_files(entry("usr/bin/helper", "#!/bin/sh\n",
                                                                 mode="2755")))],
    "no_sudo": [("sudo", with_files(entry("usr/bin/sudo", "#!/bin/sh\n", mode="0755")))],
    "apt_lists_cleaned": [("apt-lists", with_files(entry(
        "var/lib/apt/lists/mirror.example.org_debian_dists_bookworm_main_binary-amd64_Packages",
        "Package: x\n")))],
    "apt_archives_cleaned": [("apt-deb", with_files(entry(
        "var/cache/apt/archives/curl_7.88.1-10_amd64.deb", "!<arch>\n"))),
        ("apt-pkgcache", with_files(entry("var/cache/apt/pkgcache.bin", "cache")))],
    "rpm_caches_cleaned": [("dnf-rpm", with_files(
        d("var/cache/dnf"), d("var/cache/dnf/baseos"), d("var/cache/dnf/baseos/packages"),
        entry("var/cache/dnf/baseos/packages/bash-5.1.8-6.el9.x86_64.rpm", "rpm")))],
    "apk_cache_cleaned": [("apk-index", with_files(
        d("var/cache/apk"), entry("var/cache/apk/APKINDEX.2c4ac24e.tar.gz", "index")))],
    "no_unnecessary_files": [("git-dir", with_files(d("srv/app"), d("srv/app/.git"),
                                                     entry("srv/app/.git/HEAD", "ref\n"))),
                             ("ds-store", with_files(entry("usr/bin/.DS_Store", "x")))],
    "no_build_tools": [("gcc", with_files(entry("usr/bin/gcc", "#!/bin/sh\n", mode="0755")))],
    "tmp_sticky": [("tmp-without-sticky", replace_file("tmp", mode="0755"))],
}


# Layers on top of the good image's: each must give the same results with facts and probes.
EDGES = [
    ("setuid-then-whiteout", [[entry("usr/local/bin/tool", "#!/bin/sh\n", mode="4755")],
                              [entry("usr/local/bin/.wh.tool")]]),
    ("writable-dir-then-file", [[d("srv/drop", "0777"), entry("srv/drop/x", "x")],
                                [entry("srv/.wh.drop"), entry("srv/drop", "now a file\n")]]),
    ("writable-dir-made-sticky", [[d("srv/drop", "0777")], [d("srv/drop", "1777")]]),
    ("setuid-hardlink", [[entry("usr/local/bin/tool", "#!/bin/sh\n", mode="4755"),
                          {"path": "opt/tool", "type": "hardlink", "target": "usr/local/bin/tool"}]]),
    ("opaque-hides-git", [[d("srv/app"), d("srv/app/.git"), entry("srv/app/.git/HEAD", "r\n")],
                          [d("srv/app"), entry("srv/app/.wh..wh..opq"), entry("srv/app/x", "x")]]),
    ("env-symlink-and-key-link", [[entry("srv/k.txt", KEY), d("srv/app"),
                                   {"path": "srv/app/.env", "type": "symlink", "target": "../k.txt"},
                                   {"path": "etc/app.key", "type": "symlink", "target": "../srv/k.txt"}]]),
    ("setgid-dir-and-writable-link", [[d("var/mail", "2775"), entry("srv/w", "w", mode="0666"),
                                       {"path": "srv/wl", "type": "symlink", "target": "w"}]]),
    ("key-replaced-by-cert", [[d("root/.ssh", "0700"), entry("root/.ssh/id_rsa", KEY)],
                              [entry("root/.ssh/id_rsa", CERT)]]),
]


def image_spec(spec):
    cfg = {k: v for k, v in spec["config"].items() if v is not None}
    return {"config": cfg, "layers": [spec["files"]] + spec.get("more_layers", [])}


def same_results(imgscap, image, content, tree_content, out, failures, label):
    """Results with the file facts; those of the tree-walking rules must be the same."""
    results = scan(imgscap, image, content, out)
    walked = scan(imgscap, image, tree_content, out + "-tree")
    if results != walked:
        diff = {r: (results.get(r), walked.get(r)) for r in set(results) | set(walked)
                if results.get(r) != walked.get(r)}
        failures.append(f"{label}: facts and tree walk differ (facts, walk): {diff}")
    return results


def scan(imgscap, image, content, out, env=None):
    proc = subprocess.run([imgscap, "scan", image, "--content", content, "-q", "-o", out],
                          capture_output=True, text=True, env=env)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"scan of {image} failed ({proc.returncode}): {proc.stderr}")
    with open(os.path.join(out, "summary.json")) as f:
        return {r["id"][len(PREFIX):]: r["result"] for r in json.load(f)["rules"]}


def build(spec, workdir, name):
    spec_path = os.path.join(workdir, name + ".json")
    with open(spec_path, "w") as f:
        json.dump(image_spec(spec), f)
    layout = os.path.join(workdir, name)
    subprocess.run([sys.executable, make_image.__file__, spec_path, layout], check=True)
    return layout


def main():
    imgscap, content, tree_content, workdir = sys.argv[1:5]
    rules = sorted(VARIANTS)
    failures = []
    good = same_results(imgscap, "oci:" + build(GOOD, workdir, "good"), content, tree_content,
                        os.path.join(workdir, "out-good"), failures, "good")
    if sorted(good) != rules:
        raise SystemExit(f"the content's rules {sorted(good)} are not the tested {rules}")
    bad = {r: v for r, v in good.items() if v != "pass"}
    print(f"good: {len(good)} rules, not passing: {bad or 'none'}")
    if bad:
        failures.append(f"good image: {bad}")
    for rule in rules:
        for name, change in VARIANTS[rule]:
            spec = copy.deepcopy(GOOD)
            change(spec)
            results = same_results(imgscap, "oci:" + build(spec, workdir, name), content,
                                   tree_content, os.path.join(workdir, "out-" + name), failures,
                                   name)
            wrong = {r: v for r, v in results.items() if v != ("fail" if r == rule else "pass")}
            print(f"{name}: {rule} {results[rule]}" + (f", unexpected: {wrong}" if wrong else ""))
            if wrong:
                failures.append(f"{name}: {wrong}")
    # The good tree as a directory: no image config, so the config rules do not apply.
    tree = os.path.join(workdir, "good-tree")
    os.makedirs(tree)
    subprocess.run(["tar", "-C", tree, "-xzf", os.path.join(
        workdir, "good", "blobs", "sha256", layer_digest(os.path.join(workdir, "good")))],
        check=True)
    results = same_results(imgscap, "dir:" + tree, content, tree_content,
                           os.path.join(workdir, "out-dir"), failures, "dir")
    config_rules = {r for r in rules if r.startswith("image_") and r != "image_env_no_secrets"}
    wrong = {r: v for r, v in results.items()
             if v != ("notapplicable" if r in config_rules else "pass")}
    print(f"dir: config rules {sorted(config_rules)} not applicable"
          + (f", unexpected: {wrong}" if wrong else ""))
    if wrong:
        failures.append(f"dir: {wrong}")
    for name, layers in EDGES:
        spec = copy.deepcopy(GOOD)
        spec["more_layers"] = layers
        results = same_results(imgscap, "oci:" + build(spec, workdir, name), content,
                               tree_content, os.path.join(workdir, "out-" + name), failures, name)
        print(f"{name}: {sorted(r for r, v in results.items() if v != 'pass')} not passing, "
              "as the tree walk says")
    if failures:
        raise SystemExit("FAIL:\n  " + "\n  ".join(failures))


def layer_digest(layout):
    with open(os.path.join(layout, "index.json")) as f:
        manifest_digest = json.load(f)["manifests"][0]["digest"].split(":")[1]
    with open(os.path.join(layout, "blobs", "sha256", manifest_digest)) as f:
        return json.load(f)["layers"][0]["digest"].split(":")[1]


if __name__ == "__main__":
    main()
