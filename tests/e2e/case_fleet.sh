#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A fleet scan from a real registry (docker-registry with TLS and htpasswd, images pushed by
# skopeo): eight images, some with a secret in their environment (a high finding), and hostile
# or missing references in the list. Every image gets its verdict and a directory under -o
# (none outside it), --fail-on high denies execution exactly to the images with high findings,
# the OpenShift patches carry ManageIQ's annotations field by field, the text summary stays one
# line per image, and --jobs 2 gives the same fleet summary as one image at a time.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
AUTH=(--cert-dir "$CERTS" --creds "$REG_USER:$REG_PASSWORD")

# image NAME CONFIG_JSON: pushed as fleet/NAME:1 and listed.
image() {
  push_config_image "$1" "$2"
  echo "docker://$BASIC/fleet/$1:1" >>"$CASE_DIR/images.txt"
}
healthy='"User": "1000", "Healthcheck": {"Test": ["CMD", "true"]}'
{
  echo "# the fleet, as a cron job would list it"
  echo
} >"$CASE_DIR/images.txt"
image ok-1 "{$healthy, \"Labels\": {\"n\": \"1\"}}"
image ok-2 "{$healthy, \"Labels\": {\"n\": \"2\"}}"
image ok-3 "{$healthy, \"Labels\": {\"n\": \"3\"}}"
image secret-1 "{$healthy, \"Env\": [\"API_TOKEN=hunter2\"]}"
image secret-2 "{\"Env\": [\"DB_PASSWORD=hunter2\"]}"
image ssh "{$healthy, \"ExposedPorts\": {\"22/tcp\": {}}}"
image plain "{}"
image ok-again "{$healthy, \"Labels\": {\"n\": \"1\"}}"  # the same image as ok-1
# imgscap list: the registry's catalog and tags as references, exactly the images pushed.
run_imgscap list "docker://$BASIC" "${AUTH[@]}"
expect_rc 0 "list the registry"
grep "^docker://$BASIC/fleet/" "$CASE_DIR/images.txt" | sort >"$CASE_DIR/pushed"
sort "$OUT" >"$CASE_DIR/listed"
diff "$CASE_DIR/pushed" "$CASE_DIR/listed" || die "imgscap list differs from what was pushed"
run_imgscap list "docker://$BASIC/fleet/ok-1" "${AUTH[@]}" --format json
expect_rc 0 "list one repository"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["repositories"] == [{"name": "fleet/ok-1", "tags": ["1"]}], d' "$OUT" || die "list --format json: $(cat "$OUT")"
run_imgscap list "docker://$BASIC" --cert-dir "$CERTS"
expect_rc 1 "list without credentials"
expect_err_contains "requires authentication"

hostile=(
  "docker://$BASIC/fleet/missing:1"
  "../../../../etc"
  "docker://$BASIC/fleet/a$(printf '\001\033[31m')b:1"
  "docker://$BASIC/fleet/long:$(printf 'x%.0s' $(seq 10000))"
)
printf '%s\n' "${hostile[@]}" >>"$CASE_DIR/images.txt"

run_imgscap scan --images-from "$CASE_DIR/images.txt" --jobs 2 --content "$BASELINE" \
  --fail-on high "${AUTH[@]}" -o "$CASE_DIR/out" --format json --store "$CASE_DIR/store"
expect_rc 1 "a fleet with images that cannot be scanned"
cp "$OUT" "$CASE_DIR/printed.json"

python3 - "$CASE_DIR/out" "$CASE_DIR/printed.json" "$BASIC" <<'PY' || die "fleet results"
import json, os, re, sys
out, printed, registry = sys.argv[1], sys.argv[2], sys.argv[3]
summary = json.load(open(os.path.join(out, "summary.json")))
assert summary == json.load(open(printed)), "the printed summary differs from summary.json"
images = {i["reference"]: i for i in summary["images"]}
assert len(summary["images"]) == 12, len(summary["images"])
expect = {"ok-1": "compliant", "ok-2": "compliant", "ok-3": "compliant", "ok-again": "compliant",
          "secret-1": "non-compliant", "secret-2": "non-compliant", "ssh": "compliant",
          "plain": "compliant"}
for name, verdict in expect.items():
    image = images[f"docker://{registry}/fleet/{name}:1"]
    assert image["verdict"] == verdict, (name, image)
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", image["manifest_digest"]), image
    assert image["directory"] and "/" not in image["directory"], image
    assert image["directory"].endswith("@" + image["manifest_digest"][7:19]), image
    own = json.load(open(os.path.join(out, image["directory"], "summary.json")))
    assert own["image"]["manifest_digest"] == image["manifest_digest"]
assert images[f"docker://{registry}/fleet/secret-1:1"]["failed_rules"].get("high") == 1
assert images[f"docker://{registry}/fleet/ssh:1"]["failed_rules"].get("medium") == 1
errors = [i for i in summary["images"] if i["verdict"] == "error"]
assert len(errors) == 4 and all(e["error"] and not e["directory"] for e in errors), [(e["reference"][:80], e["error"][:200]) for e in summary["images"]]
assert summary["exit_code"] == 1
# Nothing but the fleet files and one directory per scanned image under -o.
entries = sorted(os.listdir(out))
dirs = sorted(i["directory"] for i in summary["images"] if i["directory"])
assert entries == sorted(dirs + ["annotations", "annotations.jsonl", "summary.json", "summary.txt"]), entries

# The annotations: one patch per scanned image, deny-execution exactly for the high findings.
# ok-again is ok-1 under another name: one image, one patch naming both references.
lines = [json.loads(l) for l in open(os.path.join(out, "annotations.jsonl"))]
assert len(lines) == 7, len(lines)
both = [l["references"] for l in lines if len(l["references"]) > 1]
assert both == [[f"docker://{registry}/fleet/ok-1:1", f"docker://{registry}/fleet/ok-again:1"]], both
for line in lines:
    ref, digest, patch = line["references"][0], line["image"], line["patch"]
    assert patch == json.load(open(os.path.join(out, "annotations", digest.replace(":", "-") + ".json")))
    a = patch["metadata"]["annotations"]
    assert set(a) == {"images.openshift.io/deny-execution", "security.manageiq.org/failed-policy",
                      "security.manageiq.org/successful-policy",
                      "quality.images.openshift.io/vulnerability.openscap"}, a
    high = "/fleet/secret-" in ref
    assert a["images.openshift.io/deny-execution"] == ("true" if high else "false"), (ref, a)
    assert (a["security.manageiq.org/failed-policy"] is not None) == high
    assert (a["security.manageiq.org/successful-policy"] is not None) == (not high)
    q = json.loads(a["quality.images.openshift.io/vulnerability.openscap"])
    assert isinstance(q["name"], str) and isinstance(q["compliant"], bool), q
    assert q["compliant"] == (not high)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", q["timestamp"]), q
    assert [s["label"] for s in q["summary"]] == ["critical", "high", "medium", "low"], q
    for s in q["summary"]:
        assert set(s) == {"label", "data", "severityIndex"} and isinstance(s["data"], str)
        assert isinstance(s["severityIndex"], int)
    assert (int(q["summary"][1]["data"]) > 0) == high, q
PY

# The text summary: 5 heading lines (with what the result store answered: the image listed
# under two tags is scanned once), one per image,
# 2 + 4 for the errors; nothing an image name could inject.
grep -q "^Result store: 1 unchanged (reused), 0 with only the CVE feed evaluated again, 7 scanned$" \
  "$CASE_DIR/out/summary.txt" || die "no result store line: $(head -5 "$CASE_DIR/out/summary.txt")"
lines=$(wc -l <"$CASE_DIR/out/summary.txt")
[ "$lines" -eq 23 ] || die "summary.txt has $lines lines: $(head -40 "$CASE_DIR/out/summary.txt")"
! grep -qP '[\x00-\x08\x0b-\x1f\x7f]' "$CASE_DIR/out/summary.txt" || die "control characters in summary.txt"
[ "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$CASE_DIR/out/summary.txt")" -lt 400 ] ||
  die "an over-long line in summary.txt"
[ ! -e "$CASE_DIR/etc" ] && [ ! -e "$CASE_DIR/../etc" ] || die "a reference escaped -o"

# One image at a time (each scanned again: no store) gives the same fleet.
run_imgscap scan --images-from "$CASE_DIR/images.txt" --jobs 1 --content "$BASELINE" \
  --fail-on high "${AUTH[@]}" -o "$CASE_DIR/sequential" -q --no-store
expect_rc 1 "the sequential fleet"
python3 - "$CASE_DIR/out/summary.json" "$CASE_DIR/sequential/summary.json" <<'PY' || die "--jobs 2 differs from --jobs 1"
import json, sys
def view(path):
    return [(i["reference"], i["verdict"], i["exit_code"], i["manifest_digest"], i["directory"],
             i["failed_rules"], i["worst"]) for i in json.load(open(path))["images"]]
a, b = view(sys.argv[1]), view(sys.argv[2])
assert a == b, [x for x in zip(a, b) if x[0] != x[1]]
PY

# imgscap list | imgscap scan --images-from -: the whole registry; without the secrets, exit 0.
"$IMGSCAP" list "docker://$BASIC" "${AUTH[@]}" | grep -v secret |
  "$IMGSCAP" scan --images-from - --content "$BASELINE" --fail-on high "${AUTH[@]}" \
    -o "$CASE_DIR/good" -q --no-store 2>"$ERR" || die "compliant fleet: exit $? $(cat "$ERR")"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["images"]))' "$CASE_DIR/good/summary.json")" -eq 6 ] ||
  die "the listed fleet is not the six images without secrets"
