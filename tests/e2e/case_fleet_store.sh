#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The result store against a real registry (pulled through the harness's logging proxy): an
# immediate rerun pulls no blob and reports the same verdicts; a moved tag, a new repository, a
# fixed image and an image gone from the list show in `report --since last`; three --shard
# processes over one store give the fleet of one unsharded run; two runs at once on one store
# corrupt nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
start_registries
BASELINE="$IMGSCAP_SOURCE_DIR/content/imgscap-baseline-ds.xml"
STORE="$CASE_DIR/store"
healthy='"User": "1000", "Healthcheck": {"Test": ["CMD", "true"]}'
push_config_image ok "{$healthy}"
push_config_image secret "{$healthy, \"Env\": [\"API_TOKEN=hunter2\"]}"
push_config_image ssh "{$healthy, \"ExposedPorts\": {\"22/tcp\": {}}}"
push_config_image plain "{}"
push_config_image other "{$healthy, \"Labels\": {\"v\": \"2\"}}"
for name in ok secret ssh plain other; do
  echo "docker://$PROXY/fleet/$name:1"
done >"$CASE_DIR/images.txt"

fleet() {
  "$IMGSCAP" scan --images-from "$CASE_DIR/images.txt" --content "$BASELINE" --fail-on high \
    --creds "$REG_USER:$REG_PASSWORD" -q "$@" 2>>"$ERR"
}
blob_requests() { grep -c '^GET /v2/.*/blobs/' "$REG_DIR/proxy.log" || true; }
view() {
  python3 - "$1" <<'PY'
import json, sys
for i in sorted(json.load(open(sys.argv[1]))["images"], key=lambda i: i["reference"]):
    print(i["reference"], i["verdict"], i["manifest_digest"], json.dumps(i["failed_rules"], sort_keys=True))
PY
}

# fleet_expect CODE WHAT ARGS...: a fleet run (the proxy's log started afresh) exiting CODE.
fleet_expect() {
  local expected=$1 what=$2 rc=0
  shift 2
  : >"$REG_DIR/proxy.log"
  fleet "$@" || rc=$?
  [ "$rc" -eq "$expected" ] || die "$what: exit $rc $(cat "$ERR")"
}

fleet_expect 2 "first run" --store "$STORE" -o "$CASE_DIR/first" --jobs 2
[ "$(blob_requests)" -gt 0 ] || die "the first run pulled nothing: $(head "$REG_DIR/proxy.log")"

# An immediate rerun: no blob pulled, one manifest request per image, the same verdicts.
fleet_expect 2 "rerun" --store "$STORE" -o "$CASE_DIR/again" --jobs 2
[ "$(blob_requests)" -eq 0 ] || die "the rerun pulled blobs: $(grep blobs "$REG_DIR/proxy.log" | head -5)"
# (each after the anonymous attempt the registry answers with its Basic challenge)
[ "$(grep -c '^GET /v2/.*/manifests/.* auth=yes' "$REG_DIR/proxy.log")" -eq 5 ] ||
  die "expected one manifest request per image: $(cat "$REG_DIR/proxy.log")"
diff <(view "$CASE_DIR/first/summary.json") <(view "$CASE_DIR/again/summary.json") ||
  die "the rerun reports other verdicts"
python3 -c '
import json, sys
images = json.load(open(sys.argv[1]))["images"]
assert all(i["reused"] for i in images), images' "$CASE_DIR/again/summary.json" || die "results not reused"
for dir in "$CASE_DIR"/again/*@*; do
  [ -s "$dir/summary.json" ] && [ -s "$dir/arf.xml" ] || die "reused results incomplete in $dir"
done

# Between runs: plain's tag moves to another image, secret is fixed, ssh leaves the list and a
# new repository joins it.
push_config_image plain2 "{$healthy, \"Labels\": {\"moved\": \"yes\"}}" plain
push_config_image secret2 "{$healthy, \"Labels\": {\"fixed\": \"yes\"}}" secret
push_config_image new "{\"Env\": [\"DB_PASSWORD=x\"]}"
sed -i "/fleet\/ssh:1/d" "$CASE_DIR/images.txt"
echo "docker://$PROXY/fleet/new:1" >>"$CASE_DIR/images.txt"
fleet_expect 2 "third run" --store "$STORE" --jobs 2  # no -o: the store is the only output
run_imgscap report --store "$STORE" --since last --format json
expect_rc 2 "report"
python3 - "$OUT" "$PROXY" <<'PY' || die "report --since last: $(head -c 3000 "$OUT")"
import json, sys
report, proxy = json.load(open(sys.argv[1])), sys.argv[2]
ref = lambda name: f"docker://{proxy}/fleet/{name}:1"
c = report["changes"]
names = lambda key: sorted(i["reference"] for i in c[key])
assert names("new_images") == [ref("new")], c["new_images"]
assert names("gone_images") == [ref("ssh")], c["gone_images"]
assert names("newly_noncompliant") == [], c  # new is listed as new, with its verdict
assert c["new_images"][0]["verdict"] == "non-compliant", c["new_images"]
assert names("newly_compliant") == [ref("secret")], c["newly_compliant"]
assert sorted(m["reference"] for m in c["moved"]) == [ref("plain"), ref("secret")], c["moved"]
assert len(report["images"]) == 5 and report["exit_code"] == 2, report
PY
run_imgscap report --store "$STORE" --since last -o "$CASE_DIR/report"
grep -q "^Images gone (1):" "$OUT" && grep -q "^New images (1):" "$OUT" || die "text report: $(cat "$OUT")"
cmp -s "$OUT" "$CASE_DIR/report/summary.txt" || die "report -o wrote another summary than it printed"
python3 - "$CASE_DIR/report" <<'PY' || die "report -o annotations"
import json, os, sys
out = sys.argv[1]
lines = [json.loads(l) for l in open(os.path.join(out, "annotations.jsonl"))]
assert len(lines) == 5, lines  # five images in the latest run, five digests
deny = {l["references"][0].rsplit("/", 1)[1]: l["patch"]["metadata"]["annotations"]["images.openshift.io/deny-execution"] for l in lines}
assert deny == {"ok:1": "false", "secret:1": "false", "plain:1": "false", "other:1": "false", "new:1": "true"}, deny
assert len(os.listdir(os.path.join(out, "annotations"))) == 5
PY

# Three shards of one run over one store (at once) = one unsharded run.
shards=()
for shard in 0 1 2; do
  fleet --store "$CASE_DIR/sharded" --shard "$shard/3" --run-id nightly-1 &
  shards+=($!)
done
for pid in "${shards[@]}"; do
  wait "$pid" || true  # each shard's exit code is its own images'; the report tells the fleet's
done
run_imgscap report --store "$CASE_DIR/sharded" --format json
[ "$RC" -eq 2 ] || die "sharded report: $RC $(cat "$ERR")"
cp "$OUT" "$CASE_DIR/sharded.json"
set +e
fleet --no-store -o "$CASE_DIR/whole"
set -e
diff <(view "$CASE_DIR/sharded.json") <(view "$CASE_DIR/whole/summary.json") ||
  die "the shards' merged fleet differs from one run"
[ "$(ls "$CASE_DIR/sharded/runs" | wc -l)" -eq 3 ] || die "expected three shard records"

# Two whole runs at once on one fresh store: both complete, every stored result is whole.
set +e
fleet --store "$CASE_DIR/shared" -o "$CASE_DIR/a" &
a=$!
fleet --store "$CASE_DIR/shared" -o "$CASE_DIR/b" &
b=$!
wait "$a"
rc_a=$?
wait "$b"
rc_b=$?
set -e
[ "$rc_a" -eq 2 ] && [ "$rc_b" -eq 2 ] || die "concurrent runs: exit $rc_a and $rc_b $(cat "$ERR")"
diff <(view "$CASE_DIR/a/summary.json") <(view "$CASE_DIR/b/summary.json") || die "concurrent runs differ"
for result in "$CASE_DIR"/shared/results/*; do
  python3 -c 'import json, sys; json.load(open(sys.argv[1] + "/result.json")); json.load(open(sys.argv[1] + "/summary.json"))' \
    "$result" || die "a damaged stored result: $result"
done
[ -z "$(ls "$CASE_DIR/shared/tmp")" ] || die "leftovers in the store's tmp: $(ls "$CASE_DIR/shared/tmp")"
