#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# For the registry cases: start_registries runs tests/e2e/registry_harness.py (real
# docker-registry instances with TLS, htpasswd and token auth, a fault-injecting proxy) and
# defines REG_* (ports, user, password), CERTS (a --cert-dir with the test CA) and push_image.
# The harness is stopped when the case ends.

start_registries() {
  local dir="$CASE_DIR/registries"
  python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/registry_harness.py" "$dir" >"$CASE_DIR/harness.log" 2>&1 &
  HARNESS_PID=$!
  trap 'rc=$?; kill "$HARNESS_PID" 2>/dev/null; wait "$HARNESS_PID" 2>/dev/null; (exit "$rc"); finish_case' EXIT
  for _ in $(seq 150); do
    [ -f "$dir/env.sh" ] && break
    kill -0 "$HARNESS_PID" 2>/dev/null || die "registry harness failed: $(cat "$CASE_DIR/harness.log")"
    sleep 0.2
  done
  [ -f "$dir/env.sh" ] || die "registry harness did not start: $(cat "$CASE_DIR/harness.log")"
  # shellcheck disable=SC1091
  source "$dir/env.sh"
  CERTS="$CASE_DIR/certs"
  mkdir -p "$CERTS"
  cp "$REG_DIR/ca.crt" "$CERTS/ca.crt"
  BASIC="localhost:$REG_BASIC_PORT"
  TOKEN="localhost:$REG_TOKEN_PORT"
  MTLS="localhost:$REG_MTLS_PORT"
  PROXY="127.0.0.1:$REG_PROXY_PORT"
}

# push_image SOURCE DESTINATION [skopeo copy options...]: a real client's push, with the test
# CA and credentials.
push_image() {
  local source=$1 destination=$2
  shift 2
  skopeo copy -q --dest-cert-dir "$CERTS" --dest-creds "$REG_USER:$REG_PASSWORD" "$@" \
    "$source" "docker://$destination" >"$CASE_DIR/push.log" 2>&1 ||
    die "skopeo copy $source $destination failed: $(cat "$CASE_DIR/push.log")"
}

# secret_never_shown PATH...: fails when the password or a bearer token the token service
# issued appears in any file under PATH.
secret_never_shown() {
  local where
  for where in "$@"; do
    if grep -rqF -- "$REG_PASSWORD" "$where" 2>/dev/null; then
      die "the password appears in $where"
    fi
    if [ -f "$REG_DIR/token.log" ]; then
      local token
      while read -r _ token; do
        [ -n "$token" ] || continue
        ! grep -rqF -- "$token" "$where" 2>/dev/null || die "a bearer token appears in $where"
      done < <(grep '^issued ' "$REG_DIR/token.log")
    fi
  done
}

# push_config_image NAME CONFIG_JSON [TAG_NAME]: the tiny image with CONFIG's keys (no new
# layer), pushed as fleet/NAME:1 (or fleet/TAG_NAME:1).
push_config_image() {
  local name=$1 config=$2 tag=${3:-$1}
  echo "{\"config\": $config, \"layers\": []}" >"$CASE_DIR/$name.json"
  rm -rf "${CASE_DIR:?}/$name"
  python3 "$IMGSCAP_SOURCE_DIR/tests/e2e/make_image.py" "$CASE_DIR/$name.json" "$CASE_DIR/$name" \
    --tag 1 --base "$TINY_OCI_LAYOUT" >/dev/null
  push_image "oci:$CASE_DIR/$name:1" "$BASIC/fleet/$tag:1" --format oci
}
