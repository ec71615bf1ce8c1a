#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --attach against a real registry without the referrers API (docker-registry 2.8, TLS and
# htpasswd): the results are pushed as an OCI artifact whose subject is the scanned manifest,
# listed in the sha256-<hex> referrers tag, and read back with skopeo (its digest, subject,
# summary and gzip'ed ARF); a second attach replaces imgscap's entry; a fleet with a store
# attaches each result once; a non-registry image is refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
AUTH=(--cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD")
push_image "oci:$TINY_OCI_LAYOUT" "$BASIC/attach/tiny:1" --format oci
IMAGE="docker://$BASIC/attach/tiny:1"
ARTIFACT_TYPE=application/vnd.imgscap.scan.v1+json
sk() { skopeo "$1" "${AUTH[@]}" "${@:2}"; }

# check_attached OUT_DIR [REGISTRY]: the referrers tag lists exactly one imgscap artifact, which
# is the one just pushed; prints its digest.
check_attached() {
  local out=$1 registry=${2:-$BASIC} subject tag index artifact
  subject=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["image"]["manifest_digest"])' "$out/summary.json")
  tag="sha256-${subject#sha256:}"
  sk inspect --raw "docker://$registry/attach/tiny:$tag" >"$CASE_DIR/index.json" ||
    die "no referrers tag $tag"
  artifact=$(python3 - "$CASE_DIR/index.json" "$ARTIFACT_TYPE" <<'PY'
import json, sys
index, kind = json.load(open(sys.argv[1])), sys.argv[2]
assert index["mediaType"] == "application/vnd.oci.image.index.v1+json", index
ours = [m for m in index["manifests"] if m.get("artifactType") == kind]
assert len(ours) == 1, index
assert ours[0]["mediaType"] == "application/vnd.oci.image.manifest.v1+json", ours
print(ours[0]["digest"])
PY
  ) || die "referrers index: $(cat "$CASE_DIR/index.json")"
  sk inspect --raw "docker://$registry/attach/tiny@$artifact" >"$CASE_DIR/artifact.json"
  [ "sha256:$(sha256sum <"$CASE_DIR/artifact.json" | cut -d' ' -f1)" = "$artifact" ] ||
    die "the artifact's bytes do not have its digest"
  sk inspect --raw "docker://$registry/attach/tiny@$subject" >"$CASE_DIR/subject.json"
  python3 - "$CASE_DIR/artifact.json" "$subject" "$(stat -c %s "$CASE_DIR/subject.json")" "$ARTIFACT_TYPE" <<'PY' ||
import json, sys
m, subject, size, kind = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), sys.argv[4]
assert m["artifactType"] == kind and m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json", m
assert m["subject"]["digest"] == subject and m["subject"]["size"] == size, m["subject"]
titles = [l["annotations"]["org.opencontainers.image.title"] for l in m["layers"]]
assert titles == ["summary.json", "arf.xml.gz"], titles
assert m["annotations"]["org.imgscap.verdict"] in ("compliant", "non-compliant"), m["annotations"]
PY
    die "artifact manifest: $(cat "$CASE_DIR/artifact.json")"
  echo "$artifact"
}

run_imgscap scan "$IMAGE" --content "$BASELINE" "${AUTH[@]}" --attach -o "$CASE_DIR/one" -q
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "scan --attach: $RC $(cat "$ERR")"
first=$(check_attached "$CASE_DIR/one")

# read_back ARTIFACT OUT_DIR: skopeo copies the artifact; its layers are the summary written
# and the ARF, gzip'ed.
read_back() {
  rm -rf "$CASE_DIR/copy"
  skopeo copy -q --src-cert-dir "$CERTS" --src-creds "$REG_USER:$REG_PASSWORD" \
    "docker://$BASIC/attach/tiny@$1" "oci:$CASE_DIR/copy:results" 2>"$CASE_DIR/copy.err" ||
    die "skopeo copy of the artifact: $(cat "$CASE_DIR/copy.err")"
  python3 - "$CASE_DIR/copy" "$2" "$1" <<'PY' || die "artifact read back ($2)"
import gzip, json, os, sys
layout, out, digest = sys.argv[1:]
blob = lambda d: open(os.path.join(layout, "blobs", *d.split(":")), "rb").read()
index = json.load(open(os.path.join(layout, "index.json")))
assert index["manifests"][0]["digest"] == digest, index
m = json.loads(blob(digest))
summary, arf = m["layers"]
assert blob(summary["digest"]) == open(os.path.join(out, "summary.json"), "rb").read()
assert gzip.decompress(blob(arf["digest"])) == open(os.path.join(out, "arf.xml"), "rb").read()
PY
}
read_back "$first" "$CASE_DIR/one"

# Attached again: imgscap's entry is replaced, not added.
run_imgscap scan "$IMAGE" --content "$BASELINE" "${AUTH[@]}" --attach -o "$CASE_DIR/two" -q
second=$(check_attached "$CASE_DIR/two")
[ "$second" != "$first" ] || die "the second attach did not push a new artifact"

# Behind token auth: the pull token is exchanged for one with push rights when pushing.
push_image "oci:$TINY_OCI_LAYOUT" "$TOKEN/attach/tiny:1" --format oci
run_imgscap scan "docker://$TOKEN/attach/tiny:1" --content "$BASELINE" "${AUTH[@]}" --attach \
  -o "$CASE_DIR/token" -q
[ "$RC" -eq 0 ] || [ "$RC" -eq 2 ] || die "scan --attach with token auth: $RC $(cat "$ERR")"
check_attached "$CASE_DIR/token" "$TOKEN" >/dev/null

# A fleet with a store: attached when scanned, and a result stored without --attach is
# attached when a later run asks for it (once).
echo "$IMAGE" >"$CASE_DIR/images.txt"
fleet() {
  "$IMGSCAP" scan --images-from "$CASE_DIR/images.txt" --content "$BASELINE" "${AUTH[@]}" \
    --store "$CASE_DIR/store" -q "$@" 2>>"$ERR" || [ $? -eq 2 ]
}
fleet -o "$CASE_DIR/f1"
fleet -o "$CASE_DIR/f2" --attach
fleet -o "$CASE_DIR/f3" --attach
third=$(check_attached "$(ls -d "$CASE_DIR"/f2/*@*)")
read_back "$third" "$(ls -d "$CASE_DIR"/f2/*@*)"  # the stored result's own ARF, not an empty one
python3 - "$CASE_DIR" "$third" <<'PY' || die "fleet attach"
import json, sys
case, third = sys.argv[1:]
image = lambda run: json.load(open(f"{case}/{run}/summary.json"))["images"][0]
assert image("f1")["attached"] == "", image("f1")
assert image("f2")["reused"] and image("f2")["attached"] == third, image("f2")
assert image("f3")["reused"] and image("f3")["attached"] == third, image("f3")
PY

run_imgscap scan "oci:$TINY_OCI_LAYOUT" --content "$BASELINE" --attach -o "$CASE_DIR/local"
expect_rc 1 "--attach on a layout"
expect_err_contains "it needs a docker:// image"
secret_never_shown "$CASE_DIR/one" "$CASE_DIR/f2" "$CASE_DIR/token" "$ERR"
no_leftover_workdirs
