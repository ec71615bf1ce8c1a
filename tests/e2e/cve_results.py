#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""CVE scan results on real package databases, with feeds generated in each distributor's shape
(cve_feeds.py): on every image, a definition whose package is older than the fixed version is
found (with installed and fixed versions), one already fixed is not, one for an absent package
is not. Also: severities normalised and --fail-on applied to them, the unsupported-OS outcome
(exit 4), a feed whose probe cannot read the image (exit 3), and the outputs checked by real
validators (oscap oval validate --results, xmllint for the HTML report).

    cve_results.py IMGSCAP CONTENT WORKDIR DEBIAN11_OCI_LAYOUT RPMDB_FIXTURES [SECTION...]
"""
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, run_sections  # noqa: E402
from cve_feeds import make_feed  # noqa: E402
from cve_trees import definition_results  # noqa: E402
from html_report import chromium, oval_definition_results  # noqa: E402

IMGSCAP, CONTENT, WORK, DEBIAN11, RPMDB = sys.argv[1:6]
ONLY = set(sys.argv[6:])
HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    return path


def make_image(name, layers, base=None):
    spec = write(os.path.join(WORK, name + ".json"), json.dumps({"layers": layers}))
    out = os.path.join(WORK, name)
    cmd = [sys.executable, os.path.join(HERE, "make_image.py"), spec, out]
    if base:
        cmd += ["--base", base]
    subprocess.run(cmd, check=True)
    return out


# Compliance content with one definition that passes wherever etc/os-release exists, so that an
# exit code can only come from the CVE scan.
PASSING_OVAL = os.path.join(HERE, "..", "data", "passing-oval.xml")


def scan(image, out, *args, content=None):
    p = subprocess.run([IMGSCAP, "scan", f"oci:{image}", "--content", content or CONTENT, "-q",
                        "-o", out, *args], capture_output=True, text=True)
    summary = os.path.join(out, "summary.json")
    p.summary = json.load(open(summary)) if os.path.exists(summary) else None
    return p


def found_by_cve(summary):
    return {cve: v for v in summary["vulnerabilities"]["found"] for cve in v["cves"]}


def validate_outputs(out, label):
    results = os.path.join(out, "cve-oval-results.xml")
    p = subprocess.run(["oscap", "oval", "validate", "--results", results],
                       capture_output=True, text=True)
    check(p.returncode == 0, f"{label}: cve-oval-results.xml does not validate: {p.stdout} {p.stderr}")
    # The HTML report as a reader sees it in a browser: every vulnerable definition shown true,
    # and nothing else.
    html = os.path.join(out, "cve-report.html")
    check(chromium() is not None, "chromium is not installed (scripts/install-deps installs it)")
    summary = json.load(open(os.path.join(out, "summary.json")))
    shown = oval_definition_results(html)
    vulnerable = {v["definition_id"] for v in summary["vulnerabilities"]["found"]}
    check(vulnerable and {d for d, r in shown.items() if r == "true"} == vulnerable,
          f"{label}: the HTML report does not show {vulnerable} as true: {shown}")
    # The report lists what needs reading: no false definition (OVAL directives leave them out).
    check("false" not in shown.values(), f"{label}: the HTML report lists false definitions")
    # The results file holds every definition: evaluated or settled (with how, as a message).
    listed = definition_results(results)
    check(len(listed) == summary["vulnerabilities"]["feed"]["definitions"],
          f"{label}: cve-oval-results.xml holds {len(listed)} definition results, the feed has "
          f"{summary['vulnerabilities']['feed']['definitions']}")


def expect_three(summary, label, package, installed_suffix, fixed):
    found = found_by_cve(summary)
    check(set(found) == {"CVE-2099-1001"}, f"{label}: found {sorted(found)}, expected only "
          "CVE-2099-1001 (older than fixed); not CVE-2099-1002 (fixed) or CVE-2099-1003 (absent)")
    if "CVE-2099-1001" in found:
        pkgs = found["CVE-2099-1001"]["packages"]
        check(len(pkgs) == 1 and pkgs[0]["name"] == package and
              pkgs[0]["installed"].endswith(installed_suffix) and pkgs[0]["fixed"].endswith(fixed),
              f"{label}: affected package {pkgs}, expected {package} {installed_suffix} < {fixed}")
    results = summary["vulnerabilities"]["definition_results"]
    check(results.get("false", 0) >= 2, f"{label}: definition results {results}")


# ---- Debian -------------------------------------------------------------------------------------

def installed_stanzas(layout):
    """Every dpkg status stanza of the image (as fields), from the layer that last wrote it."""
    index = json.load(open(os.path.join(layout, "index.json")))
    manifest_digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.load(open(os.path.join(layout, "blobs/sha256", manifest_digest)))
    stanzas = None
    for layer in manifest["layers"]:
        blob = os.path.join(layout, "blobs/sha256", layer["digest"].split(":")[1])
        with tarfile.open(blob, "r:*") as tar:
            for member in tar:
                if member.name.lstrip("./") == "var/lib/dpkg/status":
                    text = tar.extractfile(member).read().decode()
                    stanzas = [dict(line.split(": ", 1) for line in stanza.splitlines()
                                    if ": " in line and not line.startswith(" "))
                               for stanza in text.split("\n\n") if stanza.strip()]
    if stanzas is None:
        raise SystemExit(f"no dpkg status in {layout}")
    return stanzas


def installed_version(layout, package):
    for fields in installed_stanzas(layout):
        if fields.get("Package") == package:
            return fields["Version"]
    raise SystemExit(f"{package} not installed in {layout}")


def source_of(layout, package):
    """(source package, source version, binaries built from it) of an installed binary."""
    stanzas = installed_stanzas(layout)
    def source(fields):
        name, _, version = fields.get("Source", fields["Package"]).partition(" (")
        return name, version.rstrip(")") or fields["Version"]
    wanted = source(next(f for f in stanzas if f.get("Package") == package))
    binaries = sorted(f["Package"] for f in stanzas if source(f) == wanted)
    return wanted[0], wanted[1], binaries


def three_definitions(package, version, severities=("", "", ""), advisory="DSA-9001-1",
                      newer=None):
    return [
        {"package": package, "fixed": newer or version + "+imgscap1", "cves": ["CVE-2099-1001"],
         "severity": severities[0], "advisory": advisory, "title": f"{package} is vulnerable"},
        {"package": package, "fixed": version, "cves": ["CVE-2099-1002"],
         "severity": severities[1]},
        {"package": "imgscap-absent", "fixed": "1.0-1", "cves": ["CVE-2099-1003"],
         "severity": severities[2]},
    ]


def section_debian():
    # Debian's feeds name source packages: libc6 and libc-bin are glibc's.
    source, version, binaries = source_of(DEBIAN11, "libc6")
    feed = write(os.path.join(WORK, "debian11.xml"), make_feed(
        "debian", {"release": "11", "definitions": three_definitions(source, version)}))
    out = os.path.join(WORK, "out-debian")
    p = scan(DEBIAN11, out, "--cve", feed)
    check(p.returncode == 2, f"debian: exit {p.returncode}, expected 2: {p.stderr}")
    if not p.summary:
        return
    expect_three(p.summary, "debian", source, version, version + "+imgscap1")
    v = p.summary["vulnerabilities"]
    found = found_by_cve(p.summary).get("CVE-2099-1001", {"packages": [{}]})
    check([b["name"] for b in found["packages"][0].get("binaries", [])] == binaries and
          v["feed"]["dpkg_names"] == "source",
          f"debian: the binaries of {source} are {binaries}: {found['packages']}")
    # Debian's feeds state no severity: unknown, and it counts at every threshold but none.
    check(v["found"] and v["found"][0]["severity"] == "unknown", f"debian severity {v['found']}")
    validate_outputs(out, "debian")
    text = open(os.path.join(out, "summary.txt")).read()
    check(f"{source}: installed" in text and "libc6 " in text and "CVE-2099-1001" in text,
          "debian: summary.txt lacks it")
    p = scan(DEBIAN11, out, "--cve", feed, "--fail-on", "critical")
    check(p.returncode == 2, f"debian --fail-on critical (unknown severity): exit {p.returncode}")
    p = scan(DEBIAN11, out, "--cve", feed, "--fail-on", "none")
    check(p.returncode == 0, f"debian --fail-on none: exit {p.returncode}")
    # The same feed compressed, given as a file.
    import bz2
    packed = write(os.path.join(WORK, "debian11.xml.bz2"), bz2.compress(open(feed, "rb").read()))
    p = scan(DEBIAN11, out, "--cve", packed)
    check(p.returncode == 2 and p.summary and set(found_by_cve(p.summary)) == {"CVE-2099-1001"},
          f"debian .bz2 file: exit {p.returncode} {p.stderr}")


# ---- Ubuntu: the Debian 11 tree told it is jammy; dpkginfo over package variables ----------

def section_ubuntu():
    version = installed_version(DEBIAN11, "libc6")
    image = make_image("ubuntu", [[
        {"path": "etc/os-release", "content": 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="22.04"\n'
                                              'PRETTY_NAME="Ubuntu 22.04.5 LTS"\n'},
        {"path": "etc/lsb-release", "content": "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n"
                                               "DISTRIB_CODENAME=jammy\n"
                                               'DISTRIB_DESCRIPTION="Ubuntu 22.04.5 LTS"\n'}]],
        base=DEBIAN11)
    defs = three_definitions("libc6", version, ("medium", "high", "critical"), "USN-9001-1")
    feed = write(os.path.join(WORK, "jammy.xml"),
                 make_feed("ubuntu", {"release": "22.04", "definitions": defs}))
    out = os.path.join(WORK, "out-ubuntu")
    p = scan(image, out, "--cve", feed)
    check(p.returncode == 2, f"ubuntu: exit {p.returncode}: {p.stderr}")
    if not p.summary:
        return
    expect_three(p.summary, "ubuntu", "libc6", version, version + "+imgscap1")
    found = found_by_cve(p.summary).get("CVE-2099-1001", {})
    check(found.get("severity") == "medium" and found.get("distributor_severity") == "Medium",
          f"ubuntu severity: {found}")
    validate_outputs(out, "ubuntu")
    # Gating by severity: a medium vulnerability fails --fail-on medium, not --fail-on high.
    p = scan(image, out, "--cve", feed, "--fail-on", "medium")
    check(p.returncode == 2, f"ubuntu --fail-on medium: exit {p.returncode}")
    passing = PASSING_OVAL
    p = scan(image, out, "--cve", feed, "--fail-on", "medium", content=passing)
    check(p.returncode == 2, f"ubuntu --fail-on medium, passing content: exit {p.returncode}")
    p = scan(image, out, "--cve", feed, "--fail-on", "high", content=passing)
    check(p.returncode == 0, f"ubuntu --fail-on high (only medium found): exit {p.returncode} "
          f"{p.stderr}")
    check(p.summary and p.summary["verdict"] == "compliant" and
          p.summary["vulnerabilities"]["failing"] == 0, "ubuntu --fail-on high verdict")


# ---- no feed for the OS, and a feed the image's probes cannot answer ------------------------

def section_outcomes():
    alpine = make_image("alpine", [[
        {"path": "etc/os-release", "content": 'NAME="Alpine Linux"\nID=alpine\n'
                                              'VERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n'}]])
    out = os.path.join(WORK, "out-alpine")
    p = scan(alpine, out, "--cve", "auto", "--cache-dir", os.path.join(WORK, "cache"))
    check(p.returncode == 4, f"alpine --cve auto: exit {p.returncode}, expected 4: {p.stderr}")
    check("no CVE feed for Alpine Linux v3.20" in p.stderr, f"alpine stderr: {p.stderr}")
    if p.summary:
        v = p.summary["vulnerabilities"]
        check(v["status"] == "unsupported" and "debian" in v["reason"] and
              p.summary["verdict"] == "no-cve-feed" and p.summary["exit_code"] == 4,
              f"alpine summary: {v['status']} {v['reason']} {p.summary['verdict']}")
    # RHEL 10 / UBI 10: Red Hat publishes CSAF VEX for it, no OVAL; said plainly, exit 4, and no
    # download is attempted (the cache directory stays empty).
    rhel10 = make_image("ubi10", [[
        {"path": "etc/os-release", "content": 'NAME="Red Hat Enterprise Linux"\nID="rhel"\n'
                                              'VERSION_ID="10.0"\n'
                                              'PRETTY_NAME="Red Hat Enterprise Linux 10.0"\n'}]])
    cache = os.path.join(WORK, "cache-rhel10")
    p = scan(rhel10, os.path.join(WORK, "out-ubi10"), "--cve", "auto", "--cache-dir", cache,
             "--fail-on", "none")
    check(p.returncode == 4 and "CSAF VEX" in p.stderr and "no OVAL feed" in p.stderr,
          f"RHEL 10 --cve auto: exit {p.returncode}, expected 4 naming CSAF VEX: {p.stderr}")
    check(not any(n.endswith(".xml") for n in os.listdir(cache)) if os.path.isdir(cache) else True,
          f"RHEL 10: something was downloaded into {cache}")
    if p.summary:
        v = p.summary["vulnerabilities"]
        check(v["status"] == "unsupported" and "CSAF VEX" in v["reason"],
              f"RHEL 10 summary: {v['status']} {v['reason']}")
    bare = make_image("no-os-release", [[{"path": "hello", "content": "hi\n"}]])
    # 4 does not depend on --fail-on (it is not about findings); a failed rule still wins.
    p = scan(bare, os.path.join(WORK, "out-bare"), "--cve", "auto", "--fail-on", "none")
    check(p.returncode == 4 and "os-release" in p.stderr, f"no os-release: {p.returncode} {p.stderr}")
    p = scan(bare, os.path.join(WORK, "out-bare"), "--cve", "auto")
    check(p.returncode == 2, f"no os-release, a rule failed: exit {p.returncode}, expected 2")
    # A feed of rpm definitions on an image whose rpm database cannot be read.
    corrupt = make_image("corrupt-rpm", [[
        {"path": "etc/os-release", "content": 'ID=rhel\nVERSION_ID="9.4"\n'},
        {"path": "var/lib/rpm/rpmdb.sqlite", "content": "this is not an sqlite database"}]])
    feed = write(os.path.join(WORK, "rhel9.xml"), make_feed("redhat", {
        "release": "9",
        "definitions": three_definitions("bash", "5.1.8-6.el9", advisory="RHSA-2099:1001")}))
    p = scan(corrupt, os.path.join(WORK, "out-corrupt"), "--cve", feed)
    check(p.returncode == 3, f"unreadable rpm database: exit {p.returncode}, expected 3: {p.stderr}")
    if p.summary:
        v = p.summary["vulnerabilities"]
        check(v["status"] == "not_evaluated" and "rpminfo" in v["reason"],
              f"unreadable rpm database: {v['status']} {v['reason']}")


# ---- Red Hat shape on the real Mariner sqlite database ---------------------------------------

MARINER_KEY = "0cd9fed33135ce90"  # the key the fixture's packages are signed with


def section_mariner():
    image = make_image("mariner", [[
        {"path": "etc", "type": "dir"},
        {"path": "etc/os-release", "content": 'ID=mariner\nVERSION_ID="2.0"\n'
                                              'PRETTY_NAME="CBL-Mariner/Linux"\n'},
        {"path": "bin/bash", "content": ""},
        {"path": "var/lib/rpm/rpmdb.sqlite",
         "from": os.path.join(RPMDB, "mariner2-sqlite/rpmdb.sqlite")}]])
    # The release check (rpmverifyfile with noconfigfiles) needs a file that is not %config:
    # mariner-release's files all are, so bash 5.x owning /bin/bash stands in for it.
    shape = {"release": "5", "signature_key": MARINER_KEY, "release_package": "bash",
             "release_file": "/bin/bash",
             "definitions": three_definitions("bash", "", ("Important", "Moderate", "Low"),
                                              "RHSA-2099:1001", newer="0:5.1.8-2.cm2")}
    shape["definitions"][1]["fixed"] = "0:5.1.8-1.cm2"
    feed = write(os.path.join(WORK, "mariner-rh.xml"), make_feed("redhat", shape))
    out = os.path.join(WORK, "out-mariner")
    p = scan(image, out, "--cve", feed)
    check(p.returncode == 2, f"mariner: exit {p.returncode}: {p.stderr}")
    if not p.summary:
        return
    expect_three(p.summary, "mariner", "bash", "5.1.8-1.cm2", "0:5.1.8-2.cm2")
    found = found_by_cve(p.summary).get("CVE-2099-1001", {})
    check(found.get("severity") == "high" and found.get("advisory") == "RHSA-2099:1001",
          f"mariner: Important must be high, advisory RHSA-2099:1001: {found}")
    validate_outputs(out, "mariner")
    # The same definitions for Red Hat Enterprise Linux: its release check says the image is not
    # RHEL, which makes every definition true: imgscap says the feed does not apply (exit 3).
    del shape["release_package"], shape["release_file"]
    shape["release"] = "9"
    feed = write(os.path.join(WORK, "rhel-on-mariner.xml"), make_feed("redhat", shape))
    p = scan(image, os.path.join(WORK, "out-rhel-on-mariner"), "--cve", feed)
    check(p.returncode == 3, f"RHEL feed on Mariner: exit {p.returncode}, expected 3: {p.stderr}")
    if p.summary:
        v = p.summary["vulnerabilities"]
        check(v["status"] == "not_evaluated" and "does not apply" in v["reason"],
              f"RHEL feed on Mariner: {v['status']} {v['reason']}")


# ---- Red Hat shape on an rpm database made here by rpm, packages signed by a key made here --

def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def build_rpm(top, name, epoch, version, release, files):
    spec = os.path.join(top, name + ".spec")
    install = "\n".join(f"mkdir -p %{{buildroot}}{os.path.dirname(path)}\n"
                        f"printf '%s\\n' '{text}' > %{{buildroot}}{path}"
                        for path, text in files.items())
    write(spec, f"""Name: {name}
{f'Epoch: {epoch}' if epoch else ''}
Version: {version}
Release: {release}
Summary: imgscap test package
License: Apache-2.0
%description
A package built by imgscap's tests.
%install
{install}
%files
{chr(10).join(files)}
""")
    run("rpmbuild", "--quiet", "-bb", "--target", "x86_64", "--define", f"_topdir {top}",
        "--define", "debug_package %{nil}", "--define", "__os_install_post %{nil}",
        "--define", "_build_id_links none", spec)
    return os.path.join(top, "RPMS", "x86_64", f"{name}-{version}-{release}.x86_64.rpm")


def section_rpm():
    top = os.path.join(WORK, "rpmbuild")
    os.makedirs(top, exist_ok=True)
    gnupg = os.path.join(WORK, "gnupg")
    os.makedirs(gnupg, mode=0o700, exist_ok=True)
    env = dict(os.environ, GNUPGHOME=gnupg)
    try:
        sign_and_scan(top, env)
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, capture_output=True)


def sign_and_scan(top, env):
    run("gpg", "--batch", "--passphrase", "", "--quick-gen-key", "imgscap-test-signing",
        "rsa2048", "sign", "never", env=env)
    key = [line.split(":")[4] for line in run("gpg", "--with-colons", "--list-keys",
                                              env=env).stdout.splitlines()
           if line.startswith("pub:")][0].lower()
    release = build_rpm(top, "redhat-release", None, "9.4", "0.5.el9",
                        {"/etc/redhat-release": "Red Hat Enterprise Linux release 9.4 (Plow)"})
    ssl = build_rpm(top, "openssl-libs", 1, "3.0.7", "27.el9",
                    {"/usr/share/doc/openssl-libs/README": "test"})
    unsigned = build_rpm(top, "unsigned-tool", None, "1.0", "1.el9",
                         {"/usr/share/doc/unsigned-tool/README": "test"})
    # --rpmv3: also the header+payload signature (SIGPGP), which Red Hat's packages carry and
    # the rpminfo probe reads signature_keyid from.
    run("rpmsign", "--addsign", "--rpmv3", "--define", "_gpg_name imgscap-test-signing", "--define",
        "__gpg " + shutil.which("gpg"), release, ssl,
        env=env)
    root = os.path.join(WORK, "rpmroot")
    run("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "--initdb")
    run("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-i", "--nosignature", "--nodeps",
        "--noscripts", release, ssl, unsigned)
    sig = run("rpm", "--root", root, "--dbpath", "/var/lib/rpm", "-q", "--qf",
              "%{RSAHEADER:pgpsig}", "openssl-libs").stdout
    check(key in sig.lower(), f"rpm says openssl-libs is signed by {sig}, not {key}")
    image = make_image("rhel", [
        [{"path": "etc", "type": "dir"},
         {"path": "etc/os-release", "content": 'NAME="Red Hat Enterprise Linux"\nID="rhel"\n'
                                               'VERSION_ID="9.4"\n'
                                               'PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"\n'}],
        {"dir": root, "uid": 0, "gid": 0}])
    defs = three_definitions("openssl-libs", "", ("Critical", "Important", "Low"),
                             "RHSA-2099:1001", newer="1:3.0.7-28.el9")
    defs[1]["fixed"] = "1:3.0.7-27.el9"
    defs.append({"package": "unsigned-tool", "fixed": "0:2.0-1.el9", "cves": ["CVE-2099-1004"],
                 "severity": "Critical", "advisory": "RHSA-2099:1004"})
    feed = write(os.path.join(WORK, "rhel-9.oval.xml"),
                 make_feed("redhat", {"release": "9", "signature_key": key, "definitions": defs}))
    # --cve auto: the catalogue's rhel-9 entry, pointed at this feed by the user's catalogue.
    catalogue = write(os.path.join(WORK, "catalogue.json"), json.dumps({"feeds": [
        {"name": "rhel-9", "os_id": "rhel", "version": "9", "distributor": "Red Hat",
         "platform": "Red Hat Enterprise Linux 9", "url": "file://" + feed}]}))
    out = os.path.join(WORK, "out-rhel")
    cache = os.path.join(WORK, "cache-rhel")
    p = scan(image, out, "--cve", "auto", "--cve-catalogue", catalogue, "--cache-dir", cache)
    check(p.returncode == 2, f"rhel: exit {p.returncode}: {p.stderr}")
    if not p.summary:
        return
    v = p.summary["vulnerabilities"]
    check(v["feed"]["name"] == "rhel-9" and "rhel-9" in v["reason"], f"rhel feed: {v['feed']}")
    # An unsigned package older than the fix is not Red Hat's: the feed does not flag it.
    expect_three(p.summary, "rhel", "openssl-libs", "1:3.0.7-27.el9", "1:3.0.7-28.el9")
    found = found_by_cve(p.summary).get("CVE-2099-1001", {})
    check(found.get("severity") == "critical", f"rhel: Critical must be critical: {found}")
    check(v["counts"]["critical"] == 1, f"rhel counts {v['counts']}")
    validate_outputs(out, "rhel")
    p = scan(image, out, "--cve", "auto", "--cve-catalogue", catalogue, "--cache-dir", cache,
             "--fail-on", "critical")
    check(p.returncode == 2, f"rhel --fail-on critical: exit {p.returncode}")


SECTIONS = {"debian": section_debian, "ubuntu": section_ubuntu, "outcomes": section_outcomes,
            "mariner": section_mariner, "rpm": section_rpm}


def main():
    os.makedirs(WORK, exist_ok=True)
    run_sections(SECTIONS, ONLY, "cve results")


main()
