#!/usr/bin/env bash
# webhook-up.sh - write $STACKUBE_STATE/webhook/config.yaml and start the stackube Keystone authn/authz webhook
# (https://127.0.0.1:8443, built JavaScript in dist/) as daemon `stackube-webhook`, then wait for its /readyz.
# Needs hack/pki.sh and hack/keystone-up.sh (clouds.yaml); kube-apiserver calls it (hack/kube-up.sh).
# Usage: hack/webhook-up.sh [--restart]   (--restart: stop a running webhook first, e.g. after a rebuild)
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

MAIN=$ROOT/dist/src/cmd/stackube-webhook.js
[ -f "$MAIN" ] || die "$MAIN is missing: build the TypeScript first (npm run build)"
[ -s "$PKI/webhook.crt" ] || die "no webhook certificate in $PKI: run hack/pki.sh"
[ -s "$STACKUBE_STATE/clouds.yaml" ] || die "$STACKUBE_STATE/clouds.yaml is missing: run hack/keystone-up.sh"

WH_STATE=$STACKUBE_STATE/webhook
install -d -m 755 "$WH_STATE"
# A changed config (e.g. a new state dir) needs a restart: the webhook reads it once at start.
write_if_changed "$WH_STATE/config.yaml" 644 <<EOF && RESTART=1
# Written by stackube hack/webhook-up.sh.
listenAddress: 127.0.0.1:8443
tlsCertFile: $PKI/webhook.crt
tlsKeyFile: $PKI/webhook.key
cloudsFile: $STACKUBE_STATE/clouds.yaml
cloud: stackube-service
kubeconfig: $PKI/webhook.kubeconfig
clusterAdminProjects: [admin]
logLevel: info
EOF

if [ "$RESTART" = 1 ] && running stackube-webhook; then stop stackube-webhook; fi
daemon stackube-webhook node "$MAIN" --config "$WH_STATE/config.yaml"
wait_for stackube-webhook 60 http_ok https://127.0.0.1:8443/readyz --cacert "$PKI/ca.crt"
