#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generates content/imgscap-baseline-ds.xml, imgscap's container-image baseline: a SCAP 1.3
source datastream holding an XCCDF 1.2 benchmark and OVAL 5.11 definitions.

    python3 content/src/baseline.py            # writes the datastream
    python3 content/src/baseline.py --check    # exits 1 when the committed file is stale
    python3 content/src/baseline.py --tree-walking OUT   # the tree-walking formulation (tests)

The output is deterministic (fixed timestamps), so the committed datastream can be checked
against this source. Rules about the image config (user, healthcheck, exposed ports, volumes)
read the files imgscap writes into /run/imgscap/config/ of the throwaway layer (see the man page,
"IMAGE CONFIG FACTS"); they apply only where those facts exist (not to dir: scans). Environment
variables come from the image config through OpenSCAP's environmentvariable58 probe. Rules about
every file of the image (private keys, world-writable files and directories, setuid/setgid,
leftovers) read the file facts imgscap gathers while unpacking, in /run/imgscap/files/ ("FILE
FACTS"), and apply only where those exist.
"""
import os
import sys
from xml.sax.saxutils import escape

TIMESTAMP = "2026-11-24T00:00:00"
VERSION = "1.0"
NS = "org.imgscap.baseline"
OVAL_HREF = "imgscap-baseline-oval.xml"
CPE_OVAL_HREF = "imgscap-baseline-cpe-oval.xml"
CPE_DICT_NAME = "imgscap-baseline-cpe-dictionary.xml"
CONFIG_CPE = "cpe:/a:imgscap:image_config"
XCCDF_NAME = "imgscap-baseline-xccdf.xml"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "imgscap-baseline-ds.xml")
FACTS = "/run/imgscap/config"
FILE_FACTS = "/run/imgscap/files"
FILES_CPE = "cpe:/a:imgscap:image_files"

CIS = "https://www.cisecurity.org/benchmark/docker"
DOCKLE = "https://github.com/goodwithtech/dockle/blob/master/CHECKPOINT.md"
CIS_LINUX = "https://www.cisecurity.org/benchmark/distribution_independent_linux"

XSI_NIL = 'xsi:nil="true"'


class Oval:
    """Collects OVAL tests, objects, states and variables with generated ids."""

    def __init__(self):
        self.tests, self.objects, self.states, self.variables = [], [], [], []
        self.counter = {"tst": 0, "obj": 0, "ste": 0, "var": 0}

    def new_id(self, kind):
        self.counter[kind] += 1
        return f"oval:{NS}:{kind}:{self.counter[kind]}"

    def obj(self, body_fn):
        oid = self.new_id("obj")
        self.objects.append(body_fn(oid))
        return oid

    def ste(self, body_fn):
        sid = self.new_id("ste")
        self.states.append(body_fn(sid))
        return sid

    def var(self, body_fn):
        vid = self.new_id("var")
        self.variables.append(body_fn(vid))
        return vid

    def test(self, kind, comment, obj, state=None, check="all", existence="at_least_one_exists"):
        """kind: e.g. 'ind:textfilecontent54'. Returns a criterion."""
        tid = self.new_id("tst")
        state_xml = ""
        if state:
            state_xml = f'<{kind.split(":")[0]}:state state_ref="{state}"/>'
        prefix = kind.split(":")[0]
        self.tests.append(
            f'    <{kind}_test check="{check}" check_existence="{existence}" id="{tid}" '
            f'version="1" comment="{escape(comment)}">\n'
            f'      <{prefix}:object object_ref="{obj}"/>{state_xml}\n'
            f'    </{kind}_test>')
        return f'<criterion test_ref="{tid}" comment="{escape(comment)}"/>'


# ---- object and state builders ------------------------------------------------------------

def text_object(filepath, pattern, filepath_op=None, behaviors=""):
    op = f' operation="{filepath_op}"' if filepath_op else ""
    return lambda oid: (
        f'    <ind:textfilecontent54_object id="{oid}" version="1">{behaviors}\n'
        f'      <ind:filepath{op}>{escape(filepath)}</ind:filepath>\n'
        f'      <ind:pattern operation="pattern match">{escape(pattern)}</ind:pattern>\n'
        f'      <ind:instance datatype="int" operation="greater than or equal">1</ind:instance>\n'
        f'    </ind:textfilecontent54_object>')


def subexpression_state(pattern):
    return lambda sid: (
        f'    <ind:textfilecontent54_state id="{sid}" version="1">\n'
        f'      <ind:subexpression operation="pattern match">{escape(pattern)}</ind:subexpression>\n'
        f'    </ind:textfilecontent54_state>')


def file_object(path=None, filename=None, filepath=None, path_op="equals", name_op="equals",
                filepath_op="equals", filters=(), var_ref=None):
    def build(oid):
        lines = [f'    <unix:file_object id="{oid}" version="1">']
        if filepath is not None or var_ref:
            if var_ref:
                lines.append(f'      <unix:filepath var_ref="{var_ref}" var_check="at least one"/>')
            else:
                lines.append(f'      <unix:filepath operation="{filepath_op}">{escape(filepath)}'
                             '</unix:filepath>')
        else:
            lines.append(f'      <unix:path operation="{path_op}">{escape(path)}</unix:path>')
            if filename is None:
                lines.append(f'      <unix:filename {XSI_NIL}/>')
            else:
                lines.append(f'      <unix:filename operation="{name_op}">{escape(filename)}'
                             '</unix:filename>')
        for action, state in filters:
            lines.append(f'      <filter action="{action}">{state}</filter>')
        lines.append('    </unix:file_object>')
        return "\n".join(lines)
    return build


# unix:file_state entities in the order the OVAL schema requires.
FILE_STATE_ORDER = ["type", "group_id", "user_id", "suid", "sgid", "sticky", "uread", "uwrite",
                    "uexec", "gread", "gwrite", "gexec", "oread", "owrite", "oexec"]


def file_state(operator="AND", **entities):
    def build(sid):
        lines = [f'    <unix:file_state id="{sid}" version="1" operator="{operator}">']
        for name, value in sorted(entities.items(), key=lambda e: FILE_STATE_ORDER.index(e[0])):
            if name == "user_id":
                lines.append(f'      <unix:user_id datatype="int">{value}</unix:user_id>')
            else:
                lines.append(f'      <unix:{name} datatype="boolean">{str(value).lower()}'
                             f'</unix:{name}>' if isinstance(value, bool) else
                             f'      <unix:{name}>{value}</unix:{name}>')
        lines.append('    </unix:file_state>')
        return "\n".join(lines)
    return build


def constant_strings(values, comment):
    def build(vid):
        items = "".join(f"\n      <value>{escape(v)}</value>" for v in values)
        return (f'    <constant_variable id="{vid}" version="1" datatype="string" '
                f'comment="{escape(comment)}">{items}\n    </constant_variable>')
    return build


# ---- the rules ------------------------------------------------------------------------------

def facts_line(oval, fact, state_pattern, comment):
    obj = oval.obj(text_object(f"{FACTS}/{fact}", r"^(.*)$"))
    ste = oval.ste(subexpression_state(state_pattern))
    return oval.test("ind:textfilecontent54", comment, obj, ste)


def facts_none(oval, fact, pattern, comment, directory=FACTS):
    obj = oval.obj(text_object(f"{directory}/{fact}", pattern))
    return oval.test("ind:textfilecontent54", comment, obj, existence="none_exist")


def text_none(oval, filepath, pattern, comment, filepath_op=None):
    obj = oval.obj(text_object(filepath, pattern, filepath_op))
    return oval.test("ind:textfilecontent54", comment, obj, existence="none_exist")


def files_none(oval, comment, **object_args):
    obj = oval.obj(file_object(**object_args))
    return oval.test("unix:file", comment, obj, existence="none_exist")


def paths_none(oval, paths, comment):
    var = oval.var(constant_strings(paths, comment))
    return files_none(oval, comment, var_ref=var)


def rule_user(oval):
    return facts_line(oval, "user", r"^(?!(root|0)(:.*)?$)\S.*$",
                      "the image config names a user other than root")


def rule_healthcheck(oval):
    return facts_line(oval, "healthcheck", r"^(?!NONE$)\S.*$",
                      "the image config defines a HEALTHCHECK")


def rule_env_secrets(oval):
    empty = oval.ste(lambda sid: (
        f'    <ind:environmentvariable58_state id="{sid}" version="1">\n'
        '      <ind:value operation="pattern match">^\\s*$</ind:value>\n'
        '    </ind:environmentvariable58_state>'))
    pattern = r"(?i)^(?!.*_FILE$).*(passw|secret|token|api_?key|private_?key|credential|access_?key)"
    obj = oval.obj(lambda oid: (
        f'    <ind:environmentvariable58_object id="{oid}" version="1">\n'
        f'      <ind:pid datatype="int" {XSI_NIL}/>\n'
        f'      <ind:name operation="pattern match">{escape(pattern)}</ind:name>\n'
        f'      <filter action="exclude">{empty}</filter>\n'
        '    </ind:environmentvariable58_object>'))
    return oval.test("ind:environmentvariable58",
                     "no environment variable that names a secret has a value", obj,
                     existence="none_exist")


def rule_ssh_port(oval):
    return facts_none(oval, "exposed_ports", r"^22(/tcp)?$", "port 22 is not exposed")


def rule_volumes(oval):
    return facts_none(
        oval, "volumes",
        r"^(/|/etc|/proc|/sys|/dev|/boot|/root|/usr|/lib/modules|/var/lib/docker"
        r"|/var/run/docker\.sock|/run/docker\.sock)/?$",
        "no volume is declared on a host-sensitive path")


def rule_os_release(oval):
    tests = []
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        obj = oval.obj(file_object(filepath=path))
        tests.append(oval.test("unix:file", f"{path} exists", obj))
    return f'<criteria operator="OR">{"".join(tests)}</criteria>'


def rule_empty_passwords(oval):
    return "".join(text_none(oval, path, r"^[^:]+::", f"no account in {path} has an empty password")
                   for path in ("/etc/shadow", "/etc/passwd"))


def rule_passwd_hashes(oval):
    return text_none(oval, "/etc/passwd", r"^[^:]*:(?![x*!]*:)[^:]+:",
                     "no password hash in /etc/passwd")


def rule_uid0(oval):
    return text_none(oval, "/etc/passwd", r"^(?!root:)[^:]*:[^:]*:0:",
                     "only root has user id 0")


def rule_shadow_mode(oval):
    obj = oval.obj(file_object(filepath="/etc/shadow"))
    ste = oval.ste(file_state(user_id=0, oread=False, owrite=False))
    return oval.test("unix:file", "/etc/shadow is owned by root and not readable by others", obj,
                     ste, existence="any_exist")


# Where the rules about every file of the image look, as patterns on the path. imgscap lists the
# entries with notable modes and names in its file facts (FILE_FACTS, imgscap(1) FILE FACTS);
# the rules match these patterns on those lines, so that no rule walks the tree with OpenSCAP's
# file probes (0.35-0.5 ms per file). tree_walking_rules() keeps the formulation that walks the
# tree, which the tests evaluate beside these to show both give the same results.
KEY_PATH = (r"^/(root|home|etc|opt|srv|app|usr/local|var/www|var/lib)/(.*/)?"
            r"(id_(rsa|dsa|ecdsa|ed25519)|[^/]*\.(pem|key))$")
KEY_MARKER = r"-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----"
WRITABLE_FILE_PATH = r"^/(?!(tmp|var/tmp|dev|proc|sys|run)/).*$"
WRITABLE_DIR_PATH = r"^/(?!(proc|sys)(/|$)).*$"
SETUID_ALLOWED = ("su|passwd|chsh|chfn|newgrp|gpasswd|mount|umount|expiry|chage|crontab|wall|"
                  "write|ssh-agent|unix_chkpwd|pam_extrausers_chkpwd|fusermount|fusermount3")
SETUID_PATH = (rf"^/(?!((usr/)?s?bin/({SETUID_ALLOWED})"
               r"|usr/lib/openssh/ssh-keysign|usr/libexec/openssh/ssh-keysign"
               r"|usr/lib/dbus-1\.0/dbus-daemon-launch-helper)$)(?!(proc|sys)/).*$")
VCS_PATH = r"^/(?!(proc|sys)/).*/\.(git|svn|hg)$"
LEFTOVER_PATH = r"^/(?!(proc|sys)/).*/(\.DS_Store|Thumbs\.db|\.env)$"

# Lines of the "modes" fact: MODE (four octal digits) TYPE UID:GID /PATH.
SETID_MODE = r"[2-7][0-7]{3}"                 # setuid or setgid
WRITABLE_MODE = r"[0-7]{3}[2367]"             # writable by others
WRITABLE_NOT_STICKY = r"[0246][0-7]{2}[2367]"  # writable by others, no sticky bit


def on_lines(prefix, path_pattern):
    """A path pattern ("^/...$") applied to fact lines that start with `prefix`."""
    return "^" + prefix + path_pattern[1:]


def files_fact_none(oval, fact, pattern, comment):
    return facts_none(oval, fact, pattern, comment, directory=FILE_FACTS)


def rule_private_keys(oval):
    return files_fact_none(oval, "private_keys", KEY_PATH,
                           "no private key is stored in the image")


def rule_world_writable_files(oval):
    return files_fact_none(oval, "modes", on_lines(rf"{WRITABLE_MODE} regular \S+ ",
                                                   WRITABLE_FILE_PATH),
                           "no regular file outside temporary directories is world-writable")


def rule_world_writable_dirs(oval):
    return files_fact_none(oval, "modes", on_lines(rf"{WRITABLE_NOT_STICKY} directory \S+ ",
                                                   WRITABLE_DIR_PATH),
                           "every world-writable directory has the sticky bit")


def rule_setuid(oval):
    return files_fact_none(oval, "modes", on_lines(rf"{SETID_MODE} (?!directory )\S+ \S+ ",
                                                   SETUID_PATH),
                           "no setuid or setgid file beyond the distribution's account tools")


def rule_unnecessary_files(oval):
    return (files_fact_none(oval, "names", on_lines("directory ", VCS_PATH),
                            "no version-control directory")
            + files_fact_none(oval, "names", on_lines(r"(?!directory )\S+ ", LEFTOVER_PATH),
                              "no .DS_Store, Thumbs.db or .env file"))


def rule_private_keys_tree(oval):
    return text_none(oval, KEY_PATH, KEY_MARKER, "no private key is stored in the image",
                     filepath_op="pattern match")


def rule_world_writable_files_tree(oval):
    writable = oval.ste(file_state(type="regular", owrite=True))
    return files_none(oval, "no regular file outside temporary directories is world-writable",
                      filepath=WRITABLE_FILE_PATH, filepath_op="pattern match",
                      filters=[("include", writable)])


def rule_world_writable_dirs_tree(oval):
    unsafe = oval.ste(file_state(type="directory", owrite=True, sticky=False))
    return files_none(oval, "every world-writable directory has the sticky bit",
                      path=WRITABLE_DIR_PATH, path_op="pattern match",
                      filters=[("include", unsafe)])


def rule_setuid_tree(oval):
    special = oval.ste(file_state(operator="OR", suid=True, sgid=True))
    return files_none(oval, "no setuid or setgid file beyond the distribution's account tools",
                      filepath=SETUID_PATH, filepath_op="pattern match",
                      filters=[("include", special)])


def rule_unnecessary_files_tree(oval):
    return (files_none(oval, "no version-control directory", path=VCS_PATH,
                       path_op="pattern match", filename=None)
            + files_none(oval, "no .DS_Store, Thumbs.db or .env file", filepath=LEFTOVER_PATH,
                         filepath_op="pattern match"))


TREE_WALKING = {
    rule_private_keys: rule_private_keys_tree,
    rule_world_writable_files: rule_world_writable_files_tree,
    rule_world_writable_dirs: rule_world_writable_dirs_tree,
    rule_setuid: rule_setuid_tree,
    rule_unnecessary_files: rule_unnecessary_files_tree,
}


def rule_ssh_host_keys(oval):
    return files_none(oval, "no SSH host private key is baked in", path="/etc/ssh",
                      filename=r"^ssh_host_.*_key$", name_op="pattern match")


def rule_sudo(oval):
    return paths_none(oval, ["/usr/bin/sudo", "/bin/sudo", "/usr/sbin/sudo", "/sbin/sudo"],
                      "sudo is not installed")


def rule_apt_lists(oval):
    return files_none(oval, "apt's package lists were removed", path="/var/lib/apt/lists",
                      filename=r"_(Packages|Sources|Release|InRelease|Translation-[^/]*)"
                               r"(\.(gz|xz|bz2|lz4|zst))?$",
                      name_op="pattern match")


def rule_apt_archives(oval):
    return (files_none(oval, "no downloaded .deb remains", path="/var/cache/apt/archives",
                       filename=r"\.deb$", name_op="pattern match")
            + files_none(oval, "apt's binary caches were removed", path="/var/cache/apt",
                         filename=r"^(src)?pkgcache\.bin$", name_op="pattern match"))


def rule_rpm_caches(oval):
    return files_none(oval, "dnf, yum and zypper caches were cleaned",
                      path=r"^/var/cache/(dnf|yum|zypp)(/.*)?$", path_op="pattern match",
                      filename=r"(\.(rpm|solv|solvx)|^repomd\.xml)$", name_op="pattern match")


def rule_apk_cache(oval):
    return files_none(oval, "apk's cache was not kept", path="/var/cache/apk",
                      filename=r"\.(apk|tar\.gz)$", name_op="pattern match")


def rule_build_tools(oval):
    return paths_none(oval, ["/usr/bin/gcc", "/usr/bin/cc", "/usr/bin/c++", "/usr/bin/g++",
                             "/usr/bin/make", "/usr/bin/clang"],
                      "no compiler or make")


def rule_tmp_sticky(oval):
    tests = []
    for path in ("/tmp", "/var/tmp"):
        obj = oval.obj(file_object(path=path, filename=None))
        ste = oval.ste(file_state(type="directory", sticky=True))
        tests.append(oval.test("unix:file", f"{path} has the sticky bit", obj, ste,
                               existence="any_exist"))
    return "".join(tests)


def refs(*pairs):
    return list(pairs)


RULES = [
    ("image_user_not_root", "The image runs as a user other than root", "medium", "config",
     "The image config's User is set and names neither root nor uid 0.",
     "A process that runs as root in a container is root on the host whenever it escapes the "
     "container, and can change every file of the image.",
     refs((CIS, "CIS Docker Benchmark 4.1"), (DOCKLE, "Dockle CIS-DI-0001")), rule_user),
    ("image_healthcheck_defined", "The image defines a HEALTHCHECK", "low", "config",
     "The image config has a Healthcheck other than NONE.",
     "Without a health check the platform cannot tell a hung service from a working one.",
     refs((CIS, "CIS Docker Benchmark 4.6"), (DOCKLE, "Dockle CIS-DI-0006")), rule_healthcheck),
    ("image_env_no_secrets", "No secrets in the image's environment", "high", None,
     "No Env variable whose name suggests a password, secret, token, API key, private key, "
     "credential or access key has a value (variables ending in _FILE, which point to secret "
     "files, are allowed).",
     "Env values are stored in the image config in clear text and shown by every tool that "
     "inspects the image; anyone who can pull the image has the secret.",
     refs((CIS, "CIS Docker Benchmark 4.10"), (DOCKLE, "Dockle CIS-DI-0010")),
     rule_env_secrets),
    ("image_no_ssh_port_exposed", "The image does not expose SSH", "medium", "config",
     "Port 22 is not in the image config's ExposedPorts.",
     "Containers are reached through the platform, not through SSH; an SSH daemon adds keys "
     "and an attack surface to manage.",
     refs((CIS, "CIS Docker Benchmark 5.6")), rule_ssh_port),
    ("image_no_sensitive_volumes", "No volume on a host-sensitive path", "medium", "config",
     "The image config declares no volume on /, /etc, /proc, /sys, /dev, /boot, /root, /usr, "
     "/lib/modules, /var/lib/docker or the Docker socket.",
     "A volume on such a path invites mounting the host's directory there.",
     refs((DOCKLE, "Dockle DKL-DI-0002")), rule_volumes),
    ("os_release_present", "The image says which OS it is", "low", None,
     "/etc/os-release or /usr/lib/os-release exists.",
     "Vulnerability scanners and compliance content find the OS and its version there; without "
     "it an image cannot be matched to its distributor's security data.",
     refs(), rule_os_release),
    ("no_empty_password_hashes", "No account has an empty password", "high", None,
     "No entry of /etc/shadow or /etc/passwd has an empty password field.",
     "An account with an empty password can be used without any credential.",
     refs((DOCKLE, "Dockle DKL-LI-0001"), (CIS_LINUX, "CIS Linux: no empty password fields")),
     rule_empty_passwords),
    ("no_password_hashes_in_passwd", "No password hashes in /etc/passwd", "high", None,
     "Every password field of /etc/passwd is x, * or ! (the hash lives in /etc/shadow).",
     "/etc/passwd is readable by every user: hashes there can be copied and cracked.",
     refs((CIS_LINUX, "CIS Linux: accounts use shadowed passwords")), rule_passwd_hashes),
    ("no_extra_uid0_accounts", "Only root has user id 0", "high", None,
     "No account in /etc/passwd other than root has uid 0.",
     "Another uid 0 account is root under another name.",
     refs((CIS_LINUX, "CIS Linux: root is the only UID 0 account")), rule_uid0),
    ("shadow_not_world_readable", "/etc/shadow belongs to root and is hidden from others",
     "medium", None,
     "/etc/shadow, where it exists, is owned by root and neither readable nor writable by "
     "others.",
     "Password hashes readable by any user can be copied and cracked.",
     refs((CIS_LINUX, "CIS Linux: permissions on /etc/shadow")), rule_shadow_mode),
    ("no_private_keys", "No private keys in the image", "high", "files",
     "No id_rsa/id_dsa/id_ecdsa/id_ed25519, *.pem or *.key file under /root, /home, /etc, /opt, "
     "/srv, /app, /usr/local, /var/www or /var/lib holds a PEM private key.",
     "A key in an image is shared with everyone who can pull the image and with every "
     "container started from it.",
     refs((CIS, "CIS Docker Benchmark 4.10"), (DOCKLE, "Dockle CIS-DI-0010")),
     rule_private_keys),
    ("no_ssh_host_keys", "No SSH host keys baked into the image", "high", None,
     "/etc/ssh holds no ssh_host_*_key file.",
     "Every container of the image would present the same host key, and anyone with the image "
     "can impersonate all of them.",
     refs((CIS, "CIS Docker Benchmark 4.10")), rule_ssh_host_keys),
    ("no_world_writable_files", "No world-writable files outside temporary directories",
     "medium", "files",
     "No regular file outside /tmp, /var/tmp, /dev, /proc, /sys and /run is writable by others.",
     "Any process of any user can change such a file, including programs and configuration "
     "that root later reads.",
     refs((CIS_LINUX, "CIS Linux: no world writable files")), rule_world_writable_files),
    ("world_writable_dirs_sticky", "World-writable directories have the sticky bit", "medium",
     "files", "Every directory writable by others has the sticky bit set.",
     "Without it any user can delete or replace other users' files in the directory.",
     refs((CIS_LINUX, "CIS Linux: sticky bit on world-writable directories")),
     rule_world_writable_dirs),
    ("setuid_setgid_limited", "setuid and setgid files are limited to account tools",
     "medium", "files",
     "No file has the setuid or setgid bit except the distribution's account and mount tools "
     f"(su, passwd, chsh, chfn, newgrp, gpasswd, mount, umount, ... ; {SETUID_ALLOWED}), "
     "ssh-keysign and the D-Bus launch helper.",
     "setuid and setgid programs run with their owner's rights whoever starts them; each is a "
     "way to escalate privileges that a container rarely needs.",
     refs((CIS, "CIS Docker Benchmark 4.8"), (DOCKLE, "Dockle CIS-DI-0008")), rule_setuid),
    ("no_sudo", "sudo is not installed", "medium", None,
     "There is no sudo in /usr/bin, /bin, /usr/sbin or /sbin.",
     "sudo in a container hides privilege escalation; run the container as the user it needs.",
     refs((DOCKLE, "Dockle DKL-DI-0001")), rule_sudo),
    ("apt_lists_cleaned", "apt's package lists were removed", "low", None,
     "/var/lib/apt/lists holds no Packages, Sources, Release or Translation files.",
     "Package lists make the image bigger and go stale; they belong to the build, not to the "
     "image.", refs((DOCKLE, "Dockle DKL-DI-0005")), rule_apt_lists),
    ("apt_archives_cleaned", "apt's download cache was cleaned", "low", None,
     "No .deb in /var/cache/apt/archives and no pkgcache.bin/srcpkgcache.bin in /var/cache/apt.",
     "Downloaded packages and caches only make the image bigger.",
     refs((DOCKLE, "Dockle DKL-DI-0005")), rule_apt_archives),
    ("rpm_caches_cleaned", "dnf, yum and zypper caches were cleaned", "low", None,
     "No .rpm, .solv or repomd.xml under /var/cache/dnf, /var/cache/yum or /var/cache/zypp.",
     "Package caches only make the image bigger and go stale.",
     refs(), rule_rpm_caches),
    ("apk_cache_cleaned", "apk's cache was not kept", "low", None,
     "No package or index in /var/cache/apk.",
     "Use apk add --no-cache: a kept cache only makes the image bigger.",
     refs((DOCKLE, "Dockle DKL-DI-0004")), rule_apk_cache),
    ("no_unnecessary_files", "No version-control or editor leftovers", "low", "files",
     "No .git, .svn or .hg directory and no .DS_Store, Thumbs.db or .env file.",
     "They leak source history, credentials (.env) or build-host details and only make the "
     "image bigger.", refs((DOCKLE, "Dockle DKL-LI-0003")), rule_unnecessary_files),
    ("no_build_tools", "No compilers or make in the image", "low", None,
     "No gcc, cc, c++, g++, clang or make in /usr/bin.",
     "Build tools belong to the build stage; in the final image they help an attacker build "
     "tools on the spot.", refs((CIS, "CIS Docker Benchmark 4.3")), rule_build_tools),
    ("tmp_sticky", "/tmp and /var/tmp have the sticky bit", "medium", None,
     "Where they exist, /tmp and /var/tmp are directories with the sticky bit.",
     "Without it any user can delete or replace other users' temporary files.",
     refs((CIS_LINUX, "CIS Linux: sticky bit on world-writable directories")), rule_tmp_sticky),
]


OVAL_HEADER = (
    '<oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5" '
    'xmlns:oval="http://oval.mitre.org/XMLSchema/oval-common-5" '
    'xmlns:ind="http://oval.mitre.org/XMLSchema/oval-definitions-5#independent" '
    'xmlns:unix="http://oval.mitre.org/XMLSchema/oval-definitions-5#unix" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    '  <generator>\n    <oval:product_name>imgscap baseline generator</oval:product_name>\n'
    f'    <oval:product_version>{VERSION}</oval:product_version>\n'
    '    <oval:schema_version>5.11.2</oval:schema_version>\n'
    f'    <oval:timestamp>{TIMESTAMP}</oval:timestamp>\n  </generator>\n')


def oval_document(oval, definitions):
    sections = [("definitions", definitions), ("tests", oval.tests), ("objects", oval.objects),
                ("states", oval.states), ("variables", oval.variables)]
    body = "".join(f"  <{name}>\n" + "\n".join(items) + f"\n  </{name}>\n"
                   for name, items in sections if items)
    return OVAL_HEADER + body + "</oval_definitions>"


def cpe_documents():
    """The CPE dictionary naming the platforms (the image config's facts, the file facts) and
    the OVAL that checks them."""
    oval = Oval()
    oval.counter = {"tst": 1000, "obj": 1000, "ste": 1000, "var": 1000}
    platforms = [
        (CONFIG_CPE, f"{FACTS}/user", "The image config is known",
         "The image config is known (not a bare directory)",
         f"imgscap wrote the image config facts to {FACTS}/."),
        (FILES_CPE, f"{FILE_FACTS}/modes", "The image's file facts are known",
         "imgscap listed the image's files (its own scan, not a live system)",
         f"imgscap wrote the file facts to {FILE_FACTS}/."),
    ]
    definitions = []
    items = []
    for index, (cpe, path, title, item_title, description) in enumerate(platforms, start=1000):
        facts_obj = oval.obj(file_object(filepath=path))
        criterion = oval.test("unix:file", description[:-1], facts_obj)
        def_id = f"oval:{NS}:def:{index}"
        definitions.append(
            f'    <definition class="inventory" id="{def_id}" version="1">\n'
            f'      <metadata><title>{title}</title>\n'
            f'        <description>{description}</description>'
            '</metadata>\n'
            f'      <criteria>{criterion}</criteria>\n    </definition>')
        items.append(
            f'  <cpe-item name="{cpe}">\n'
            f'    <title xml:lang="en-us">{item_title}</title>\n'
            '    <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5" '
            f'href="{CPE_OVAL_HREF}">{def_id}</check>\n  </cpe-item>\n')
    dictionary = ('<cpe-list xmlns="http://cpe.mitre.org/dictionary/2.0">\n' + "".join(items)
                  + '</cpe-list>')
    return dictionary, oval_document(oval, definitions)


def benchmark(rules_xml, selects):
    return (
        f'<Benchmark xmlns="http://checklists.nist.gov/xccdf/1.2" '
        f'id="xccdf_{NS}_benchmark_container_image" resolved="1" xml:lang="en-US" '
        'style="SCAP_1.2">\n'
        f'  <status date="2026-11-24">draft</status>\n'
        '  <title>imgscap container image baseline</title>\n'
        '  <description>Checks that matter for any Linux container image, whatever its '
        'distribution: how it runs (user, health check, exposed ports, volumes, environment), '
        'what it must not carry (secrets, keys, caches, build tools, leftovers) and file system '
        'hygiene (passwords, permissions, setuid files). Rules about the image config read the '
        f'facts imgscap writes to {FACTS}/ and apply only where they exist; rules about every '
        f'file of the image read the file facts imgscap writes to {FILE_FACTS}/ and apply only '
        'where imgscap scans.</description>\n'
        '  <platform-specification xmlns="http://cpe.mitre.org/language/2.0">\n'
        '    <platform id="image_config">\n'
        '      <logical-test operator="AND" negate="false">\n'
        f'        <fact-ref name="{CONFIG_CPE}"/>\n'
        '      </logical-test>\n    </platform>\n'
        '    <platform id="image_files">\n'
        '      <logical-test operator="AND" negate="false">\n'
        f'        <fact-ref name="{FILES_CPE}"/>\n'
        '      </logical-test>\n    </platform>\n  </platform-specification>\n'
        f'  <version>{VERSION}</version>\n'
        f'  <Profile id="xccdf_{NS}_profile_default">\n'
        '    <title>Container image baseline</title>\n'
        '    <description>Every rule of the baseline.</description>' + selects +
        '\n  </Profile>\n' + "\n".join(rules_xml) + '\n</Benchmark>')


PLATFORMS = {"config": "image_config", "files": "image_files"}


def rules_and_oval(tree_walking=False):
    """The benchmark and its OVAL; with tree_walking, the rules about every file walk the tree
    with OpenSCAP's file probes instead of reading imgscap's file facts (for the tests)."""
    oval = Oval()
    definitions = []
    rules_xml = []
    for index, (name, title, severity, platform, description, rationale, references,
                criteria_fn) in enumerate(RULES, start=1):
        if tree_walking and criteria_fn in TREE_WALKING:
            criteria_fn = TREE_WALKING[criteria_fn]
            platform = None
        criteria = criteria_fn(oval)
        if not criteria.startswith("<criteria"):
            criteria = f'<criteria operator="AND">{criteria}</criteria>'
        def_id = f"oval:{NS}:def:{index}"
        definitions.append(
            f'    <definition class="compliance" id="{def_id}" version="1">\n'
            f'      <metadata><title>{escape(title)}</title>\n'
            f'        <description>{escape(description)}</description></metadata>\n'
            f'      {criteria}\n    </definition>')
        refs_xml = "".join(f'\n      <reference href="{escape(href)}">{escape(text)}</reference>'
                           for href, text in references)
        platform_xml = (f'\n      <platform idref="#{PLATFORMS[platform]}"/>' if platform
                        else "")
        rules_xml.append(
            f'    <Rule id="xccdf_{NS}_rule_{name}" selected="true" severity="{severity}">\n'
            f'      <title>{escape(title)}</title>\n'
            f'      <description>{escape(description)}</description>{refs_xml}\n'
            f'      <rationale>{escape(rationale)}</rationale>{platform_xml}\n'
            f'      <check system="http://oval.mitre.org/XMLSchema/oval-definitions-5">\n'
            f'        <check-content-ref href="{OVAL_HREF}" name="{def_id}"/>\n'
            '      </check>\n    </Rule>')
    selects = "".join(f'\n    <select idref="xccdf_{NS}_rule_{r[0]}" selected="true"/>'
                      for r in RULES)
    return benchmark(rules_xml, selects), oval_document(oval, definitions)


def component_id(name):
    return f"scap_{NS}_comp_{name}"


def cref_id(name):
    return f"scap_{NS}_cref_{name}"


def build(tree_walking=False):
    xccdf_xml, oval_xml = rules_and_oval(tree_walking)
    dictionary_xml, cpe_oval_xml = cpe_documents()
    components = [(CPE_DICT_NAME, dictionary_xml), (CPE_OVAL_HREF, cpe_oval_xml),
                  (OVAL_HREF, oval_xml), (XCCDF_NAME, xccdf_xml)]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!-- SPDX-License-Identifier: Apache-2.0 -->\n'
        '<!-- Generated by content/src/baseline.py: edit that file, not this one. -->\n'
        '<ds:data-stream-collection xmlns:ds="http://scap.nist.gov/schema/scap/source/1.2" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:cat="urn:oasis:names:tc:entity:xmlns:xml:catalog" '
        f'id="scap_{NS}_collection_baseline" schematron-version="1.3">\n'
        f'<ds:data-stream id="scap_{NS}_datastream_baseline" scap-version="1.3" '
        'use-case="CONFIGURATION">\n'
        f'  <ds:dictionaries>\n    <ds:component-ref id="{cref_id(CPE_DICT_NAME)}" '
        f'xlink:href="#{component_id(CPE_DICT_NAME)}">\n      <cat:catalog>\n'
        f'        <cat:uri name="{CPE_OVAL_HREF}" uri="#{cref_id(CPE_OVAL_HREF)}"/>\n'
        '      </cat:catalog>\n    </ds:component-ref>\n  </ds:dictionaries>\n'
        f'  <ds:checklists>\n    <ds:component-ref id="{cref_id(XCCDF_NAME)}" '
        f'xlink:href="#{component_id(XCCDF_NAME)}">\n      <cat:catalog>\n'
        f'        <cat:uri name="{OVAL_HREF}" uri="#{cref_id(OVAL_HREF)}"/>\n'
        '      </cat:catalog>\n    </ds:component-ref>\n  </ds:checklists>\n'
        '  <ds:checks>\n'
        f'    <ds:component-ref id="{cref_id(OVAL_HREF)}" xlink:href="#{component_id(OVAL_HREF)}"/>\n'
        f'    <ds:component-ref id="{cref_id(CPE_OVAL_HREF)}" '
        f'xlink:href="#{component_id(CPE_OVAL_HREF)}"/>\n'
        '  </ds:checks>\n</ds:data-stream>\n'
        + "".join(f'<ds:component id="{component_id(name)}" timestamp="{TIMESTAMP}">\n{xml}\n'
                  '</ds:component>\n' for name, xml in components)
        + '</ds:data-stream-collection>\n')


def main():
    if "--tree-walking" in sys.argv:
        with open(sys.argv[sys.argv.index("--tree-walking") + 1], "w", encoding="utf-8") as f:
            f.write(build(tree_walking=True))
        return
    text = build()
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print(f"{OUT} is stale: run python3 content/src/baseline.py", file=sys.stderr)
                sys.exit(1)
        return
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
