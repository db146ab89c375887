#!/usr/bin/env bash
# kube-up.sh - start etcd (https://127.0.0.1:12379, client certificates required, data in $STACKUBE_STATE/etcd),
# kube-apiserver (https://127.0.0.1:6443), kube-controller-manager and kube-scheduler, wait until the apiserver is
# ready, then apply the webhook's RBAC (deploy/rbac/webhook.yaml), Stackube's CRDs (deploy/crds, waited for until
# Established) and the demo tenant namespaces `alpha` and `beta`, labelled with their Keystone project ids and
# with per-role RoleBindings. Needs hack/build-kube.sh, hack/pki.sh and hack/keystone-up.sh to have run. Safe to re-run.
#
# Authentication: client certificates (our CA), service-account tokens, and every other bearer token goes to the
# stackube webhook (https://127.0.0.1:8443/authenticate). Authorization: Node, RBAC, then the webhook
# (/authorize) for whatever RBAC does not allow. Webhook caches are off (the apiserver still keeps successful token
# authentications for a fixed 10 s).
# The apiserver starts and serves certificate users even while the webhook is down.
# Anonymous requests are allowed only on /healthz, /livez, /readyz and /version (AuthenticationConfiguration, beta and on
# by default in 1.32), so probes work without credentials and the webhook never sees system:anonymous
# (with plain --anonymous-auth=true every unauthenticated resource request would reach the authorizer chain).
# Usage: hack/kube-up.sh
. "$(dirname "$0")/lib.sh"
lock
ensure_dirs

for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  [ -x "$KUBE_BIN/$b" ] || die "$KUBE_BIN/$b is missing: run hack/build-kube.sh"
done
[ -s "$PKI/admin.kubeconfig" ] || die "no certificates in $PKI: run hack/pki.sh"
IDS=$STACKUBE_STATE/keystone-ids.env
# up.sh runs this script alongside keystone-up.sh and sets STACKUBE_WAIT_FOR_KEYSTONE=1: the project ids are
# then awaited only right before the namespaces are created.
[ -s "$IDS" ] || [ -n "${STACKUBE_WAIT_FOR_KEYSTONE:-}" ] || die "$IDS is missing: run hack/keystone-up.sh"

KUBE_STATE=$STACKUBE_STATE/kube
install -d -m 755 "$KUBE_STATE"
install -d -m 700 "$STACKUBE_STATE/etcd"
V=${STACKUBE_KUBE_LOG_LEVEL:-1}
ADMIN=$PKI/admin.kubeconfig
kubectl() { "$KUBECTL" --kubeconfig "$ADMIN" "$@"; }

# ---------------------------------------------------------------- etcd
daemon etcd /usr/bin/etcd --name stackube --data-dir "$STACKUBE_STATE/etcd" \
  --listen-client-urls https://127.0.0.1:12379 --advertise-client-urls https://127.0.0.1:12379 \
  --cert-file "$PKI/etcd-server.crt" --key-file "$PKI/etcd-server.key" --client-cert-auth --trusted-ca-file "$PKI/ca.crt" \
  --listen-peer-urls https://127.0.0.1:12380 --initial-advertise-peer-urls https://127.0.0.1:12380 \
  --initial-cluster stackube=https://127.0.0.1:12380 --initial-cluster-token stackube \
  --peer-cert-file "$PKI/etcd-peer.crt" --peer-key-file "$PKI/etcd-peer.key" --peer-client-cert-auth \
  --peer-trusted-ca-file "$PKI/ca.crt" \
  --logger zap --log-outputs stderr
etcd_ok() {
  curl -sf -m 2 --cacert "$PKI/ca.crt" --cert "$PKI/apiserver-etcd-client.crt" --key "$PKI/apiserver-etcd-client.key" \
    https://127.0.0.1:12379/health | grep -q '"health":"true"'
}
wait_for etcd 60 etcd_ok

# ---------------------------------------------------------------- kube-apiserver
write_if_changed "$KUBE_STATE/authentication-config.yaml" 644 <<'EOF' || true
apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
anonymous:
  enabled: true
  conditions:
    - path: /healthz
    - path: /livez
    - path: /readyz
    - path: /version
EOF
# --endpoint-reconciler-type=none: the apiserver advertises 127.0.0.1, and Endpoints may not hold loopback
# addresses, so the default reconciler would log an error every 10 s.
daemon kube-apiserver "$KUBE_BIN/kube-apiserver" \
  --v="$V" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port=6443 \
  --etcd-servers=https://127.0.0.1:12379 \
  --etcd-cafile="$PKI/ca.crt" --etcd-certfile="$PKI/apiserver-etcd-client.crt" --etcd-keyfile="$PKI/apiserver-etcd-client.key" \
  --tls-cert-file="$PKI/kube-apiserver.crt" --tls-private-key-file="$PKI/kube-apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --endpoint-reconciler-type=none \
  --service-account-issuer=https://kubernetes.default.svc \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --authentication-config="$KUBE_STATE/authentication-config.yaml" \
  --authentication-token-webhook-config-file="$PKI/authn-webhook.kubeconfig" \
  --authentication-token-webhook-version=v1 \
  --authentication-token-webhook-cache-ttl=0s \
  --authorization-mode=Node,RBAC,Webhook \
  --authorization-webhook-config-file="$PKI/authz-webhook.kubeconfig" \
  --authorization-webhook-version=v1 \
  --authorization-webhook-cache-authorized-ttl=0s \
  --authorization-webhook-cache-unauthorized-ttl=0s \
  --allow-privileged=true \
  --profiling=false

# ---------------------------------------------------------------- controller-manager, scheduler
# Started once the apiserver is ready: before its RBAC bootstrap policy exists, their requests fall through to
# the authorization webhook, and when that is not running the error makes them exit. No leader election (one
# instance), so a restart does not wait for a stale lease to expire. --authentication-skip-lookup with
# --client-ca-file: the apiserver has no front-proxy (request-header) CA, and looking it up in the
# extension-apiserver-authentication ConfigMap would log an error every few seconds.
wait_for kube-apiserver 180 kubectl get --raw /readyz
CM=$PKI/controller-manager.kubeconfig
daemon kube-controller-manager "$KUBE_BIN/kube-controller-manager" \
  --v="$V" \
  --kubeconfig="$CM" --authentication-kubeconfig="$CM" --authorization-kubeconfig="$CM" \
  --authentication-skip-lookup=true --client-ca-file="$PKI/ca.crt" \
  --bind-address=127.0.0.1 --secure-port=10257 \
  --leader-elect=false \
  --controllers='*' \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range=10.96.0.0/16 \
  --profiling=false
SCHED=$PKI/scheduler.kubeconfig
daemon kube-scheduler "$KUBE_BIN/kube-scheduler" \
  --v="$V" \
  --kubeconfig="$SCHED" --authentication-kubeconfig="$SCHED" --authorization-kubeconfig="$SCHED" \
  --authentication-skip-lookup=true --client-ca-file="$PKI/ca.crt" \
  --bind-address=127.0.0.1 --secure-port=10259 \
  --leader-elect=false \
  --profiling=false

# Their serving certificates are self-signed in memory, hence -k (a health probe, no credentials sent).
wait_for kube-controller-manager 120 curl -sfk -m 2 https://127.0.0.1:10257/healthz
wait_for kube-scheduler 120 curl -sfk -m 2 https://127.0.0.1:10259/healthz

# ---------------------------------------------------------------- RBAC and tenant namespaces
[ -s "$IDS" ] || wait_for "keystone project ids" 300 test -s "$IDS"
# shellcheck source=/dev/null
. "$IDS"
ns() { cat <<EOF
---
apiVersion: v1
kind: Namespace
metadata:
  name: $1
  labels:
    stackube.kubernetes.io/project-id: "$2"
    stackube.kubernetes.io/tenant: $1
EOF
  # Keystone roles on the project -> built-in ClusterRoles in its namespace, through the per-role groups that
  # stackube-webhook adds (stackube:<project-id>:<role>). RBAC then knows what tenants hold, so the apiserver's
  # escalation check lets a project admin write Roles and RoleBindings inside the namespace (ADR 0003).
  local role right
  for role in admin:admin member:edit reader:view; do
    right=${role#*:}; role=${role%%:*}
    cat <<EOF
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: stackube-keystone-$role
  namespace: $1
  labels:
    stackube.kubernetes.io/tenant: $1
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: $right
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: Group
  name: "stackube:$2:$role"
EOF
  done
}
{ ns alpha "$ALPHA_PROJECT_ID"; ns beta "$BETA_PROJECT_ID"; } > "$KUBE_STATE/tenant-namespaces.yaml"
kubectl apply --server-side --force-conflicts --field-manager=stackube-hack \
  -f "$ROOT/deploy/crds/" \
  -f "$ROOT/deploy/rbac/webhook.yaml" -f "$KUBE_STATE/tenant-namespaces.yaml" >/dev/null
kubectl wait --for=condition=Established --timeout=60s -f "$ROOT/deploy/crds/" >/dev/null
# Pods can be created in a namespace only once its default ServiceAccount exists.
sa_ok() { kubectl -n alpha get serviceaccount default && kubectl -n beta get serviceaccount default; }
wait_for "namespaces alpha, beta" 60 sa_ok
