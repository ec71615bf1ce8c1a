#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the tree of a node_modules-heavy application layer: FILES small files (default
300,000) under app/node_modules/, spread over packages of eight directories each as npm lays
them out, with contents that differ from file to file, plus a handful of entries the baseline's
file facts must list (world-writable, setuid and setgid files, a world-writable directory
without the sticky bit, a setgid directory, a .git directory, .env files, a private key, a
certificate named like a key).

    many_files.py OUT_DIR [FILES]
"""
import os
import sys

DIRS = ["", "lib", "lib/internal", "dist", "dist/esm", "src", "src/util", "test"]
FILES_PER_PACKAGE = 100


def body(package, index):
    return (f"// package {package}, module {index}\n'use strict';\n"
            f"const value{index} = {package * 7919 + index * 104729};\n"
            f"module.exports = function m{index}(x) {{ return x * {index + 3} + value{index}; }};\n"
            + "// padding " + "abcdefghij"[index % 10] * (index * 13 % 400) + "\n").encode()


def write(path, data, mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, mode)


def notable(app):
    """The entries the file facts must list (checked against find in the tests)."""
    write(os.path.join(app, "node_modules/pkg00007/lib/cache.log"), b"log\n", 0o666)
    write(os.path.join(app, "node_modules/pkg00011/dist/helper"), b"#!/bin/sh\n", 0o4755)
    write(os.path.join(app, "node_modules/pkg00013/src/group-tool"), b"#!/bin/sh\n", 0o2711)
    os.makedirs(os.path.join(app, "shared"), exist_ok=True)
    os.chmod(os.path.join(app, "shared"), 0o777)
    os.makedirs(os.path.join(app, "spool"), exist_ok=True)
    os.chmod(os.path.join(app, "spool"), 0o2775)
    os.makedirs(os.path.join(app, "node_modules/pkg00017/.git/objects"), exist_ok=True)
    write(os.path.join(app, "node_modules/pkg00017/.git/HEAD"), b"ref: refs/heads/main\n")
    write(os.path.join(app, ".env"), b"DATABASE_URL=postgres://app@db/app\n")
    write(os.path.join(app, "node_modules/pkg00019/test/.env"), b"X=1\n")
    os.makedirs(os.path.join(app, "config"), exist_ok=True)
    write(os.path.join(app, "config/server.key"),
          b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBk=\n-----END EC PRIVATE KEY-----\n", 0o600)
    write(os.path.join(app, "config/ca.pem"),
          b"-----BEGIN CERTIFICATE-----\nMIIB=\n-----END CERTIFICATE-----\n")


def main():
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    app = os.path.join(out, "app")
    packages = (files + FILES_PER_PACKAGE - 1) // FILES_PER_PACKAGE
    written = 0
    for package in range(packages):
        root = os.path.join(app, "node_modules", f"pkg{package:05d}")
        for d in DIRS:
            os.makedirs(os.path.join(root, d), exist_ok=True)
        for index in range(min(FILES_PER_PACKAGE, files - written)):
            d = DIRS[index % len(DIRS)]
            name = "package.json" if index == 0 else f"m{index:03d}.js"
            write(os.path.join(root, d, name), body(package, index))
            written += 1
    notable(app)


if __name__ == "__main__":
    main()
