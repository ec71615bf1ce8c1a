#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package as a user meets it. cpack builds the .deb from this build tree; its control
# file must declare the shared libraries (dpkg-shlibdeps) and libopenscap's run-time data, and it
# must hold the binary, the content, the man page and the three completions (the same scripts
# `imgscap completion` prints). Then apt installs it, with only the dependencies it declares, from
# Debian's archive into a fresh Debian 12 tree (debootstrap minbase, cached as a tarball and
# unpacked anew each run), plus ssg-debian and bash-completion. There, with the tree as the root
# of a private mount namespace (pivot_root, so that the sandbox's user namespace works as on a
# host; a chroot would forbid it), the installed imgscap scans the Debian 11 image with its
# default content and sandbox, and bash-completion finds its completion.
# ctest-labels: package
# ctest-cost: 75
source "$(dirname "$0")/lib.sh"
: "${IMGSCAP_BUILD_DIR:?the build tree to package}"
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (debootstrap, mounts)"; exit 77; }
for tool in cpack dpkg-shlibdeps debootstrap unshare pivot_root; do
  command -v "$tool" >/dev/null || { echo "SKIP: no $tool"; exit 77; }
done

# 1. The package and what it declares.
cpack -G DEB -B "$CASE_DIR/pkg" --config "$IMGSCAP_BUILD_DIR/CPackConfig.cmake" \
  >"$CASE_DIR/cpack.log" 2>&1 || die "cpack: $(tail -20 "$CASE_DIR/cpack.log")"
debs=("$CASE_DIR"/pkg/imgscap_*.deb)
[ "${#debs[@]}" -eq 1 ] && [ -f "${debs[0]}" ] || die "cpack made no single .deb: ${debs[*]}"
deb=${debs[0]}
depends=$(dpkg-deb -f "$deb" Depends)
for dependency in libopenscap25 libarchive13 libcurl4 libxml2 libyaml-cpp0.7 openscap-common \
  rpm-common; do
  [[ ", $depends," == *", $dependency"[\ ,]* ]] || die "Depends lacks $dependency: $depends"
done
[[ $(dpkg-deb -f "$deb" Recommends) == *ssg-debian* ]] || die "ssg-debian is not recommended"
dpkg-deb -x "$deb" "$CASE_DIR/contents"
for path in usr/bin/imgscap usr/share/imgscap/imgscap-baseline-ds.xml \
  usr/share/imgscap/ssg-catalogue.json usr/share/imgscap/cve-feeds.json \
  usr/share/man/man1/imgscap.1 usr/share/doc/imgscap/LICENSE; do
  [ -s "$CASE_DIR/contents/$path" ] || die "the package lacks /$path"
done
declare -A completion_paths=([bash]=usr/share/bash-completion/completions/imgscap
  [zsh]=usr/share/zsh/vendor-completions/_imgscap
  [fish]=usr/share/fish/vendor_completions.d/imgscap.fish)
for shell in bash zsh fish; do
  run_imgscap completion "$shell"
  cmp -s "$OUT" "$CASE_DIR/contents/${completion_paths[$shell]}" ||
    die "the packaged $shell completion is not what imgscap completion $shell prints"
done
! readelf -S "$CASE_DIR/contents/usr/bin/imgscap" | grep -q '\.symtab' ||
  die "the packaged binary is not stripped"

# 2. cmake --install under another prefix: zsh's completion goes to site-functions there, and
# the installed binary scans with the content installed beside it, not the source tree's.
local_prefix="$CASE_DIR/local"
cmake --install "$IMGSCAP_BUILD_DIR" --prefix "$local_prefix" >"$CASE_DIR/install.log" ||
  die "cmake --install: $(tail "$CASE_DIR/install.log")"
for path in bin/imgscap share/imgscap/imgscap-baseline-ds.xml share/man/man1/imgscap.1 \
  share/bash-completion/completions/imgscap share/zsh/site-functions/_imgscap \
  share/fish/vendor_completions.d/imgscap.fish; do
  [ -s "$local_prefix/$path" ] || die "cmake --install put no $path under the prefix"
done
set +e
"$local_prefix/bin/imgscap" scan "oci-archive:$TINY_OCI_ARCHIVE" -q -o "$CASE_DIR/local-out" 2>"$ERR"
RC=$?
set -e
expect_rc 2 "scan by the binary installed under $local_prefix (the baseline fails a rule on the tiny image)"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); p=[e["content"]["path"] for e in s["evaluations"]]; assert p==[sys.argv[2]], p' \
  "$CASE_DIR/local-out/summary.json" "$local_prefix/share/imgscap/imgscap-baseline-ds.xml" ||
  die "the installed binary did not use its installed content"

# 3. A fresh Debian 12 tree.
tree_tar="$IMGSCAP_E2E_CACHE/debian12-minbase.tar"
if [ ! -f "$tree_tar" ]; then
  echo "debootstrap bookworm (minbase)..." >&2
  # In a mount namespace of its own: the proc and sys it mounts in the tree go with it, even
  # when ctest kills the case midway.
  unshare --mount --propagation private -- \
    debootstrap --variant=minbase bookworm "$CASE_DIR/tree" >"$CASE_DIR/debootstrap.log" 2>&1 ||
    die "debootstrap: $(tail -20 "$CASE_DIR/debootstrap.log")"
  rm -f "$CASE_DIR/tree/var/cache/apt/archives/"*.deb
  tar -C "$CASE_DIR/tree" --numeric-owner -cf "$tree_tar.$$" . && mv "$tree_tar.$$" "$tree_tar"
  rm -rf "$CASE_DIR/tree"
fi
root="$CASE_DIR/root"
mkdir "$root"
tar -C "$root" --numeric-owner -xf "$tree_tar"
cp "$deb" "$root/tmp/"
cp "$DEBIAN11_DOCKER_ARCHIVE" "$root/tmp/image.tar"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

# in_tree COMMAND...: COMMAND as root with the tree as / (and the host's /dev, a new /proc and
# /sys) in mount and PID namespaces of its own: the host's root is unmounted from it before
# COMMAND, and whatever COMMAND leaves running (a daemon a postinst starts) dies with it.
in_tree() {
  unshare --mount --pid --fork --propagation private -- /bin/bash -euc '
    root=$1
    shift
    mount --bind "$root" "$root"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    cd "$root"
    mkdir -p .host
    pivot_root . .host
    exec /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      DEBIAN_FRONTEND=noninteractive /bin/sh -c "umount -l /.host && rmdir /.host && exec \"\$@\"" \
      sh "$@"
  ' in_tree "$root" "$@"
}

# 4. apt resolves what the package declares.
apt=(apt-get -o Acquire::Retries=3)
in_tree "${apt[@]}" update -qq >"$CASE_DIR/apt.log" 2>&1 || die "apt-get update: $(tail "$CASE_DIR/apt.log")"
in_tree "${apt[@]}" install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" ssg-debian \
  bash-completion >>"$CASE_DIR/apt.log" 2>&1 || die "apt-get install: $(tail -30 "$CASE_DIR/apt.log")"
in_tree dpkg-query -W -f='${Status}' imgscap | grep -q 'install ok installed' ||
  die "imgscap is not installed in the tree"
missing=$(in_tree ldd /usr/bin/imgscap | grep 'not found' || true)
[ -z "$missing" ] || die "libraries the package does not bring: $missing"
in_tree imgscap --version >"$OUT" 2>"$ERR" || die "imgscap --version: $(cat "$ERR")"
grep -Eq '^imgscap [0-9.]+ \(libopenscap [0-9.]+\)$' "$OUT" || die "--version: $(cat "$OUT")"

# 5. The installed imgscap scans an image with its default content, in its sandbox.
set +e
in_tree imgscap scan docker-archive:/tmp/image.tar -q -o /tmp/out 2>"$ERR"
RC=$?
set -e
expect_rc 2 "default scan in the installed tree (the baseline fails rules on Debian 11)"
python3 - "$root/tmp/out/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
got = [(e["name"], e["content"]["path"]) for e in s["evaluations"]]
want = [("baseline", "/usr/share/imgscap/imgscap-baseline-ds.xml"),
        ("ssg-debian11", "/usr/share/xml/scap/ssg/content/ssg-debian11-ds.xml")]
assert got == want, got
assert s["sandbox"]["isolated"], s["sandbox"]
assert s["verdict"] == "non-compliant" and s["counts"]["fail"] > 0, (s["verdict"], s["counts"])
assert s["os"]["id"] == "debian" and s["os"]["version_id"] == "11", s["os"]
PY
for f in baseline-arf.xml baseline-report.html ssg-debian11-arf.xml results.sarif junit.xml; do
  [ -s "$root/tmp/out/$f" ] || die "the scan in the tree wrote no $f"
done

# 6. bash-completion loads the installed completion on demand, as in a user's shell.
in_tree bash -c '. /usr/share/bash-completion/bash_completion && __load_completion imgscap &&
  complete -p imgscap' >"$OUT" 2>"$ERR" || die "bash-completion: $(cat "$ERR")"
grep -qx 'complete -F _imgscap imgscap' "$OUT" || die "bash-completion loaded: $(cat "$OUT")"
