#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generates OVAL vulnerability feeds shaped like Red Hat's, Debian's and Ubuntu's real feeds, for
tests. The shapes (ids, namespaces, tests, objects, states, variables, comments) follow the real
feeds and generators described in docs/feed-shapes.md; only the content is made up.

    cve_feeds.py --shape redhat|debian|ubuntu --spec SPEC.json -o OUT [--compress none|gz|bz2|xz]
                 [--signature-key HEX] [--release-package NAME] [--release-file PATH]

SPEC (JSON):
    {"release": "9" | "12" | "bookworm" | "22.04" | "jammy",
     "timestamp": "2024-01-18T17:14:19",            (optional, generator timestamp)
     "definitions": [{"package": "openssl",
                      "fixed": "1:3.0.7-18.el9_2",    (evr / Debian version the fix is in)
                      "cves": ["CVE-2023-0001"],
                      "severity": "Important",        (distributor's word; Debian has none)
                      "advisory": "RHSA-2023:1234",   (optional: RHSA / DSA / USN id)
                      "title": "...",                 (optional)
                      "arch": "x86_64|noarch",        (optional, redhat: rpminfo arch pattern)
                      "binaries": ["libssl3"]}],      (optional, ubuntu: binary package names)
     "filler": 50000,                                 (optional: extra definitions for packages
                                                       named imgscap-filler-NNNNNN)
     "signature_key": "...", "release_package": "...", "release_file": "..."}  (redhat, optional)

Import make_feed(shape, spec) -> bytes, or write_feed(shape, spec, binary_file) to stream.
"""
import argparse
import bz2
import contextlib
import datetime
import gzip
import hashlib
import json
import lzma
import re
import sys
from xml.sax.saxutils import escape, quoteattr

OVAL = "http://oval.mitre.org/XMLSchema/oval-definitions-5"
OVAL_COMMON = "http://oval.mitre.org/XMLSchema/oval-common-5"
IND, UNIX, LINUX = OVAL + "#independent", OVAL + "#unix", OVAL + "#linux"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DEFAULT_TIMESTAMP = "2024-01-01T00:00:00"
SECTIONS = ("definitions", "tests", "objects", "states", "variables")

RH_SIGNATURE_KEY = "199e2f91fd431d51"  # "Red Hat redhatrelease2 key"
RH_ARCH = "aarch64|i686|ppc64le|s390x|x86_64"
# Shared release-check ids as found in a real rhel-9.oval.xml (see docs/feed-shapes.md).
RH_TST_MUST = "oval:com.redhat.rhsa:tst:20221728048"
RH_TST_IS = "oval:com.redhat.rhsa:tst:20221728047"
RH_OBJ_RELEASE = "oval:com.redhat.rhsa:obj:20221728024"
RH_STE_MUST = "oval:com.redhat.rhsa:ste:20221728005"
RH_STE_IS = "oval:com.redhat.rhsa:ste:20221728004"
RH_STE_SIGNED = "oval:com.redhat.rhsa:ste:20221728002"

DEBIAN_CODENAMES = {"9": "stretch", "10": "buster", "11": "bullseye", "12": "bookworm",
                    "13": "trixie"}
UBUNTU_CODENAMES = {"16.04": "xenial", "18.04": "bionic", "20.04": "focal", "22.04": "jammy",
                    "24.04": "noble"}


def attr(value):
    return quoteattr(str(value))


def text(value):
    return escape(str(value))


def with_epoch(version):
    return version if ":" in version else "0:" + version


def cve_digits(cve):
    return int(re.sub("[^0-9]", "", cve))


class Definition:
    """One definition of the spec (or a filler one), with the ids the shape assigned to it."""

    __slots__ = ("index", "filler", "package", "fixed", "cves", "severity", "advisory", "title",
                 "arch", "binaries", "ids", "evr", "cls", "priority")

    def __init__(self, index, d, filler=False):
        self.index = index
        self.filler = filler
        self.package = d["package"]
        self.fixed = d["fixed"]
        self.cves = list(d.get("cves") or [])
        self.severity = d.get("severity")
        self.advisory = d.get("advisory")
        self.title = d.get("title")
        self.arch = d.get("arch")
        self.binaries = list(d.get("binaries") or [self.package])
        self.ids = {}


def definitions(spec, fill):
    """Yields the spec's definitions, then `filler` deterministic ones built by fill(i)."""
    for i, d in enumerate(spec.get("definitions", [])):
        for key in ("package", "fixed"):
            if not d.get(key):
                raise ValueError("definition %d: missing %r" % (i, key))
        yield Definition(i, d)
    for i in range(int(spec.get("filler", 0))):
        yield Definition(i, fill(i), filler=True)


def parse_timestamp(spec):
    return datetime.datetime.fromisoformat(spec.get("timestamp") or DEFAULT_TIMESTAMP)


class Shape:
    """Common driver: assign() gives ids once; each section is then rendered in one pass."""

    has_variables = False

    def __init__(self, spec):
        self.spec = spec
        self.when = parse_timestamp(spec)
        self.plan = []
        seen = set()
        for d in definitions(spec, self.filler):
            self.assign(d)
            if d.ids["def"] in seen:
                raise ValueError("two definitions get the same id %s (same advisory/CVE/title?)"
                                 % d.ids["def"])
            seen.add(d.ids["def"])
            self.plan.append(d)

    def chunks(self):
        yield self.header()
        for section in SECTIONS:
            if section == "variables" and not self.has_variables:
                continue
            yield " <%s>\n" % section
            yield from self.shared(section)
            for d in self.plan:
                yield self.render(section, d)
            yield " </%s>\n" % section
        yield "</oval_definitions>\n"

    def shared(self, section):
        return ()


class RedHat(Shape):
    """rhel-N.oval.xml of Red Hat's OVAL v2 (security/data/oval/v2/RHELN)."""

    def __init__(self, spec):
        self.release = str(spec.get("release", "9"))
        self.key = spec.get("signature_key") or RH_SIGNATURE_KEY
        self.release_package = spec.get("release_package") or "redhat-release"
        self.release_file = spec.get("release_file") or "/etc/redhat-release"
        self.objects = {}
        super().__init__(spec)

    def filler(self, i):
        return {"package": "imgscap-filler-%06d" % i, "fixed": "0:1.0-1.el%s" % self.release,
                "cves": ["CVE-2099-%05d" % (i + 1)], "severity": "Moderate",
                "advisory": "RHSA-2099:%05d" % (i + 1)}

    def assign(self, d):
        if not d.advisory:
            d.advisory = "RHSA-2098:%04d" % (d.index + 1)
        m = re.fullmatch(r"RH[SBE]A-(\d{4}):(\d+)", d.advisory)
        if not m:
            raise ValueError("advisory %r is not like RHSA-2023:1234" % d.advisory)
        num = m.group(1) + m.group(2)
        kind = d.advisory[:4].lower()
        d.ids["def"] = "oval:com.redhat.%s:def:%s" % (kind, num)
        d.ids["tst"] = "oval:com.redhat.%s:tst:%s" % (kind, num)
        d.ids["ste"] = "oval:com.redhat.%s:ste:%s001" % (kind, num)
        # Real feeds reuse the rpminfo_object of the first advisory naming the package.
        d.ids["new_obj"] = d.package not in self.objects
        if d.ids["new_obj"]:
            self.objects[d.package] = "oval:com.redhat.%s:obj:%s001" % (kind, num)
        d.ids["obj"] = self.objects[d.package]
        d.evr = with_epoch(d.fixed)
        d.severity = d.severity or "Moderate"

    def header(self):
        ts = self.when.strftime("%Y-%m-%dT%H:%M:%S")
        epoch = int(self.when.replace(tzinfo=datetime.timezone.utc).timestamp())
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<oval_definitions xmlns="%s" xmlns:oval="%s" xmlns:unix-def="%s" xmlns:red-def="%s"'
            ' xmlns:ind-def="%s" xmlns:xsi="%s" xsi:schemaLocation="%s oval-common-schema.xsd'
            ' %s oval-definitions-schema.xsd %s unix-definitions-schema.xsd'
            ' %s linux-definitions-schema.xsd">\n'
            " <generator>\n"
            "  <oval:product_name>Red Hat OVAL Patch Definition Merger</oval:product_name>\n"
            "  <oval:product_version>3</oval:product_version>\n"
            "  <oval:schema_version>5.10</oval:schema_version>\n"
            "  <oval:timestamp>%s</oval:timestamp>\n"
            "  <oval:content_version>%d</oval:content_version>\n"
            " </generator>\n"
        ) % (OVAL, OVAL_COMMON, UNIX, LINUX, IND, XSI, OVAL_COMMON, OVAL, UNIX, LINUX, ts, epoch)

    def shared(self, section):
        r = self.release
        if section == "tests":
            yield ('  <red-def:rpmverifyfile_test check="none satisfy" comment="Red Hat Enterprise'
                   ' Linux must be installed" id="%s" version="635">\n'
                   '   <red-def:object object_ref="%s"/>\n   <red-def:state state_ref="%s"/>\n'
                   "  </red-def:rpmverifyfile_test>\n" % (RH_TST_MUST, RH_OBJ_RELEASE, RH_STE_MUST))
            yield ('  <red-def:rpmverifyfile_test check="at least one" comment="Red Hat Enterprise'
                   ' Linux %s is installed" id="%s" version="635">\n'
                   '   <red-def:object object_ref="%s"/>\n   <red-def:state state_ref="%s"/>\n'
                   "  </red-def:rpmverifyfile_test>\n" % (r, RH_TST_IS, RH_OBJ_RELEASE, RH_STE_IS))
        elif section == "objects":
            yield ('  <red-def:rpmverifyfile_object id="%s" version="635">\n'
                   '   <red-def:behaviors noconfigfiles="true" noghostfiles="true" nogroup="true"'
                   ' nolinkto="true" nomd5="true" nomode="true" nomtime="true" nordev="true"'
                   ' nosize="true" nouser="true"/>\n'
                   '   <red-def:name operation="pattern match"/>\n'
                   '   <red-def:epoch operation="pattern match"/>\n'
                   '   <red-def:version operation="pattern match"/>\n'
                   '   <red-def:release operation="pattern match"/>\n'
                   '   <red-def:arch operation="pattern match"/>\n'
                   "   <red-def:filepath>%s</red-def:filepath>\n"
                   "  </red-def:rpmverifyfile_object>\n" % (RH_OBJ_RELEASE, text(self.release_file)))
        elif section == "states":
            pkg = text("^" + re.escape(self.release_package))
            yield ('  <red-def:rpmverifyfile_state id="%s" version="635">\n'
                   '   <red-def:name operation="pattern match">%s</red-def:name>\n'
                   "  </red-def:rpmverifyfile_state>\n" % (RH_STE_MUST, pkg))
            yield ('  <red-def:rpmverifyfile_state id="%s" version="635">\n'
                   '   <red-def:name operation="pattern match">%s</red-def:name>\n'
                   '   <red-def:version operation="pattern match">^%s[^\\d]</red-def:version>\n'
                   "  </red-def:rpmverifyfile_state>\n" % (RH_STE_IS, pkg, text(r)))
            yield ('  <red-def:rpminfo_state id="%s" version="635">\n'
                   '   <red-def:signature_keyid operation="equals">%s</red-def:signature_keyid>\n'
                   "  </red-def:rpminfo_state>\n" % (RH_STE_SIGNED, text(self.key)))

    def render(self, section, d):
        r = self.release
        tst_lt, tst_sig = d.ids["tst"] + "001", d.ids["tst"] + "002"
        if section == "definitions":
            adv = d.advisory
            title = d.title or "%s: %s security update (%s)" % (adv, d.package, d.severity)
            date = self.when.strftime("%Y-%m-%d")
            refs = ['  <reference ref_id=%s ref_url=%s source="RHSA"/>\n'
                    % (attr(adv), attr("https://access.redhat.com/errata/" + adv))]
            cves = []
            for c in d.cves:
                href = "https://access.redhat.com/security/cve/" + c
                refs.append("  <reference ref_id=%s ref_url=%s source=\"CVE\"/>\n"
                            % (attr(c), attr(href)))
                cves.append('   <cve cvss3="7.5/CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"'
                            " href=%s impact=%s public=%s>%s</cve>\n"
                            % (attr(href), attr(d.severity.lower()),
                               attr(self.when.strftime("%Y%m%d")), text(c)))
            cpes = "".join("    <cpe>cpe:/%s:redhat:enterprise_linux:%s%s</cpe>\n" % (p, r, s)
                           for p, s in (("a", ""), ("a", "::appstream"), ("a", "::crb"),
                                        ("o", ""), ("o", "::baseos")))
            return (
                '<definition class="patch" id="%s" version="635">\n'
                " <metadata>\n  <title>%s</title>\n"
                '  <affected family="unix">\n   <platform>Red Hat Enterprise Linux %s</platform>\n'
                "  </affected>\n%s"
                "  <description>%s</description>\n"
                '  <advisory from="secalert@redhat.com">\n'
                "   <severity>%s</severity>\n"
                "   <rights>Copyright %s Red Hat, Inc.</rights>\n"
                '   <issued date="%s"/>\n   <updated date="%s"/>\n%s'
                "   <affected_cpe_list>\n%s   </affected_cpe_list>\n"
                "  </advisory>\n </metadata>\n"
                ' <criteria operator="OR">\n'
                '  <criterion comment="Red Hat Enterprise Linux must be installed" test_ref="%s"/>\n'
                '  <criteria operator="AND">\n'
                '   <criterion comment="Red Hat Enterprise Linux %s is installed" test_ref="%s"/>\n'
                "   <criterion comment=%s test_ref=\"%s\"/>\n"
                "   <criterion comment=%s test_ref=\"%s\"/>\n"
                "  </criteria>\n </criteria>\n</definition>\n"
            ) % (d.ids["def"], text(title), text(r), "".join(refs),
                 text("%s: security update for %s." % (adv, d.package)), text(d.severity),
                 self.when.year, date, date, "".join(cves), cpes, RH_TST_MUST, text(r), RH_TST_IS,
                 attr("%s is earlier than %s" % (d.package, d.evr)), tst_lt,
                 attr("%s is signed with Red Hat redhatrelease2 key" % d.package), tst_sig)
        if section == "tests":
            return "".join(
                '  <red-def:rpminfo_test check="at least one" comment=%s id="%s" version="635">\n'
                '   <red-def:object object_ref="%s"/>\n   <red-def:state state_ref="%s"/>\n'
                "  </red-def:rpminfo_test>\n" % (attr(comment), tst, d.ids["obj"], ste)
                for comment, tst, ste in (
                    ("%s is earlier than %s" % (d.package, d.evr), tst_lt, d.ids["ste"]),
                    ("%s is signed with Red Hat redhatrelease2 key" % d.package, tst_sig,
                     RH_STE_SIGNED)))
        if section == "objects" and d.ids["new_obj"]:
            return ('  <red-def:rpminfo_object id="%s" version="635">\n'
                    "   <red-def:name>%s</red-def:name>\n  </red-def:rpminfo_object>\n"
                    % (d.ids["obj"], text(d.package)))
        if section == "states":
            return ('  <red-def:rpminfo_state id="%s" version="635">\n'
                    '   <red-def:arch datatype="string" operation="pattern match">%s</red-def:arch>\n'
                    '   <red-def:evr datatype="evr_string" operation="less than">%s</red-def:evr>\n'
                    "  </red-def:rpminfo_state>\n"
                    % (d.ids["ste"], text(d.arch or RH_ARCH), text(d.evr)))
        return ""


class Debian(Shape):
    """oval-definitions-<codename>.xml of Debian's security tracker (oval/definition/generator.py)."""

    def __init__(self, spec):
        release = str(spec.get("release", "12"))
        by_name = {v: k for k, v in DEBIAN_CODENAMES.items()}
        self.release = by_name.get(release, release)
        if self.release not in DEBIAN_CODENAMES:
            raise ValueError("unknown Debian release %r" % release)
        self.next = {"tst": 3, "obj": 3, "ste": 2}  # 1 and 2 are the release/arch checks
        self.objects, self.last_state = {}, None
        super().__init__(spec)

    def filler(self, i):
        return {"package": "imgscap-filler-%06d" % i, "fixed": "1.0-1",
                "cves": ["CVE-2099-%05d" % (i + 1)]}

    def new_id(self, kind):
        n = self.next[kind]
        self.next[kind] += 1
        return "oval:org.debian.oval:%s:%d" % (kind, n)

    def assign(self, d):
        if not d.title:
            d.title = "%s %s" % (d.cves[0] if d.cves else "TEMP-%07d" % d.index, d.package)
        d.cls = "patch" if d.title.startswith("DSA") else "vulnerability"
        d.ids["def"] = "oval:org.debian:def:%d" % int.from_bytes(
            hashlib.md5(d.title.encode()).digest(), "big")
        d.ids["tst"] = self.new_id("tst")
        d.ids["new_obj"] = d.package not in self.objects
        if d.ids["new_obj"]:
            self.objects[d.package] = self.new_id("obj")
        d.ids["obj"] = self.objects[d.package]
        # The real generator remembers only the last state it made (testsHash["dpkgSte"]).
        d.ids["new_ste"] = self.last_state is None or self.last_state[0] != d.fixed
        if d.ids["new_ste"]:
            self.last_state = (d.fixed, self.new_id("ste"))
        d.ids["ste"] = self.last_state[1]

    def header(self):
        ts = self.when.strftime("%Y-%m-%dT%H:%M:%S") + ".188-04:00"
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            '<oval_definitions xmlns="%s" xmlns:ind-def="%s" xmlns:linux-def="%s"'
            ' xmlns:oval="%s" xmlns:oval-def="%s" xmlns:unix-def="%s" xmlns:xsi="%s"'
            ' xsi:schemaLocation="%s independent-definitions-schema.xsd'
            " %s linux-definitions-schema.xsd %s unix-definitions-schema.xsd"
            ' %s oval-definitions-schema.xsd %s oval-common-schema.xsd">\n'
            " <generator>\n"
            "  <oval:product_name>Debian</oval:product_name>\n"
            "  <oval:schema_version>5.11.2</oval:schema_version>\n"
            "  <oval:timestamp>%s</oval:timestamp>\n"
            " </generator>\n"
        ) % (OVAL, IND, LINUX, OVAL_COMMON, OVAL, UNIX, XSI, IND, LINUX, UNIX, OVAL, OVAL_COMMON,
             ts)

    def shared(self, section):
        r = self.release
        if section == "tests":
            yield ('  <textfilecontent54_test xmlns="%s" id="oval:org.debian.oval:tst:1"'
                   ' version="1" check="all" check_existence="at_least_one_exists"'
                   ' comment="Debian GNU/Linux %s is installed">\n'
                   '   <object object_ref="oval:org.debian.oval:obj:1"/>\n'
                   '   <state state_ref="oval:org.debian.oval:ste:1"/>\n'
                   "  </textfilecontent54_test>\n" % (IND, r))
            yield ('  <uname_test xmlns="%s" id="oval:org.debian.oval:tst:2" version="1"'
                   ' check="all" check_existence="at_least_one_exists"'
                   ' comment="Installed architecture is all">\n'
                   '   <object object_ref="oval:org.debian.oval:obj:2"/>\n'
                   "  </uname_test>\n" % UNIX)
        elif section == "objects":
            yield ('  <textfilecontent54_object xmlns="%s" id="oval:org.debian.oval:obj:1"'
                   ' version="1">\n   <path>/etc</path>\n   <filename>debian_version</filename>\n'
                   '   <pattern operation="pattern match">(\\d+)\\.\\d</pattern>\n'
                   '   <instance datatype="int">1</instance>\n'
                   "  </textfilecontent54_object>\n" % IND)
            yield '  <uname_object xmlns="%s" id="oval:org.debian.oval:obj:2" version="1"/>\n' % UNIX
        elif section == "states":
            yield ('  <textfilecontent54_state xmlns="%s" id="oval:org.debian.oval:ste:1"'
                   ' version="1">\n   <subexpression operation="equals">%s</subexpression>\n'
                   "  </textfilecontent54_state>\n" % (IND, r))

    def render(self, section, d):
        if section == "definitions":
            refs = "".join('  <reference source="CVE" ref_id=%s ref_url=%s/>\n'
                           % (attr(c), attr("https://cve.mitre.org/cgi-bin/cvename.cgi?name=" + c))
                           for c in d.cves)
            dsa = ("   <dsa>%s</dsa>\n" % text(d.advisory)) if d.advisory else ""
            return (
                '<definition id="%s" version="1" class="%s">\n'
                " <metadata>\n  <title>%s</title>\n"
                '  <affected family="unix">\n   <platform>Debian GNU/Linux %s</platform>\n'
                "   <product>%s</product>\n  </affected>\n%s"
                "  <description>%s</description>\n"
                "  <debian>\n%s   <moreinfo/>\n  </debian>\n"
                " </metadata>\n"
                ' <criteria comment="Release section" operator="AND">\n'
                '  <criterion test_ref="oval:org.debian.oval:tst:1" comment="Debian %s is installed"/>\n'
                '  <criteria comment="Architecture section" operator="OR">\n'
                '   <criteria comment="Architecture independent section" operator="AND">\n'
                '    <criterion test_ref="oval:org.debian.oval:tst:2" comment="all architecture"/>\n'
                '    <criterion test_ref="%s" comment=%s/>\n'
                "   </criteria>\n  </criteria>\n </criteria>\n</definition>\n"
            ) % (d.ids["def"], d.cls, text(d.title), self.release, text(d.package), refs,
                 text("security update for %s" % d.package), dsa, self.release, d.ids["tst"],
                 attr("%s DPKG is earlier than %s" % (d.package, d.fixed)))
        if section == "tests":
            return ('  <dpkginfo_test xmlns="%s" id="%s" version="1" check="all"'
                    ' check_existence="at_least_one_exists" comment=%s>\n'
                    '   <object object_ref="%s"/>\n   <state state_ref="%s"/>\n'
                    "  </dpkginfo_test>\n"
                    % (LINUX, d.ids["tst"], attr("%s is earlier than %s" % (d.package, d.fixed)),
                       d.ids["obj"], d.ids["ste"]))
        if section == "objects" and d.ids["new_obj"]:
            return ('  <dpkginfo_object xmlns="%s" id="%s" version="1">\n'
                    "   <name>%s</name>\n  </dpkginfo_object>\n"
                    % (LINUX, d.ids["obj"], text(d.package)))
        if section == "states" and d.ids["new_ste"]:
            return ('  <dpkginfo_state xmlns="%s" id="%s" version="1">\n'
                    '   <evr datatype="debian_evr_string" operation="less than">%s</evr>\n'
                    "  </dpkginfo_state>\n" % (LINUX, d.ids["ste"], text(with_epoch(d.fixed))))
        return ""


class Ubuntu(Shape):
    """com.ubuntu.<codename>.cve.oval.xml of Canonical (ubuntu-cve-tracker scripts/oval_lib.py)."""

    DEF_STEP = 10 ** 7  # OvalGeneratorCVE: definition id = CVE digits * 10**7
    has_variables = True

    def __init__(self, spec):
        release = str(spec.get("release", "22.04"))
        by_name = {v: k for k, v in UBUNTU_CODENAMES.items()}
        self.version = by_name.get(release, release)
        if self.version not in UBUNTU_CODENAMES:
            raise ValueError("unknown Ubuntu release %r" % release)
        self.codename = UBUNTU_CODENAMES[self.version]
        self.name = "Ubuntu %s%s" % (self.version, " LTS" if self.version.endswith(".04") else "")
        self.ns = "oval:com.ubuntu." + self.codename
        self.kernel_id = int(self.version.replace(".", "")) * 10 ** 10
        self.used = set()
        super().__init__(spec)

    def filler(self, i):
        return {"package": "imgscap-filler-%06d" % i, "fixed": "1.0-1",
                "cves": ["CVE-2099-%05d" % (i + 1)], "severity": "medium"}

    def assign(self, d):
        if not d.cves:
            raise ValueError("definition %d: Ubuntu CVE definitions need a CVE" % d.index)
        n = cve_digits(d.cves[0]) * self.DEF_STEP
        while n in self.used:  # several spec definitions for one CVE: next free package slot
            n += 10 ** 5
        self.used.add(n)
        d.ids["def"] = "%s:def:%d" % (self.ns, n)
        d.ids["n"] = n
        d.priority = (d.severity or "medium").lower()

    def header(self):
        ts = self.when.strftime("%Y-%m-%dT%H:%M:%S")
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            '<oval_definitions xmlns="%s" xmlns:ind-def="%s" xmlns:oval="%s" xmlns:unix-def="%s"'
            ' xmlns:linux-def="%s" xmlns:xsi="%s" xsi:schemaLocation="%s oval-common-schema.xsd'
            "   %s oval-definitions-schema.xsd   %s independent-definitions-schema.xsd"
            '   %s unix-definitions-schema.xsd   %s linux-definitions-schema.xsd">\n'
            " <generator>\n"
            "  <oval:product_name>Canonical CVE OVAL Generator</oval:product_name>\n"
            "  <oval:product_version>2</oval:product_version>\n"
            "  <oval:schema_version>5.11.1</oval:schema_version>\n"
            "  <oval:timestamp>%s</oval:timestamp>\n"
            " </generator>\n"
        ) % (OVAL, IND, OVAL_COMMON, UNIX, LINUX, XSI, OVAL_COMMON, OVAL, IND, UNIX, LINUX, ts)

    def shared(self, section):
        ns, c = self.ns, self.codename
        if section == "definitions":
            yield ('<definition class="inventory" id="%s:def:100" version="1">\n'
                   " <metadata>\n  <title>Check that %s (%s) is installed.</title>\n"
                   "  <description/>\n </metadata>\n <criteria>\n"
                   '  <criterion test_ref="%s:tst:100" comment="The host is part of the unix family."/>\n'
                   '  <criterion test_ref="%s:tst:101" comment="The host is running Ubuntu %s"/>\n'
                   " </criteria>\n</definition>\n" % (ns, self.name, c, ns, ns, c))
        elif section == "tests":
            yield ('  <ind-def:family_test id="%s:tst:100" check="at least one"'
                   ' check_existence="at_least_one_exists" version="1"'
                   ' comment="Is the host part of the unix family?">\n'
                   '   <ind-def:object object_ref="%s:obj:100"/>\n'
                   '   <ind-def:state state_ref="%s:ste:100"/>\n  </ind-def:family_test>\n'
                   % (ns, ns, ns))
            yield ('  <ind-def:textfilecontent54_test id="%s:tst:101" check="at least one"'
                   ' check_existence="at_least_one_exists" version="1"'
                   ' comment="Is the host running Ubuntu %s?">\n'
                   '   <ind-def:object object_ref="%s:obj:101"/>\n'
                   '   <ind-def:state state_ref="%s:ste:101"/>\n'
                   "  </ind-def:textfilecontent54_test>\n" % (ns, c, ns, ns))
        elif section == "objects":
            yield ('  <ind-def:family_object id="%s:obj:100" version="1"'
                   ' comment="The singleton family object."/>\n' % ns)
            yield ('  <ind-def:textfilecontent54_object id="%s:obj:101" version="1"'
                   ' comment="The singleton %s object.">\n'
                   "   <ind-def:filepath>/etc/lsb-release</ind-def:filepath>\n"
                   '   <ind-def:pattern operation="pattern match">^[\\s\\S]*DISTRIB_CODENAME=([a-z]+)$'
                   "</ind-def:pattern>\n"
                   '   <ind-def:instance datatype="int">1</ind-def:instance>\n'
                   "  </ind-def:textfilecontent54_object>\n" % (ns, c))
            yield ('  <unix-def:uname_object id="%s:obj:%d" version="1"'
                   ' comment="The uname object."/>\n' % (ns, self.kernel_id))
        elif section == "states":
            yield ('  <ind-def:family_state id="%s:ste:100" version="1"'
                   ' comment="The singleton family state.">\n'
                   "   <ind-def:family>unix</ind-def:family>\n  </ind-def:family_state>\n" % ns)
            yield ('  <ind-def:textfilecontent54_state id="%s:ste:101" version="1"'
                   ' comment="The singleton %s state.">\n'
                   "   <ind-def:subexpression>%s</ind-def:subexpression>\n"
                   "  </ind-def:textfilecontent54_state>\n" % (ns, c, c))
        elif section == "variables":
            yield ('  <local_variable id="%s:var:%d" version="1" datatype="debian_evr_string"'
                   ' comment="Kernel version in evr format">\n'
                   "   <concat>\n    <literal_component>0:</literal_component>\n"
                   '    <regex_capture pattern="^([\\d|\\.]+-\\d+)[-|\\w]+$">\n'
                   '     <object_component object_ref="%s:obj:%d" item_field="os_release"/>\n'
                   "    </regex_capture>\n   </concat>\n  </local_variable>\n"
                   % (ns, self.kernel_id, ns, self.kernel_id))

    def render(self, section, d):
        ns, n = self.ns, d.ids["n"]
        kind = "binaries" if len(d.binaries) > 1 else "binary"
        if section == "definitions":
            public = self.when.strftime("%Y-%m-%d %H:%M:%S")
            refs = "".join('  <reference source="CVE" ref_id=%s ref_url=%s/>\n'
                           % (attr(c), attr("https://cve.mitre.org/cgi-bin/cvename.cgi?name=" + c))
                           for c in d.cves)
            usn = ("   <ref>https://ubuntu.com/security/notices/%s</ref>\n" % text(d.advisory)
                   if d.advisory else "")
            cves = "".join('   <cve href=%s priority=%s public="%s">%s</cve>\n'
                           % (attr("https://ubuntu.com/security/" + c), attr(d.priority),
                              self.when.strftime("%Y%m%d"), text(c)) for c in d.cves)
            note = "%s package in %s was vulnerable but has been fixed (note: '%s')." % (
                d.package, self.codename, d.fixed)
            title = d.title or "%s on %s (%s) - %s" % (d.cves[0], self.name, self.codename,
                                                       d.priority)
            return (
                '<definition class="vulnerability" id="%s" version="1">\n'
                " <metadata>\n  <title>%s</title>\n  <description>%s</description>\n"
                '  <affected family="unix">\n   <platform>%s</platform>\n  </affected>\n%s'
                "  <advisory>\n   <severity>%s</severity>\n"
                "   <rights>Copyright (C) %d Canonical Ltd.</rights>\n"
                "   <public_date>%s</public_date>\n%s%s  </advisory>\n </metadata>\n"
                " <criteria>\n"
                '  <extend_definition definition_ref="%s:def:100" comment="%s is installed."'
                ' applicability_check="true"/>\n'
                '  <criteria operator="OR">\n   <criterion test_ref="%s:tst:%d" comment=%s/>\n'
                "  </criteria>\n </criteria>\n</definition>\n"
            ) % (d.ids["def"], text(title), text("Security issue in %s." % d.package), self.name,
                 refs, text(d.priority.capitalize()), self.when.year, public, usn, cves, ns,
                 self.name, ns, n, attr(note))
        if section == "tests":
            comment = "Does the '%s' package exist and is the version less than '%s'?" % (
                d.package, d.fixed)
            return ('  <linux-def:dpkginfo_test id="%s:tst:%d" version="1"'
                    ' check_existence="at_least_one_exists" check="at least one" comment=%s>\n'
                    '   <linux-def:object object_ref="%s:obj:%d"/>\n'
                    '   <linux-def:state state_ref="%s:ste:%d"/>\n  </linux-def:dpkginfo_test>\n'
                    % (ns, n, attr(comment), ns, n, ns, n))
        if section == "objects":
            return ('  <linux-def:dpkginfo_object id="%s:obj:%d" version="1" comment=%s>\n'
                    '   <linux-def:name var_ref="%s:var:%d" var_check="at least one"/>\n'
                    "  </linux-def:dpkginfo_object>\n"
                    % (ns, n, attr("The '%s' package %s" % (d.package, kind)), ns, n))
        if section == "states":
            return ('  <linux-def:dpkginfo_state id="%s:ste:%d" version="1" comment=%s>\n'
                    '   <linux-def:evr datatype="debian_evr_string" operation="less than">%s'
                    "</linux-def:evr>\n  </linux-def:dpkginfo_state>\n"
                    % (ns, n, attr("The package version is less than '%s'" % d.fixed),
                       text(with_epoch(d.fixed))))
        if section == "variables":
            values = "".join("   <value>%s</value>\n" % text(b) for b in d.binaries)
            return ('  <constant_variable id="%s:var:%d" version="1" datatype="string"'
                    " comment=%s>\n%s  </constant_variable>\n"
                    % (ns, n, attr("The '%s' package %s" % (d.package, kind)), values))
        return ""


SHAPES = {"redhat": RedHat, "debian": Debian, "ubuntu": Ubuntu}


def write_feed(shape, spec, out):
    """Writes the feed as UTF-8 to the binary file `out`, section by section."""
    feed = SHAPES[shape](spec)
    buf, size = [], 0
    for chunk in feed.chunks():
        buf.append(chunk)
        size += len(chunk)
        if size > 1 << 20:
            out.write("".join(buf).encode("utf-8"))
            buf, size = [], 0
    out.write("".join(buf).encode("utf-8"))


def make_feed(shape, spec):
    """Returns the whole feed as bytes."""
    return "".join(SHAPES[shape](spec).chunks()).encode("utf-8")


@contextlib.contextmanager
def open_output(path, compress):
    with open(path, "wb") as raw:
        if compress == "gz":  # no name and mtime 0 in the header: equal input, equal bytes
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
                yield out
        elif compress == "bz2":
            with bz2.BZ2File(raw, "wb") as out:
                yield out
        elif compress == "xz":
            with lzma.LZMAFile(raw, "wb") as out:
                yield out
        else:
            yield raw


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shape", required=True, choices=sorted(SHAPES))
    p.add_argument("--spec", required=True, help="JSON spec file ('-' for stdin)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--compress", default="none", choices=("none", "gz", "bz2", "xz"))
    p.add_argument("--signature-key", help="redhat: rpminfo signature_keyid (default %s)"
                   % RH_SIGNATURE_KEY)
    p.add_argument("--release-package", help="redhat: package owning the release file"
                   " (default redhat-release)")
    p.add_argument("--release-file", help="redhat: release file (default /etc/redhat-release)")
    a = p.parse_args(argv)
    with (sys.stdin if a.spec == "-" else open(a.spec)) as f:
        spec = json.load(f)
    for key in ("signature_key", "release_package", "release_file"):
        if getattr(a, key) is not None:
            spec[key] = getattr(a, key)
    try:
        with open_output(a.output, a.compress) as out:
            write_feed(a.shape, spec, out)
    except ValueError as e:
        sys.exit("cve_feeds.py: %s" % e)


if __name__ == "__main__":
    main()
