#!/usr/bin/env bash
# images.sh - build the node's two images without any registry and import them into our containerd (namespace
# k8s.io, where the CRI plugin looks):
#   $PAUSE_IMAGE    the pod sandbox image (containerd's sandbox_image): one static C binary, /pause, that exits 0 on
#                   SIGINT/SIGTERM and reaps the zombies handed to it (SIGCHLD), built with gcc -Os -static
#   $TESTBOX_IMAGE  Debian's busybox-static with every applet (sh, ping, httpd, nslookup, nc, ip, ...) in /bin
#                   (and /sbin, /usr/bin, /usr/sbin linking to it), /www/index.html for httpd, and a default
#                   command that sleeps until SIGTERM
# Each image is written by hand as an OCI image layout (one gzip layer, config, manifest, index) with tar and
# sha256sum, reproducibly (sorted entries, uid/gid 0, mtime 0, gzip -n), so the same inputs always give the same
# manifest digest. An image that containerd already holds under its name with that digest is not re-imported.
# Archives in .cache/images. Needs containerd up (hack/node-up.sh starts it and then runs this script).
# Usage: hack/images.sh
. "$(dirname "$0")/lib.sh"

OUT=$ROOT/.cache/images
CTR=(ctr -a "$CONTAINERD_SOCK" -n k8s.io)
[ -x /bin/busybox ] && dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
  die "busybox-static is not installed (hack/install-deps.sh)"
"${CTR[@]}" version >/dev/null 2>&1 || die "containerd does not answer on $CONTAINERD_SOCK: run hack/node-up.sh"
mkdir -p "$OUT"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
# reproducible_tar DIR OUT NAMES... : tar NAMES (relative to DIR) with sorted entries, root ownership and mtime 0.
reproducible_tar() {
  local dir=$1 out=$2; shift 2
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime -C "$dir" -cf "$out" "$@"
}

# oci_archive NAME REF ROOTFS CONFIG : write $OUT/NAME.tar, an OCI image layout holding REF (named by the
# io.containerd.image.name annotation, which `ctr images import` uses as is) with ROOTFS as its one layer and
# CONFIG (JSON members of the image config's "config" object) as its run configuration. Prints the manifest digest.
oci_archive() {
  local name=$1 ref=$2 rootfs=$3 config=$4
  local w=$OUT/$name.layout layer diff_id layer_d cfg cfg_d man man_d
  rm -rf "$w"; mkdir -p "$w/blobs/sha256"
  layer=$w/layer.tar
  (cd "$rootfs" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) > "$w/top"
  mapfile -t top < "$w/top"
  reproducible_tar "$rootfs" "$layer" "${top[@]}"
  diff_id=$(sha "$layer")
  gzip -n -9 < "$layer" > "$layer.gz"
  layer_d=$(sha "$layer.gz"); mv "$layer.gz" "$w/blobs/sha256/$layer_d"
  cfg=$w/config.json
  printf '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"stackube hack/images.sh"}]}' \
    "$config" "$diff_id" > "$cfg"
  cfg_d=$(sha "$cfg")
  man=$w/manifest.json
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
    "$cfg_d" "$(size "$cfg")" "$layer_d" "$(size "$w/blobs/sha256/$layer_d")" > "$man"
  man_d=$(sha "$man")
  mv "$cfg" "$w/blobs/sha256/$cfg_d"; mv "$man" "$w/blobs/sha256/$man_d"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$man_d" "$(size "$w/blobs/sha256/$man_d")" "$ref" "${ref##*:}" > "$w/index.json"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$w/oci-layout"
  rm -f "$layer" "$w/top"
  reproducible_tar "$w" "$OUT/$name.tar.tmp" oci-layout index.json blobs
  mv "$OUT/$name.tar.tmp" "$OUT/$name.tar"
  rm -rf "$w"
  echo "sha256:$man_d"
}

# import NAME REF DIGEST : import $OUT/NAME.tar unless containerd already has REF at DIGEST.
import() {
  local name=$1 ref=$2 digest=$3 have
  have=$("${CTR[@]}" images ls "name==$ref" 2>/dev/null | awk -v r="$ref" '$1 == r {print $3}')
  if [ "$have" = "$digest" ]; then ts "image $ref up to date (${digest:7:12})"; return 0; fi
  "${CTR[@]}" images import "$OUT/$name.tar" >/dev/null
  have=$("${CTR[@]}" images ls "name==$ref" 2>/dev/null | awk -v r="$ref" '$1 == r {print $3}')
  [ "$have" = "$digest" ] || die "importing $OUT/$name.tar did not give $ref at $digest (containerd has '${have:-nothing}')"
  ts "image $ref imported (${digest:7:12})"
}

# ---------------------------------------------------------------- pause
PAUSE_SRC=$(cat <<'EOF'
/* pause - the stackube pod sandbox process: holds the pod's namespaces, exits 0 on SIGINT/SIGTERM, and as the
 * pod's PID 1 (shared PID namespace) reaps the orphans re-parented to it. Built by hack/images.sh. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void down(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }

int main(int argc, char **argv) {
  struct sigaction sa;
  if (argc > 1 && strcmp(argv[1], "-v") == 0) { puts("stackube-pause 1"); return 0; }
  if (getpid() != 1) fprintf(stderr, "pause: warning: not running as PID 1\n");
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = down;
  if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) return 1;
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  if (sigaction(SIGCHLD, &sa, NULL) < 0) return 2;
  for (;;) pause();
}
EOF
)
P=$OUT/pause-rootfs
src_sum=$(printf '%s\n' "$PAUSE_SRC" | sha256sum | cut -c1-16)
if [ "$(cat "$OUT/pause.src-sum" 2>/dev/null)" != "$src_sum" ] || [ ! -x "$P/pause" ]; then
  rm -rf "$P"; mkdir -p "$P"
  printf '%s\n' "$PAUSE_SRC" > "$OUT/pause.c"
  gcc -Os -static -s -Wall -Werror -o "$P/pause" "$OUT/pause.c"
  echo "$src_sum" > "$OUT/pause.src-sum"
fi
chmod 755 "$P" "$P/pause"
pause_d=$(oci_archive pause "$PAUSE_IMAGE" "$P" '"Entrypoint":["/pause"],"WorkingDir":"/"')
import pause "$PAUSE_IMAGE" "$pause_d"

# ---------------------------------------------------------------- testbox
T=$OUT/testbox-rootfs
rm -rf "$T"; mkdir -p "$T"/{bin,usr,etc,root,tmp,var/run,www,proc,sys,dev}
# Merged /usr: every applet is in /bin, and /sbin, /usr/bin, /usr/sbin point there, so both /bin/httpd and
# /usr/sbin/httpd work.
cp /bin/busybox "$T/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ -e "$T/bin/$applet" ] || ln -s busybox "$T/bin/$applet"
done
ln -s bin "$T/sbin"; ln -s ../bin "$T/usr/bin"; ln -s ../bin "$T/usr/sbin"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$T/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' > "$T/etc/group"
echo "hello from stackube testbox" > "$T/www/index.html"
find "$T" -type d -exec chmod 755 {} +
chmod 1777 "$T/tmp"; chmod 700 "$T/root"
chmod 644 "$T/etc/passwd" "$T/etc/group" "$T/www/index.html"; chmod 755 "$T/bin/busybox"
# The default command idles until SIGTERM (a shell as PID 1 would otherwise ignore it until the grace period ends).
tb_cmd='"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"],"WorkingDir":"/"'
testbox_d=$(oci_archive testbox "$TESTBOX_IMAGE" "$T" "$tb_cmd")
import testbox "$TESTBOX_IMAGE" "$testbox_d"
