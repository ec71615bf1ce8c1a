#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Real registries on loopback for the registry cases, and what sits around them.

    registry_harness.py DIR     runs until killed; writes DIR/env.sh when everything is up

Starts, all on 127.0.0.1 with free ports:
  - BASIC: Debian's docker-registry (CNCF distribution 2.8) with TLS from a CA made here and
    htpasswd (bcrypt, by Apache's htpasswd) Basic authentication;
  - TOKEN: the same registry with token authentication, and the token service it trusts: an
    HTTPS server that checks Basic credentials and issues RS256 JWTs (x5c header) with the
    access asked for; the registry verifies every token against the certificate it was given;
  - PROXY: a plain-HTTP proxy in front of BASIC that injects faults named in DIR/fault
    ("429 N", "500 N", "cut", "corrupt", "redirect", "slow"), logging every request to
    DIR/proxy.log (method, path, Range, whether Authorization came);
  - MTLS: the same registry without authentication, requiring a client certificate from the
    test CA (DIR/client.cert, DIR/client.key);
  - TUNNEL: an HTTPS proxy (CONNECT) for HTTPS_PROXY, logging each tunnel to DIR/tunnel.log;
  - STORAGE: another host:port (localhost instead of 127.0.0.1) the "redirect" fault sends blob
    requests to, as registries send them to blob storage; it logs whether credentials arrived.
Nothing here imitates the registry protocol: every answer about images comes from
docker-registry itself.
"""
import base64
import datetime
import http.client
import http.server
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

USER = "imgscap-tester"
SERVICE = "imgscap-test-registry"
ISSUER = "imgscap-test-token-issuer"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pem(obj):
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_cert(subject, issuer_cert, issuer_key, key, ca=False, sans=()):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_cert.subject if issuer_cert else
                            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=2))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        import ipaddress
        names = [x509.IPAddress(ipaddress.ip_address(n)) if n[0].isdigit() else x509.DNSName(n)
                 for n in sans]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class State:
    def __init__(self, top):
        self.top = top
        self.lock = threading.Lock()
        self.counters = {}

    def log(self, name, line):
        with self.lock, open(os.path.join(self.top, name), "a") as f:
            f.write(line + "\n")

    def fault(self):
        try:
            with open(os.path.join(self.top, "fault")) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def take(self, key, limit):
        """True for the first `limit` calls with this key (per fault file contents)."""
        with self.lock:
            n = self.counters.get(key, 0)
            self.counters[key] = n + 1
            return n < limit


def identity_token(password):
    """The identity token the token service accepts (derived, so that the case can write it)."""
    return "idt-" + password[::-1]


def token_handler(state, signing_key, signing_cert, password):
    der = signing_cert.public_bytes(serialization.Encoding.DER)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            """The OAuth2 exchange of an identity (refresh) token, as docker login stores it."""
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            ok = (form.get("grant_type") == ["refresh_token"] and
                  form.get("refresh_token") == [identity_token(password)])
            self.issue(form.get("scope", []), ok, "identity token")

        def do_GET(self):
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            auth = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()
            self.issue(query.get("scope", []), auth == expected, "password")

        def issue(self, scopes, ok, how):
            if not ok:
                state.log("token.log", "refused")
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"details":"wrong credentials"}')
                return
            state.log("token.log", "granted by " + how)
            access = []
            for scope in scopes:
                kind, name, actions = scope.split(":", 2)
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
            now = int(time.time())
            claims = {"iss": ISSUER, "sub": USER, "aud": SERVICE, "iat": now, "nbf": now - 10,
                      "exp": now + 300, "jti": b64url(os.urandom(12)), "access": access}
            header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(der).decode()]}
            signing_input = (b64url(json.dumps(header).encode()) + "." +
                             b64url(json.dumps(claims).encode()))
            signature = signing_key.sign(signing_input.encode(), padding.PKCS1v15(),
                                         hashes.SHA256())
            token = signing_input + "." + b64url(signature)
            state.log("token.log", "issued " + token)
            body = json.dumps({"token": token, "expires_in": 300}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def forward(handler, state, upstream_host, upstream_port, context, path, log_name):
    """Sends the request to the upstream registry; returns the open response."""
    conn = http.client.HTTPSConnection(upstream_host, upstream_port, context=context, timeout=60)
    headers = {k: v for k, v in handler.headers.items()
               if k.lower() in ("authorization", "accept", "range")}
    conn.request(handler.command, path, headers=headers)
    return conn, conn.getresponse()


def proxy_handler(state, upstream_port, context, storage_port):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, headers=(), body=b""):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            fault = state.fault()
            is_blob = "/blobs/" in self.path
            state.log("proxy.log", "GET {} range={} auth={} fault={}".format(
                self.path, self.headers.get("Range", "-"),
                "yes" if self.headers.get("Authorization") else "no", ":".join(fault) or "-"))
            if fault[:1] in (["429"], ["500"]) and self.path != "/v2/" and \
                    state.take(" ".join(fault), int(fault[1])):
                state.log("proxy.log", "  -> injected " + fault[0])
                headers = [("Retry-After", "1")] if fault[0] == "429" else []
                self.reply(int(fault[0]), headers, b'{"errors":[{"code":"TOOMANYREQUESTS",'
                           b'"message":"injected"}]}')
                return
            if fault[:1] in (["redirect"], ["redirect-401"]) and is_blob:
                location = f"http://localhost:{storage_port}{self.path}"
                state.log("proxy.log", "  -> redirected to " + location)
                self.reply(307, [("Location", location)])
                return
            conn, resp = forward(self, state, "localhost", upstream_port, context, self.path,
                                 "proxy.log")
            body_len = resp.getheader("Content-Length")
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            big_blob = is_blob and body_len is not None and int(body_len) > (4 << 20)
            if body_len is None:
                data = resp.read()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()
                return
            self.send_header("Content-Length", body_len)
            self.end_headers()
            self.stream_body(resp, int(body_len), fault if big_blob else [], )
            conn.close()

        def stream_body(self, resp, length, fault):
            sent = 0
            cut = fault[:1] == ["cut"] and state.take("cut", 1)
            corrupt = fault[:1] == ["corrupt"]
            slow = fault[:1] == ["slow"]
            while sent < length:
                chunk = resp.read(min(65536, length - sent))
                if not chunk:
                    break
                if corrupt and sent <= length // 2 < sent + len(chunk):
                    i = length // 2 - sent
                    chunk = chunk[:i] + bytes([chunk[i] ^ 0xFF]) + chunk[i + 1:]
                    state.log("proxy.log", "  -> corrupted byte {}".format(length // 2))
                if cut and sent + len(chunk) > (1 << 20):
                    self.wfile.write(chunk[:(1 << 20) - sent])
                    self.wfile.flush()
                    state.log("proxy.log", "  -> cut after 1 MiB")
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(chunk)
                sent += len(chunk)
                if slow:
                    time.sleep(0.2)

    return Handler


def storage_handler(state, upstream_port, context, password):
    """Blob storage on another host: serves blobs with its own credentials, never the client's."""
    own = "Basic " + base64.b64encode(f"{USER}:{password}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            state.log("storage.log", "GET {} auth={}".format(
                self.path, "yes" if self.headers.get("Authorization") else "no"))
            if state.fault()[:1] == ["redirect-401"]:
                # Hostile storage: names a token service of its own, hoping for credentials.
                port = self.server.server_address[1]
                self.send_response(401)
                self.send_header("WWW-Authenticate",
                                 f'Bearer realm="http://localhost:{port}/token",service="s"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            conn = http.client.HTTPSConnection("localhost", upstream_port, context=context)
            conn.request("GET", self.path, headers={"Authorization": own})
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            conn.close()

    return Handler


def serve(handler, port, tls_context=None):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    if tls_context:
        server.socket = tls_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def tunnel_handler(state):
    """An HTTPS proxy (CONNECT), for HTTPS_PROXY: logs each tunnel and relays bytes."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_CONNECT(self):
            host, port = self.path.rsplit(":", 1)
            state.log("tunnel.log", "CONNECT " + self.path)
            upstream = socket.create_connection((host, int(port)))
            self.send_response(200)
            self.end_headers()
            self.wfile.flush()
            relay(self.connection, upstream)

    return Handler


def relay(a, b):
    def pump(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    t = threading.Thread(target=pump, args=(b, a), daemon=True)
    t.start()
    pump(a, b)
    t.join()


def registry_config(top, name, port, auth, tls_extra=""):
    data = os.path.join(top, "data-" + name)
    os.makedirs(data, exist_ok=True)
    path = os.path.join(top, name + ".yml")
    with open(path, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {data}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  secret: imgscap-test-secret
  tls:
    certificate: {top}/server.crt
    key: {top}/server.key
{tls_extra}{auth}""")
    return path


def wait_for_port(port, proc, name):
    for _ in range(100):
        if proc.poll() is not None:
            sys.exit(f"{name} exited: see its log")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"{name} did not start on port {port}")


def main():
    top = os.path.abspath(sys.argv[1])
    os.makedirs(top, exist_ok=True)
    password = "Pw-" + b64url(os.urandom(12))
    ca_key = new_key()
    ca = make_cert("imgscap test CA", None, None, ca_key, ca=True)
    server_key = new_key()
    server = make_cert("localhost", ca, ca_key, server_key, sans=("localhost", "127.0.0.1"))
    token_key = new_key()
    token_cert = make_cert("imgscap test token issuer", None, None, token_key)
    client_key = new_key()
    client = make_cert("imgscap test client", ca, ca_key, client_key)
    files = {"ca.crt": pem(ca), "server.crt": pem(server) + pem(ca),
             "server.key": pem(server_key), "token.crt": pem(token_cert),
             "client.cert": pem(client), "client.key": pem(client_key)}
    for name, data in files.items():
        with open(os.path.join(top, name), "wb") as f:
            f.write(data)
    htpasswd = subprocess.run(["htpasswd", "-Bbn", USER, password], check=True,
                              capture_output=True, text=True).stdout
    with open(os.path.join(top, "htpasswd"), "w") as f:
        f.write(htpasswd)

    ports = {k: free_port() for k in ("basic", "token", "mtls", "token_service", "proxy",
                                      "storage", "tunnel")}
    state = State(top)
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(os.path.join(top, "server.crt"), os.path.join(top, "server.key"))
    client_tls = ssl.create_default_context(cafile=os.path.join(top, "ca.crt"))

    serve(token_handler(state, token_key, token_cert, password), ports["token_service"],
          server_tls)
    procs = []
    configs = {
        # schema 1 accepted so that the refusal of such images can be tested
        "basic": (f"auth:\n  htpasswd:\n    realm: imgscap-test\n    path: {top}/htpasswd\n"
                  "compatibility:\n  schema1:\n    enabled: true\n"),
        "token": (f"auth:\n  token:\n    realm: https://localhost:{ports['token_service']}/token\n"
                  f"    service: {SERVICE}\n    issuer: {ISSUER}\n"
                  f"    rootcertbundle: {top}/token.crt\n"),
    }
    # mtls: no authentication, but a client certificate from the test CA is required
    configs["mtls"] = ""
    tls_extra = {"mtls": f"    clientcas:\n      - {top}/ca.crt\n"}
    for name, auth in configs.items():
        log = open(os.path.join(top, f"registry-{name}.log"), "w")
        config = registry_config(top, name, ports[name], auth, tls_extra.get(name, ""))
        proc = subprocess.Popen(["docker-registry", "serve", config],
                                stdout=log, stderr=subprocess.STDOUT)
        procs.append(proc)
        wait_for_port(ports[name], proc, f"docker-registry ({name})")
    serve(proxy_handler(state, ports["basic"], client_tls, ports["storage"]), ports["proxy"])
    serve(storage_handler(state, ports["basic"], client_tls, password), ports["storage"])
    serve(tunnel_handler(state), ports["tunnel"])

    def stop(*_):
        for p in procs:
            p.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(os.path.join(top, "env.sh.tmp"), "w") as f:
        f.write(f"REG_DIR={top}\nREG_USER={USER}\nREG_PASSWORD={password}\n"
                f"REG_IDENTITY_TOKEN={identity_token(password)}\n")
        for name, port in ports.items():
            f.write(f"REG_{name.upper()}_PORT={port}\n")
    os.rename(os.path.join(top, "env.sh.tmp"), os.path.join(top, "env.sh"))
    while True:
        for p in procs:
            if p.poll() is not None:
                sys.exit("a registry exited")
        time.sleep(0.5)


if __name__ == "__main__":
    main()
