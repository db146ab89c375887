#!/usr/bin/env bash
# up.sh - bring up the whole single-machine control plane: Debian packages, the Kubernetes binaries, PKI,
# MariaDB + Keystone (with the demo tenants) and, in parallel, etcd + kube-apiserver + controller-manager +
# scheduler and RabbitMQ + Neutron (server, linuxbridge/DHCP/L3 agents, external network), then the stackube
# webhook and controller; finally write a kubeconfig per demo user ($STACKUBE_STATE/kubeconfig-<user>).
# Idempotent: with everything up, a re-run only re-checks health. Stop with hack/down.sh.
# Usage: hack/up.sh [--no-webhook]
. "$(dirname "$0")/lib.sh"

WEBHOOK=1
for a in "$@"; do
  case $a in
    --no-webhook) WEBHOOK=0 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "usage: $0 [--no-webhook]" ;;
  esac
done

lock
ensure_dirs
ts "stackube up (state $STACKUBE_STATE, logs $LOG_DIR)"
# apt (mostly waiting on downloads and dpkg) and the Go build (CPU) overlap well.
"$HACK_DIR/install-deps.sh" & deps_pid=$!
"$HACK_DIR/build-kube.sh" & build_pid=$!
wait "$deps_pid" || { kill "$build_pid" 2>/dev/null || true; die "install-deps.sh failed"; }
ts "debian packages ready"
wait "$build_pid" || die "build-kube.sh failed"
ts "kubernetes $KUBE_VERSION binaries ready"
"$HACK_DIR/pki.sh"
# Keystone and Kubernetes start in parallel (Keystone's first start is mostly slow Python start-ups); kube-up.sh
# waits for Keystone's project ids only before it creates the tenant namespaces.
"$HACK_DIR/keystone-up.sh" & ks_pid=$!
STACKUBE_WAIT_FOR_KEYSTONE=1 "$HACK_DIR/kube-up.sh" & kube_pid=$!
# Neutron waits for MariaDB (keystone-up.sh starts it) and, before its external network, for Keystone's seed.
"$HACK_DIR/neutron-up.sh" & neutron_pid=$!
abort() { kill "$kube_pid" "$neutron_pid" 2>/dev/null || true; wait "$kube_pid" "$neutron_pid" 2>/dev/null || true; die "$1"; }
wait "$ks_pid" || abort "keystone-up.sh failed (logs in $LOG_DIR)"
ts "keystone step done"
wait "$kube_pid" || abort "kube-up.sh failed (logs in $LOG_DIR)"
ts "kubernetes step done"
wait "$neutron_pid" || die "neutron-up.sh failed (logs in $LOG_DIR)"
ts "neutron step done"
if [ "$WEBHOOK" = 1 ]; then
  "$HACK_DIR/webhook-up.sh"
  ts "webhook step done"
else
  ts "webhook skipped (--no-webhook): tenant kubeconfigs will not authenticate until hack/webhook-up.sh runs"
fi
"$HACK_DIR/controller-up.sh"
ts "controller step done"

# A kubeconfig per demo user: kubectl runs `stackube credential` (exec plugin), which gets a Keystone token for
# the user's cloud in clouds.yaml; the apiserver passes that token to the webhook.
tenant_kubeconfig() {
  local user=$1
  write_if_changed "$STACKUBE_STATE/kubeconfig-$user" 600 <<EOF || true
apiVersion: v1
kind: Config
clusters:
- name: stackube
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: node
      args:
      - $ROOT/dist/src/cmd/stackube.js
      - credential
      - --os-cloud
      - $user
      env:
      - name: OS_CLIENT_CONFIG_FILE
        value: $STACKUBE_STATE/clouds.yaml
      interactiveMode: Never
      provideClusterInfo: false
contexts:
- name: $user@stackube
  context:
    cluster: stackube
    user: $user
current-context: $user@stackube
preferences: {}
EOF
}
for u in "${DEMO_USERS[@]}"; do tenant_kubeconfig "$u"; done

ts "stackube is up"
cat <<EOF

  Cluster admin (client certificate, group system:masters):
    $KUBECTL --kubeconfig $PKI/admin.kubeconfig get namespaces --show-labels
  Demo tenant user alice (Keystone domain demo, member of project alpha = namespace alpha):
    $KUBECTL --kubeconfig $STACKUBE_STATE/kubeconfig-alice -n alpha get pods
  Other demo users: kubeconfig-bob (reader, alpha), kubeconfig-carol (admin, alpha), kubeconfig-dave (member, beta)
  Keystone: $KEYSTONE_URL, credentials in $STACKUBE_STATE/clouds.yaml
  In a shell: . $HACK_DIR/env.sh   (exports KUBECTL, KUBECONFIG_ADMIN, STACKUBE_STATE and the project ids)
  Stop: $HACK_DIR/down.sh   (--purge also deletes all state)
EOF
