#!/usr/bin/env bash
# build-kube.sh - build the upstream Kubernetes binaries from the k8s.io/kubernetes Go module at the pinned
# version into .cache/kube/$KUBE_VERSION/bin. Idempotent: does nothing when every binary is already there.
# Usage: hack/build-kube.sh [binary...]   (default: kube-apiserver kube-controller-manager kube-scheduler kubectl)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
. "$ROOT/hack/versions.env"
OUT=$ROOT/.cache/kube/$KUBE_VERSION
BINS=("$@"); [ ${#BINS[@]} -gt 0 ] || BINS=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
# The version the binaries report (kubectl version, /version, the kubelet's Node status): Kubernetes' own release
# build stamps it with -X (hack/lib/version.sh); a plain module build would say v0.0.0-master, which kubectl
# cannot parse. A binary built without the current stamp (its .stamp file differs) is rebuilt (only relinked).
kminor=${KUBE_VERSION#v1.}; kminor=${kminor%%.*}
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kminor -X $pkg.gitTreeState=clean"
done
missing=(); for b in "${BINS[@]}"; do
  [ -x "$OUT/bin/$b" ] && [ "$(cat "$OUT/bin/$b.stamp" 2>/dev/null)" = "$LDFLAGS" ] || missing+=("$b")
done
[ ${#missing[@]} -eq 0 ] && { echo "kube $KUBE_VERSION: ${BINS[*]} already built"; exit 0; }
mkdir -p "$OUT/src" "$OUT/bin"
cd "$OUT/src"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
if [ ! -f go.mod ] || ! grep -q "k8s.io/kubernetes $KUBE_VERSION" go.mod; then
  modfile=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # The sample-* staging modules are never imported by the commands we build (and the proxy may lack them).
  staging=$(sed -n '/^replace (/,/^)/p' "$modfile" | awk '$2=="=>" && $3 ~ /staging/ && $1 !~ /sample-/ {print $1}')
  minor=${KUBE_VERSION#v1.}
  {
    echo "module stackube.local/kubebuild"
    echo "go 1.23.0"
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo "replace ("
    for m in $staging; do echo "  $m => $m v0.$minor"; done
    echo ")"
  } > go.mod
  printf 'package main\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\nfunc main() {}\n' > tools.go
  go mod tidy >/dev/null 2>&1 || true
fi
for b in "${missing[@]}"; do
  echo "building $b $KUBE_VERSION (first build takes minutes; later builds use Go's cache)"
  go build -trimpath -ldflags "$LDFLAGS" -o "$OUT/bin/$b.tmp" "k8s.io/kubernetes/cmd/$b"
  mv "$OUT/bin/$b.tmp" "$OUT/bin/$b"
  printf '%s' "$LDFLAGS" > "$OUT/bin/$b.stamp"
done
echo "kube $KUBE_VERSION: built ${missing[*]}"
