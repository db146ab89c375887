#!/usr/bin/env bash
# build-node.sh - build the node's upstream binaries from their Go modules at the versions pinned in versions.env:
#   kubelet                              .cache/kube/$KUBE_VERSION/bin          (hack/build-kube.sh kubelet)
#   cri-pods                             .cache/kube/$KUBE_VERSION/bin          (hack/cri-pods: list/remove pod
#                                        sandboxes over CRI while the kubelet is stopped; there is no crictl)
#   runsc, containerd-shim-runsc-v1      .cache/gvisor/$GVISOR_VERSION/bin      (gvisor.dev/gvisor, `go` branch)
#   bridge, host-local, loopback         .cache/cni-plugins/$CNI_PLUGINS_VERSION/bin
#                                        (github.com/containernetworking/plugins)
# Each module is required by a small go.mod in <cache dir>/src (as build-kube.sh does for Kubernetes). Idempotent:
# a binary that exists is not rebuilt; a new version gets a new folder. The gVisor and CNI binaries are static
# (CGO_ENABLED=0), as upstream builds them: runsc re-executes itself inside its sandbox, and CNI plugins run in
# whatever environment the runtime gives them. Prints each build's wall time.
# Usage: hack/build-node.sh   (run it under `nice` on a busy machine; the first gVisor build takes minutes)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
. "$ROOT/hack/versions.env"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

now() { echo "${EPOCHREALTIME/./}"; }
took() { local d=$(( ($(now) - $1) / 100000 )); printf '%d.%ds' $((d / 10)) $((d % 10)); }

# build_from_module NAME MODULE VERSION OUT PKG:BIN... : in $OUT/src, a go.mod requiring MODULE@VERSION; then
# `go build` each PKG (a package path inside MODULE) into $OUT/bin/BIN unless that binary exists.
# With PATCHES set (patch files with paths a/<file> b/<file> relative to the module root), the module is copied to
# $OUT/src/module, patched there and used through a `replace` (the module cache stays pristine; `go build
# -overlay` may not replace files in it); a change of the patches rebuilds every binary of the module.
build_from_module() {
  local name=$1 mod=$2 ver=$3 out=$4; shift 4
  local spec pkg bin missing=() t0 modfile goversion moddir p psum=none
  [ -z "${PATCHES:-}" ] || psum=$(cat $PATCHES | sha256sum | cut -c1-16)
  if [ "$(cat "$out/bin/.patches" 2>/dev/null || echo none)" != "$psum" ]; then
    missing=("$@")
  else
    for spec in "$@"; do [ -x "$out/bin/${spec#*:}" ] || missing+=("$spec"); done
  fi
  if [ ${#missing[@]} -eq 0 ]; then echo "$name $ver: already built"; return 0; fi
  mkdir -p "$out/src" "$out/bin"
  (
    cd "$out/src"
    grep -q "^require $mod $ver\$" go.mod 2>/dev/null || rm -f go.sum
    modfile=$(go mod download -json "$mod@$ver" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [ -f "$modfile" ] || { echo "build-node: cannot download $mod@$ver" >&2; exit 1; }
    goversion=$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$modfile")
    printf 'module stackube.local/%sbuild\n\ngo %s\n\nrequire %s %s\n' "$name" "$goversion" "$mod" "$ver" > go.mod
    if [ -n "${PATCHES:-}" ]; then
      if [ "$(cat module/.stackube-patches 2>/dev/null)" != "$psum" ]; then
        moddir=$(go mod download -json "$mod@$ver" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
        rm -rf module; cp -r "$moddir" module; chmod -R u+w module
        for p in $PATCHES; do patch -s -p1 -d module < "$p"; echo "patched $name with $(basename "$p")"; done
        echo "$psum" > module/.stackube-patches
      fi
      printf '\nreplace %s => ./module\n' "$mod" >> go.mod
    else
      rm -rf module
    fi
    for spec in "${missing[@]}"; do
      pkg=$mod/${spec%%:*}; bin=${spec#*:}
      echo "building $bin from $pkg@$ver"
      t0=$(now)
      CGO_ENABLED=0 go build -trimpath -buildvcs=false ${LDFLAGS:+-ldflags "$LDFLAGS"} -o "$out/bin/$bin.tmp" "$pkg"
      mv "$out/bin/$bin.tmp" "$out/bin/$bin"
      echo "built $bin in $(took "$t0")"
    done
    echo "$psum" > "$out/bin/.patches"
  )
}

t0=$(now)
"$ROOT/hack/build-kube.sh" kubelet
echo "kubelet step took $(took "$t0")"

# cri-pods (hack/cri-pods/main.go), built inside the kubelet's module so it uses the same k8s.io/cri-api.
KOUT=$ROOT/.cache/kube/$KUBE_VERSION
src_sum=$(sha256sum "$ROOT/hack/cri-pods/main.go" | cut -c1-16)
if [ -x "$KOUT/bin/cri-pods" ] && [ "$(cat "$KOUT/bin/cri-pods.sum" 2>/dev/null)" = "$src_sum" ]; then
  echo "cri-pods: already built"
else
  t0=$(now)
  mkdir -p "$KOUT/src/cri-pods"
  cp "$ROOT/hack/cri-pods/main.go" "$KOUT/src/cri-pods/main.go"
  (cd "$KOUT/src" && go build -trimpath -buildvcs=false -o "$KOUT/bin/cri-pods.tmp" ./cri-pods)
  mv "$KOUT/bin/cri-pods.tmp" "$KOUT/bin/cri-pods"
  echo "$src_sum" > "$KOUT/bin/cri-pods.sum"
  echo "built cri-pods in $(took "$t0")"
fi

# runsc prints this with `runsc --version` (upstream stamps it the same way).
# The shim must survive a missing CAP_SYS_RESOURCE (hack/patches/gvisor-shim-oom-score.patch).
LDFLAGS="-X gvisor.dev/gvisor/runsc/version.version=$GVISOR_VERSION" PATCHES="$ROOT/hack/patches/gvisor-shim-oom-score.patch" \
  build_from_module gvisor gvisor.dev/gvisor "$GVISOR_VERSION" "$ROOT/.cache/gvisor/$GVISOR_VERSION" \
  runsc:runsc shim:containerd-shim-runsc-v1

LDFLAGS="-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" \
  build_from_module cni-plugins github.com/containernetworking/plugins "$CNI_PLUGINS_VERSION" \
  "$ROOT/.cache/cni-plugins/$CNI_PLUGINS_VERSION" \
  plugins/main/bridge:bridge plugins/ipam/host-local:host-local plugins/main/loopback:loopback
