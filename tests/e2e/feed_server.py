#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A real HTTP server on loopback for the feed download tests: serves a directory with ETag and
# Last-Modified, answers conditional requests with 304, logs every response (status, body bytes
# sent, validators received) as JSON lines, and misbehaves on request (a truncated body).
#
#   feed_server.py DIR LOG PORTFILE [PORT]
# DIR/<file>            served at /<file>
# DIR/<file>.truncate   present: send the full Content-Length but only half the body, then close
# DIR/<file>.status     present: answer with the status code it holds (e.g. 500) and no body
import hashlib
import http.server
import json
import os
import sys
import threading
from email.utils import formatdate, parsedate_to_datetime

ROOT, LOG, PORTFILE = sys.argv[1], sys.argv[2], sys.argv[3]
PORT = int(sys.argv[4]) if len(sys.argv) > 4 else 0
lock = threading.Lock()


def log(entry):
    with lock, open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(ROOT, name)
        entry = {"path": self.path,
                 "if_none_match": self.headers.get("If-None-Match"),
                 "if_modified_since": self.headers.get("If-Modified-Since")}
        if os.path.exists(path + ".status"):
            code = int(open(path + ".status").read().strip())
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            log({**entry, "status": code, "body_bytes": 0})
            return
        if not name or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            log({**entry, "status": 404, "body_bytes": 0})
            return
        body = open(path, "rb").read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
        mtime = int(os.stat(path).st_mtime)
        last_modified = formatdate(mtime, usegmt=True)
        not_modified = False
        if entry["if_none_match"] is not None:
            not_modified = entry["if_none_match"] == etag
        elif entry["if_modified_since"] is not None:
            try:
                not_modified = mtime <= parsedate_to_datetime(entry["if_modified_since"]).timestamp()
            except (TypeError, ValueError):
                not_modified = False
        if not_modified:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            log({**entry, "status": 304, "body_bytes": 0})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", last_modified)
        self.end_headers()
        if os.path.exists(path + ".truncate"):
            sent = body[: len(body) // 2]
            self.wfile.write(sent)
            self.wfile.flush()
            self.close_connection = True
            log({**entry, "status": 200, "body_bytes": len(sent), "truncated": True})
            return
        self.wfile.write(body)
        log({**entry, "status": 200, "body_bytes": len(body)})


server = http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
