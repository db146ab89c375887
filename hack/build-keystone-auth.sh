#!/usr/bin/env bash
# build-keystone-auth.sh - build the upstream k8s-keystone-auth webhook (the peer bench/auth compares with) from
# the k8s.io/cloud-provider-openstack Go module at $CPO_VERSION into .cache/cpo/$CPO_VERSION/bin.
# Idempotent: does nothing when the binary is already there. Needs only the Go module proxy.
# Usage: hack/build-keystone-auth.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=versions.env
. "$ROOT/hack/versions.env"
MOD=k8s.io/cloud-provider-openstack
PKG=$MOD/cmd/k8s-keystone-auth
OUT=$ROOT/.cache/cpo/$CPO_VERSION
BIN=$OUT/bin/k8s-keystone-auth
[ -x "$BIN" ] && { echo "k8s-keystone-auth $CPO_VERSION: already built"; exit 0; }
mkdir -p "$OUT/src" "$OUT/bin"
cd "$OUT/src"
# The checksum database has no entry for this module (404), so skip it for this module only; everything
# else is still verified. GOTOOLCHAIN=local: never try to download another toolchain.
export GOTOOLCHAIN=local
export GONOSUMDB="$MOD${GONOSUMDB:+,$GONOSUMDB}"
if [ ! -f go.mod ] || ! grep -q "^require $MOD $CPO_VERSION\$" go.mod; then
  rm -f go.mod go.sum
  modfile=$(go mod download -json "$MOD@$CPO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  [ -f "$modfile" ] || { echo "build-keystone-auth: cannot download $MOD@$CPO_VERSION" >&2; exit 1; }
  # Replace directives of a dependency are ignored by Go, so copy the module's own ones (block and
  # single-line forms) into ours; only those that point at a module version, not at a local path.
  replaces=$(awk '
    /^replace[ \t]*\(/ { inblk = 1; next }
    inblk && /^\)/     { inblk = 0; next }
    inblk              { line = $0 }
    !inblk && /^replace[ \t]/ { line = $0; sub(/^replace[ \t]+/, "", line) }
    line != "" {
      sub(/[ \t]*\/\/.*/, "", line); n = split(line, f, /[ \t]+/); j = 0
      for (i = 1; i <= n; i++) if (f[i] != "") g[++j] = f[i]
      for (i = 1; i <= j; i++) if (g[i] == "=>") { rhs = g[i + 1]; ver = g[i + 2] }
      if (rhs !~ /^(\.|\/)/ && ver != "") print line
      line = ""; rhs = ""; ver = ""; delete g
    }' "$modfile")
  {
    echo "module stackube.local/cpobuild"
    echo
    echo "go $(sed -n 's/^go \([0-9.]*\).*/\1/p' "$modfile")"
    echo
    echo "require $MOD $CPO_VERSION"
    if [ -n "$replaces" ]; then
      echo
      echo "replace ("
      printf '%s\n' "$replaces" | sed 's/^[ \t]*/\t/'
      echo ")"
    fi
  } > go.mod
  # Resolve the package's dependencies into go.mod/go.sum (go get of a package only adds requirements).
  nice go get "$PKG@$CPO_VERSION"
fi
echo "building k8s-keystone-auth $CPO_VERSION (first build takes minutes; later builds use Go's cache)"
# Stamp the version the way upstream's Makefile does, so --version and the User-Agent sent to Keystone name it.
nice go build -trimpath -buildvcs=false -mod=mod -ldflags "-X $MOD/pkg/version.Version=$CPO_VERSION" \
  -o "$BIN.tmp" "$PKG"
mv "$BIN.tmp" "$BIN"
echo "k8s-keystone-auth $CPO_VERSION: built $BIN"
