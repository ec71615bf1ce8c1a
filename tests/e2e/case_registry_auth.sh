#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Credentials and TLS against real registries (docker-registry with htpasswd, and with token
# auth through a token service the registry verifies): every credential source in the
# containers tools' order, the most specific auth key, credential helpers, the Bearer flow with
# one token reused for the whole pull, wrong passwords, missing tags, untrusted certificates,
# certs.d and --cert-dir, --tls-verify=false. No credential or token ever reaches the output.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
push_image "docker-archive:$TINY_DOCKER_ARCHIVE" "$BASIC/team/app:1"
push_image "docker-archive:$TINY_DOCKER_ARCHIVE" "$BASIC/other/app:1"
push_image "docker-archive:$TINY_DOCKER_ARCHIVE" "$TOKEN/team/app:1"

# A clean environment: no credentials or certificates of the machine's user.
export HOME="$CASE_DIR/home" XDG_RUNTIME_DIR="$CASE_DIR/run"
unset REGISTRY_AUTH_FILE DOCKER_CONFIG XDG_CONFIG_HOME
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
auth_b64=$(printf '%s:%s' "$REG_USER" "$REG_PASSWORD" | base64 -w0)
wrong_b64=$(printf '%s:%s' "$REG_USER" "not-the-password" | base64 -w0)

# auth_json FILE KEY=BASE64...: a containers auth.json / docker config.json.
auth_json() {
  local file=$1
  shift
  mkdir -p "$(dirname "$file")"
  python3 -c '
import json, sys
auths = {k: {"auth": v} for k, v in (a.split("=", 1) for a in sys.argv[2:])}
json.dump({"auths": auths}, open(sys.argv[1], "w"))' "$file" "$@"
}

inspect_ok() {
  local what=$1
  shift
  run_imgscap inspect "$@"
  expect_rc 0 "$what"
  grep -q "^Manifest: *sha256:" "$OUT" || die "$what: no manifest digest: $(head -5 "$OUT")"
}

# TLS: the test CA is not trusted by the system.
run_imgscap inspect "docker://$BASIC/team/app:1" --creds "$REG_USER:$REG_PASSWORD"
expect_rc 1 "untrusted certificate"
expect_err_contains "TLS certificate is not trusted"
expect_err_contains "--cert-dir"
inspect_ok "--cert-dir" "docker://$BASIC/team/app:1" --cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD"
mkdir -p "$HOME/.config/containers/certs.d/$BASIC"
cp "$REG_DIR/ca.crt" "$HOME/.config/containers/certs.d/$BASIC/ca.crt"
inspect_ok "certs.d" "docker://$BASIC/team/app:1" --creds "$REG_USER:$REG_PASSWORD"
inspect_ok "--tls-verify=false" "docker://$TOKEN/team/app:1" --tls-verify=false \
  --creds "$REG_USER:$REG_PASSWORD"
expect_err_contains "TLS verification is off"
mkdir -p "$HOME/.config/containers/certs.d/$TOKEN"
cp "$REG_DIR/ca.crt" "$HOME/.config/containers/certs.d/$TOKEN/ca.crt"

# A registry that requires a client certificate: *.cert/*.key in the certificate directory.
mkdir -p "$CASE_DIR/mtls-certs"
cp "$REG_DIR/ca.crt" "$REG_DIR/client.cert" "$REG_DIR/client.key" "$CASE_DIR/mtls-certs/"
skopeo copy -q --dest-cert-dir "$CASE_DIR/mtls-certs" "docker-archive:$TINY_DOCKER_ARCHIVE" \
  "docker://$MTLS/team/app:1" >"$CASE_DIR/push.log" 2>&1 || die "push to $MTLS: $(cat "$CASE_DIR/push.log")"
run_imgscap inspect "docker://$MTLS/team/app:1" --cert-dir "$CERTS" --retry-times 0
expect_rc 1 "no client certificate"
expect_err_contains "If it requires a client certificate"
inspect_ok "client certificate" "docker://$MTLS/team/app:1" --cert-dir "$CASE_DIR/mtls-certs"

# HTTPS_PROXY is honoured (a CONNECT tunnel), NO_PROXY too.
HTTPS_PROXY="http://127.0.0.1:$REG_TUNNEL_PORT" inspect_ok "HTTPS_PROXY" \
  "docker://$BASIC/team/app:1" --creds "$REG_USER:$REG_PASSWORD"
grep -q "^CONNECT $BASIC\$" "$REG_DIR/tunnel.log" || die "HTTPS_PROXY not used: $(cat "$REG_DIR/tunnel.log" 2>&1)"
: >"$REG_DIR/tunnel.log"
HTTPS_PROXY="http://127.0.0.1:$REG_TUNNEL_PORT" NO_PROXY=localhost inspect_ok "NO_PROXY" \
  "docker://$BASIC/team/app:1" --creds "$REG_USER:$REG_PASSWORD"
[ ! -s "$REG_DIR/tunnel.log" ] || die "NO_PROXY not honoured: $(cat "$REG_DIR/tunnel.log")"

# No credentials, wrong ones, a missing tag and repository.
run_imgscap inspect "docker://$BASIC/team/app:1"
expect_rc 1 "anonymous"
expect_err_contains "requires authentication"
run_imgscap inspect "docker://$BASIC/team/app:1" --creds "$REG_USER:not-the-password"
expect_rc 1 "wrong password"
expect_err_contains "refused the credentials of user \"$REG_USER\" from --creds"
run_imgscap inspect "docker://$TOKEN/team/app:1" --creds "$REG_USER:not-the-password"
expect_rc 1 "wrong password (token service)"
expect_err_contains "refused the credentials"
run_imgscap inspect "docker://$BASIC/team/app:nope" --creds "$REG_USER:$REG_PASSWORD"
expect_rc 1 "missing tag"
expect_err_contains "tag nope not found"
run_imgscap inspect "docker://$BASIC/team/absent:1" --creds "$REG_USER:$REG_PASSWORD"
expect_rc 1 "missing repository"
expect_err_contains "team/absent"

# --creds USER with the password on stdin.
set +e
printf '%s\n' "$REG_PASSWORD" | "$IMGSCAP" inspect "docker://$BASIC/team/app:1" --creds "$REG_USER" >"$OUT" 2>"$ERR"
RC=$?
set -e
expect_rc 0 "--creds USER, password on stdin"

# Auth files, in the containers tools' order.
auth_json "$CASE_DIR/explicit.json" "$BASIC=$auth_b64"
inspect_ok "--authfile" "docker://$BASIC/team/app:1" --authfile "$CASE_DIR/explicit.json"
REGISTRY_AUTH_FILE="$CASE_DIR/explicit.json" inspect_ok "REGISTRY_AUTH_FILE" "docker://$BASIC/team/app:1"
auth_json "$HOME/.docker/config.json" "https://$BASIC=$auth_b64"
inspect_ok "~/.docker/config.json" "docker://$BASIC/team/app:1"
rm "$HOME/.docker/config.json"
auth_json "$CASE_DIR/docker-config/config.json" "$BASIC=$auth_b64"
DOCKER_CONFIG="$CASE_DIR/docker-config" inspect_ok "DOCKER_CONFIG" "docker://$BASIC/team/app:1"
auth_json "$HOME/.config/containers/auth.json" "$BASIC=$auth_b64"
inspect_ok "~/.config/containers/auth.json" "docker://$BASIC/team/app:1"
# XDG_RUNTIME_DIR's file comes first: wrong credentials there are used, and refused.
auth_json "$XDG_RUNTIME_DIR/containers/auth.json" "$BASIC=$wrong_b64"
run_imgscap inspect "docker://$BASIC/team/app:1"
expect_rc 1 "XDG_RUNTIME_DIR first"
expect_err_contains "from auth file $XDG_RUNTIME_DIR/containers/auth.json"
# --authfile alone is read when given.
run_imgscap inspect "docker://$BASIC/team/app:1" --authfile "$CASE_DIR/explicit.json"
expect_rc 0 "--authfile alone"
rm "$XDG_RUNTIME_DIR/containers/auth.json" "$HOME/.config/containers/auth.json"

# The most specific key wins: host/namespace over host.
auth_json "$HOME/.config/containers/auth.json" "$BASIC=$wrong_b64" "$BASIC/team=$auth_b64"
inspect_ok "host/namespace key" "docker://$BASIC/team/app:1"
run_imgscap inspect "docker://$BASIC/other/app:1"
expect_rc 1 "host key (wrong) for another namespace"
rm "$HOME/.config/containers/auth.json"

# Credential helpers: credHelpers for the host, credsStore for all.
mkdir -p "$CASE_DIR/bin"
cat >"$CASE_DIR/bin/docker-credential-imgscaptest" <<HELPER
#!/bin/sh
[ "\$1" = get ] || exit 1
read -r server
echo "\$server" >>"$CASE_DIR/helper.log"
case "\$server" in
  $BASIC|$TOKEN) printf '{"ServerURL":"%s","Username":"$REG_USER","Secret":"$REG_PASSWORD"}\n' "\$server" ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
HELPER
chmod +x "$CASE_DIR/bin/docker-credential-imgscaptest"
mkdir -p "$HOME/.docker"
echo "{\"credHelpers\": {\"$BASIC\": \"imgscaptest\"}}" >"$HOME/.docker/config.json"
PATH="$CASE_DIR/bin:$PATH" inspect_ok "credHelpers" "docker://$BASIC/team/app:1"
grep -qx "$BASIC" "$CASE_DIR/helper.log" || die "the helper was not asked for $BASIC"
echo '{"credsStore": "imgscaptest"}' >"$HOME/.docker/config.json"
PATH="$CASE_DIR/bin:$PATH" inspect_ok "credsStore" "docker://$TOKEN/team/app:1"
rm "$HOME/.docker/config.json"

# The Bearer flow: one token for the whole scan, verified by the registry.
: >"$REG_DIR/token.log"
run_imgscap scan "docker://$TOKEN/team/app:1" --content "$BASIC_OVAL" -q -o "$CASE_DIR/out-token" \
  --creds "$REG_USER:$REG_PASSWORD"
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "scan through the token registry: exit $RC: $(head -c 2000 "$ERR")"
issued=$(grep -c '^issued ' "$REG_DIR/token.log")
[ "$issued" -eq 1 ] || die "expected one token for the scan, $issued were issued"
grep -q '"registry": "'"$TOKEN"'"' "$CASE_DIR/out-token/summary.json" || die "summary lacks the registry"

# An identity token (what docker login stores for OAuth registries), exchanged at the token
# service.
python3 -c '
import json, sys
json.dump({"auths": {sys.argv[2]: {"auth": "", "identitytoken": sys.argv[3]}}}, open(sys.argv[1], "w"))' \
  "$CASE_DIR/identity.json" "$TOKEN" "$REG_IDENTITY_TOKEN"
: >"$REG_DIR/token.log"
inspect_ok "identity token" "docker://$TOKEN/team/app:1" --authfile "$CASE_DIR/identity.json"
grep -q "granted by identity token" "$REG_DIR/token.log" || die "the identity token was not exchanged: $(cat "$REG_DIR/token.log")"

# Nothing secret in anything imgscap printed or wrote, even verbose.
run_imgscap -v inspect "docker://$TOKEN/team/app:1" --creds "$REG_USER:$REG_PASSWORD"
expect_rc 0 "verbose inspect"
cp "$ERR" "$CASE_DIR/verbose.err"
secret_never_shown "$CASE_DIR/out-token" "$CASE_DIR/verbose.err" "$OUT"
! grep -qF -- "$REG_IDENTITY_TOKEN" "$CASE_DIR/verbose.err" "$OUT" || die "the identity token was shown"
echo "TLS, every credential source, helpers and the token flow work; no secret was shown"
