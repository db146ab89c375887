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

# ---------------------------------------------------------------- tenant admission
# Registered only once the webhook serves: with failurePolicy Fail, pods in tenant namespaces are refused
# whenever the webhook cannot answer (fail closed). The namespaceSelector limits it to tenant namespaces, so
# system pods never depend on it. The sandbox RuntimeClass exists so the apiserver accepts the defaulted pods;
# its handler (gVisor's runsc) is installed on nodes by the node work (issue 5).
CA_B64=$(base64 -w0 < "$PKI/ca.crt")
# webhook_entry NAME PATH : the part every entry shares (fail closed, our URL and CA); the caller adds its match.
webhook_entry() {
  cat <<HOOK
- name: $1
  admissionReviewVersions: ["v1"]
  sideEffects: None
  failurePolicy: Fail
  timeoutSeconds: 5
  clientConfig:
    url: https://127.0.0.1:8443$2
    caBundle: $CA_B64
HOOK
}
admission_hook() { # admission_hook NAME PATH : tenant pods and claims, in namespaces with a project label
  webhook_entry "$1" "$2"
  cat <<'HOOK'
  namespaceSelector:
    matchExpressions:
    - {key: stackube.kubernetes.io/project-id, operator: Exists}
  rules:
  - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods", "pods/ephemeralcontainers"], scope: Namespaced}
  - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["persistentvolumeclaims"], scope: Namespaced}
HOOK
}
# Namespaces created by Keystone users (tenant admins): labelled as their tenant's and held to maxNamespaces.
# A new namespace has no labels yet, so a CEL match on the requester replaces the namespaceSelector.
namespace_hook() { # namespace_hook NAME PATH
  webhook_entry "$1" "$2"
  cat <<'HOOK'
  matchConditions:
  - name: keystone-user
    expression: "has(request.userInfo.extra) && 'alpha.kubernetes.io/identity/project/id' in request.userInfo.extra"
  rules:
  - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"], scope: Cluster}
HOOK
}
{
  cat <<EOF2
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
  labels: {app.kubernetes.io/managed-by: stackube}
handler: runsc
---
# The host runtime, by name, so that a tenant pod asking for it reaches our admission (and is refused when its
# tenant is hard-isolated) instead of failing on a missing class.
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: runc
  labels: {app.kubernetes.io/managed-by: stackube}
handler: runc
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: stackube-tenant-pods
  labels: {app.kubernetes.io/managed-by: stackube}
webhooks:
EOF2
  admission_hook mutate.tenant-pods.stackube.kubernetes.io /admit/mutate
  namespace_hook mutate.tenant-namespaces.stackube.kubernetes.io /admit/mutate
  cat <<EOF2
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: stackube-tenant-pods
  labels: {app.kubernetes.io/managed-by: stackube}
webhooks:
EOF2
  admission_hook validate.tenant-pods.stackube.kubernetes.io /admit/validate
  namespace_hook validate.tenant-namespaces.stackube.kubernetes.io /admit/validate
} > "$WH_STATE/admission.yaml"
"$KUBECTL" --kubeconfig "$PKI/admin.kubeconfig" apply --server-side --force-conflicts --field-manager=stackube-hack \
  -f "$WH_STATE/admission.yaml" >/dev/null
ts "tenant admission registered"
