#!/usr/bin/env bash
# controller-up.sh - start stackube-controller (built JavaScript in dist/) as daemon `stackube-controller`, with the
# Keystone admin cloud from clouds.yaml and the admin kubeconfig, then wait for its /healthz on 127.0.0.1:9443.
# Needs the CRDs (hack/kube-up.sh applies deploy/crds) and Keystone (hack/keystone-up.sh).
# The leader-election identity is the host name: the pidfile already keeps one controller per host, and a
# restarted controller then takes its own Lease back at once instead of waiting out the dead one's (15 s).
# Usage: hack/controller-up.sh [--restart]
. "$(dirname "$0")/lib.sh"
lock
ensure_dirs
RESTART=0
for a in "$@"; do
  case $a in
    --restart) RESTART=1 ;;
    *) die "usage: $0 [--restart]" ;;
  esac
done
MAIN=$ROOT/dist/src/cmd/stackube-controller.js
[ -f "$MAIN" ] || die "$MAIN is missing: build the TypeScript first (npm run build)"
[ -s "$STACKUBE_STATE/clouds.yaml" ] || die "$STACKUBE_STATE/clouds.yaml is missing: run hack/keystone-up.sh"
if [ "$RESTART" = 1 ] && running stackube-controller; then stop stackube-controller; fi
daemon stackube-controller node "$MAIN" --kubeconfig "$PKI/admin.kubeconfig" --clouds-file "$STACKUBE_STATE/clouds.yaml" \
  --cloud admin --listen-address 127.0.0.1:9443 --identity "$(hostname)" --external-network stackube-external
wait_for stackube-controller 60 http_ok http://127.0.0.1:9443/healthz
