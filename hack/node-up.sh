#!/usr/bin/env bash
# node-up.sh - make this machine a Kubernetes node of the single-machine cloud: containerd (Debian) with its own
# config, state and socket, the CNI reference plugins, a temporary bootstrap pod network, the node images
# (hack/images.sh) and the kubelet (hack/build-node.sh), registered as node $NODE_NAME; waits until the Node is
# Ready. Idempotent: a re-run only re-checks (a daemon whose config or command line changed is restarted; running
# pods survive a containerd restart). Stop: hack/node-down.sh. Decisions: ADR 0011.
#
#   containerd  config $STACKUBE_STATE/containerd/config.toml, root $STACKUBE_STATE/containerd/root, state
#               /run/stackube/containerd/state, socket $CONTAINERD_SOCK, own cgroup /stackube-containerd.
#               CRI: restrict_oom_score_adj (root lacks CAP_SYS_RESOURCE here), cgroupfs (cgroup v1, hybrid),
#               sandbox image $PAUSE_IMAGE, pod netns pinned under its state dir; runtime handlers `runc`
#               (default) and `runsc` (gVisor, systrap platform, netstack networking: RuntimeClass gvisor).
#   CNI         plugins in /opt/cni/bin, config in /etc/cni/net.d. Until Stackube's own CNI plugin takes over, a
#               bootstrap network (99-stackube-bootstrap.conflist: bridge stkcni0 10.88.0.1/24, host-local IPAM,
#               no gateway role, so the host's ip_forward stays 0) lets pods start; a conflist sorting first wins.
#   kubelet     $STACKUBE_STATE/kubelet/{config.yaml,root}, pod logs in /var/log/stackube/pods, serving on
#               127.0.0.1:10250 with a certificate from our CA; client certificate system:node:$NODE_NAME.
# Needs hack/install-deps.sh (containerd, runc, busybox-static, gcc), hack/build-node.sh, hack/pki.sh and a
# running kube-apiserver (hack/kube-up.sh).
# Usage: hack/node-up.sh
. "$(dirname "$0")/lib.sh"
lock
ensure_dirs

GVISOR_BIN=$ROOT/.cache/gvisor/$GVISOR_VERSION/bin
CNI_BUILT=$ROOT/.cache/cni-plugins/$CNI_PLUGINS_VERSION/bin
for b in "$KUBE_BIN/kubelet" "$KUBE_BIN/cri-pods" "$GVISOR_BIN/runsc" "$GVISOR_BIN/containerd-shim-runsc-v1" \
         "$CNI_BUILT/bridge" "$CNI_BUILT/host-local" "$CNI_BUILT/loopback"; do
  [ -x "$b" ] || die "$b is missing: run hack/build-node.sh"
done
for b in containerd containerd-shim-runc-v2 runc ctr; do
  command -v "$b" >/dev/null || die "$b is not installed: run hack/install-deps.sh"
done
[ -s "$PKI/kubelet.kubeconfig" ] && [ -s "$PKI/kubelet-serving.crt" ] || die "no kubelet certificates in $PKI: run hack/pki.sh"
ADMIN=$PKI/admin.kubeconfig
kubectl() { "$KUBECTL" --kubeconfig "$ADMIN" "$@"; }
kubectl get --raw /readyz >/dev/null 2>&1 || die "kube-apiserver is not ready: run hack/kube-up.sh"

CTD=$STACKUBE_STATE/containerd
CTD_RUN=$RUN_DIR/containerd
KUBELET_DIR=$STACKUBE_STATE/kubelet
CNI_BIN_DIR=/opt/cni/bin
CNI_CONF_DIR=/etc/cni/net.d
BOOT_CONF=$CNI_CONF_DIR/99-stackube-bootstrap.conflist
BOOT_BRIDGE=stkcni0
BOOT_CIDR=10.88.0.1/24
install -d -m 755 "$CTD" "$CTD/root" "$KUBELET_DIR" "$KUBELET_DIR/root" "$LOG_DIR/pods" "$LOG_DIR/runsc"
install -d -m 711 "$CTD_RUN"
install -d -m 755 "$CNI_BIN_DIR" "$CNI_CONF_DIR"

# ---------------------------------------------------------------- CNI plugins and the bootstrap network
for p in bridge host-local loopback; do
  cmp -s "$CNI_BUILT/$p" "$CNI_BIN_DIR/$p" || install -m 755 "$CNI_BUILT/$p" "$CNI_BIN_DIR/$p"
done
# The bridge gets its address here, not from the plugin: with isGateway the plugin would also switch on the
# host's net.ipv4.ip_forward (the traffic rule keeps it 0). Pods reach the host and each other, nothing beyond.
ip link show "$BOOT_BRIDGE" >/dev/null 2>&1 || ip link add "$BOOT_BRIDGE" type bridge
ip addr replace "$BOOT_CIDR" dev "$BOOT_BRIDGE"
ip link set "$BOOT_BRIDGE" up
install -d -m 700 "$STACKUBE_STATE/cni"
write_if_changed "$BOOT_CONF" 644 <<EOF || true
{
  "cniVersion": "1.0.0",
  "name": "stackube-bootstrap",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BOOT_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STACKUBE_STATE/cni/ipam",
        "ranges": [[{"subnet": "${BOOT_CIDR%.*}.0/24", "gateway": "${BOOT_CIDR%/*}"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    }
  ]
}
EOF

# ---------------------------------------------------------------- containerd
# gVisor: the shim reads this file (ConfigPath below); runsc_config holds runsc's global flags. systrap is
# gVisor's default platform and works here (KVM is PVM-only); "sandbox" networking (gVisor's own netstack, fed
# from the pod netns's veth) works on this kernel with the built runsc. Raw sockets stay off (gVisor's default:
# no ping inside gVisor pods). STACKUBE_RUNSC_DEBUG=1 adds runsc's per-command debug logs (a file per runsc call).
RUNSC_DEBUG=""
[ "${STACKUBE_RUNSC_DEBUG:-0}" = 1 ] && RUNSC_DEBUG="  debug = \"true\"
  debug-log = \"$LOG_DIR/runsc/%ID%/\""
# The shim reads it for every new sandbox: a change needs no containerd restart.
write_if_changed "$CTD/runsc.toml" 644 <<EOF || true
# Written by stackube hack/node-up.sh: options of containerd-shim-runsc-v1 (gVisor $GVISOR_VERSION).
binary_name = "$GVISOR_BIN/runsc"
root = "$CTD_RUN/runsc"
log_level = "info"
log_path = "$LOG_DIR/runsc/"
[runsc_config]
  platform = "systrap"
  network = "sandbox"
$RUNSC_DEBUG
EOF
CTD_RESTART=0
write_if_changed "$CTD/config.toml" 644 <<EOF && CTD_RESTART=1
# Written by stackube hack/node-up.sh (containerd 1.6, config version 2). Only what differs from the defaults.
version = 2
root = "$CTD/root"
state = "$CTD_RUN/state"
oom_score = 0
# No device-mapper in this kernel; aufs/btrfs/zfs are never used.
disabled_plugins = ["io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs"]

# containerd moves itself into this cgroup (every v1 hierarchy) at start, and the shims it starts inherit it:
# node-down.sh finds leftover shims and gVisor helpers there.
[cgroup]
  path = "/stackube-containerd"

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Root has no CAP_SYS_RESOURCE here: runc cannot set a negative oom_score_adj (pause asks for -998).
  restrict_oom_score_adj = true
  # Pod network namespaces are pinned under our state dir, not /var/run/netns (node-down.sh finds them there).
  netns_mounts_under_state_dir = true
  enable_unprivileged_ports = false
  enable_unprivileged_icmp = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$CTD_RUN/runc"
    # containerd 1.6 finds the shim binary (containerd-shim-runsc-v1) on its PATH only (runtime_path is not used
    # to start sandboxes): this script starts it with PATH=$GVISOR_BIN:...
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]
      runtime_type = "io.containerd.runsc.v1"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc.options]
        TypeUrl = "io.containerd.runsc.v1.options"
        ConfigPath = "$CTD/runsc.toml"
EOF
if [ "$CTD_RESTART" = 1 ] && running containerd; then
  ts "containerd: config changed, restarting (running pods keep running: their shims stay)"
  stop containerd
fi
PATH="$GVISOR_BIN:$PATH" daemon containerd /usr/bin/containerd --config "$CTD/config.toml"
wait_for containerd 60 ctr -a "$CONTAINERD_SOCK" version

"$HACK_DIR/images.sh"

# ---------------------------------------------------------------- kubelet
# The apiserver calls kubelets (exec, logs, port-forward) with the apiserver-kubelet-client certificate (once its
# --kubelet-client-certificate flags are set); the kubelet asks the apiserver whether that user may (webhook
# authorization), so it needs this role.
kubectl apply --server-side --force-conflicts --field-manager=stackube-hack -f - >/dev/null <<'EOF'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: stackube:kube-apiserver-kubelet-client
  labels: {app.kubernetes.io/managed-by: stackube}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: system:kubelet-api-admin
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: kube-apiserver-kubelet-client
EOF

# The kubelet sets these kernel tunables at start (its protectKernelDefaults=true would refuse to start instead);
# remember the machine's own values once, so node-down.sh can put them back.
SYSCTLS=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes)
if [ ! -s "$KUBELET_DIR/sysctl.saved" ]; then
  sysctl "${SYSCTLS[@]}" | sed 's/ = /=/' > "$KUBELET_DIR/sysctl.saved.tmp"
  mv "$KUBELET_DIR/sysctl.saved.tmp" "$KUBELET_DIR/sysctl.saved"
fi

KUBELET_RESTART=0
write_if_changed "$KUBELET_DIR/config.yaml" 644 <<EOF && KUBELET_RESTART=1
# Written by stackube hack/node-up.sh (kubelet $KUBE_VERSION on cgroup v1, hybrid layout, no systemd).
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
# Serving: loopback only. The apiserver dials the node's Hostname address ($NODE_NAME, 127.0.0.1 in /etc/hosts).
address: 127.0.0.1
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
rotateCertificates: false
serverTLSBootstrap: false
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true, cacheTTL: 30s}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
  webhook: {cacheAuthorizedTTL: 30s, cacheUnauthorizedTTL: 5s}
# cgroup v1 through cgroupfs (no systemd); QoS cgroups /kubepods{,/burstable,/besteffort} in each v1 hierarchy.
cgroupDriver: cgroupfs
cgroupsPerQOS: true
cgroupRoot: /
enforceNodeAllocatable: [pods]
# Root lacks CAP_SYS_RESOURCE: the kubelet cannot lower its own oom_score_adj (default -999).
oomScoreAdj: 0
failSwapOn: false
# No kube-proxy yet, and the root netns is shared with Neutron and the tests: the kubelet leaves iptables alone.
makeIPTablesUtilChains: false
resolvConf: /etc/resolv.conf
clusterDomain: cluster.local
podLogsDir: $LOG_DIR/pods
# A development machine with a large, shared disk: never garbage-collect the imported images (they cannot be
# pulled again), evict only when really short.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%
  nodefs.inodesFree: 2%
  imagefs.available: 2%
maxPods: 110
EOF
if [ "$KUBELET_RESTART" = 1 ] && running kubelet; then
  ts "kubelet: config changed, restarting"
  stop kubelet
fi
daemon kubelet "$KUBE_BIN/kubelet" \
  --v="${STACKUBE_KUBE_LOG_LEVEL:-1}" \
  --config="$KUBELET_DIR/config.yaml" \
  --kubeconfig="$PKI/kubelet.kubeconfig" \
  --hostname-override="$NODE_NAME" \
  --root-dir="$KUBELET_DIR/root" \
  --cert-dir="$KUBELET_DIR/pki"
wait_for kubelet 60 curl -sf -m 2 http://127.0.0.1:10248/healthz
node_ready() {
  [ "$(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
wait_for "node $NODE_NAME Ready" 120 node_ready
