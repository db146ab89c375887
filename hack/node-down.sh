#!/usr/bin/env bash
# node-down.sh - undo hack/node-up.sh: stop the kubelet; stop and remove every pod sandbox through CRI (so CNI
# DEL runs) while containerd still runs; stop containerd; kill what is left of pods (shims by their shim.pid files
# and by containerd's cgroup, container and gVisor sandbox processes by the PIDs in the kubelet's /kubepods
# cgroups); unmount what the kubelet and containerd mounted (pod volumes, rootfs overlays, netns pins, the
# kubelet's rshared root); delete the bootstrap bridge stkcni0, its conflist and IPAM state; put back the kernel
# tunables the kubelet changed; set the host's net.ipv4.ip_forward to 0; remove the (empty) /kubepods and
# /stackube-containerd cgroups. Never signals a process by name.
# Kept: images and containerd's content store ($STACKUBE_STATE/containerd/root), the kubelet's state dir,
# /opt/cni/bin, logs. The Node object stays registered (NotReady) until the kubelet comes back.
# Idempotent: running it when nothing is up is fine.
# Usage: hack/node-down.sh
. "$(dirname "$0")/lib.sh"
lock

GVISOR_BIN=$ROOT/.cache/gvisor/$GVISOR_VERSION/bin
CTD=$STACKUBE_STATE/containerd
CTD_RUN=$RUN_DIR/containerd
KUBELET_DIR=$STACKUBE_STATE/kubelet
BOOT_CONF=/etc/cni/net.d/99-stackube-bootstrap.conflist
BOOT_BRIDGE=stkcni0

stop kubelet

# ---------------------------------------------------------------- pods, through CRI
if running containerd && [ -x "$KUBE_BIN/cri-pods" ]; then
  "$KUBE_BIN/cri-pods" -endpoint "unix://$CONTAINERD_SOCK" -timeout 2m rm-all ||
    echo "WARNING: some pod sandboxes could not be removed through CRI; their processes are killed below" >&2
fi
stop containerd

# ---------------------------------------------------------------- leftover processes
# kill_pid PID WHAT : SIGKILL PID (only a number, only if alive).
kill_pid() { [[ $1 =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null && echo "killed $2 $1" || true; }
# Shims: each writes shim.pid into its task bundle; only PIDs still running one of our two shim binaries.
shopt -s nullglob
for f in "$CTD_RUN"/state/io.containerd.runtime.v2.task/*/*/shim.pid; do
  pid=$(cat "$f" 2>/dev/null || true)
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true); exe=${exe% (deleted)}
  case $exe in
    /usr/bin/containerd-shim-runc-v2|"$GVISOR_BIN/containerd-shim-runsc-v1") kill_pid "$pid" "shim" ;;
  esac
done
# Container, pause and gVisor sandbox/gofer processes: whatever is still in the kubelet's pod cgroups; shims
# whose bundle is gone (e.g. a shim that failed to start): whatever is left in containerd's own cgroup
# (/stackube-containerd, see the containerd config) once containerd itself has exited.
for h in /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/pids/stackube-containerd; do
  [ -d "$h" ] || continue
  while read -r procs; do
    while read -r pid; do kill_pid "$pid" "process of cgroup ${procs#/sys/fs/cgroup/pids/}"; done < "$procs"
  done < <(find "$h" -name cgroup.procs 2>/dev/null)
done

# ---------------------------------------------------------------- mounts
# Everything mounted below the kubelet's root (including its own rshared bind mount), containerd's root and
# state (rootfs overlays, sandbox /dev/shm, the pinned pod netns), deepest first.
unmount_below() {
  local prefix m n=0
  for prefix in "$@"; do
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || { echo "WARNING: cannot unmount $m" >&2; continue; }
      n=$((n + 1))
    done < <(awk -v p="$prefix" '$5 == p || index($5, p "/") == 1 {print $5}' /proc/self/mountinfo |
             sed 's/\\040/ /g' | awk '{print length, $0}' | sort -rn | cut -d' ' -f2- | uniq)
  done
  [ "$n" = 0 ] || ts "unmounted $n mounts"
}
# Twice: unmounting the kubelet's rshared root may reveal mounts stacked under it.
unmount_below "$KUBELET_DIR/root" "$CTD/root" "$CTD_RUN"
unmount_below "$KUBELET_DIR/root" "$CTD/root" "$CTD_RUN"

# ---------------------------------------------------------------- network
if ip link show "$BOOT_BRIDGE" >/dev/null 2>&1; then ip link del "$BOOT_BRIDGE"; ts "deleted bridge $BOOT_BRIDGE"; fi
rm -f "$BOOT_CONF" /var/lib/cni/results/stackube-bootstrap-*
rm -rf "$STACKUBE_STATE/cni/ipam"
sysctl -qw net.ipv4.ip_forward=0

# ---------------------------------------------------------------- cgroups, kernel tunables, runtime dirs
n=0
sleep 0.2   # let the kernel finish tearing down the killed processes
for h in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/*/stackube-containerd; do
  [ -d "$h" ] || continue
  while read -r d; do rmdir "$d" 2>/dev/null && n=$((n + 1)); done < <(find "$h" -depth -type d)
  [ -d "$h" ] && echo "WARNING: cgroup $h is not empty (a process is still in it)" >&2
done
[ "$n" = 0 ] || ts "removed $n cgroups"
if [ -s "$KUBELET_DIR/sysctl.saved" ]; then
  while IFS='=' read -r k v; do sysctl -qw "$k=$v" || echo "WARNING: cannot restore $k=$v" >&2; done < "$KUBELET_DIR/sysctl.saved"
  rm -f "$KUBELET_DIR/sysctl.saved"
  ts "restored the kernel tunables the kubelet changed"
fi
# containerd's runtime state (socket, task bundles, runc and runsc state) is useless without it.
if awk -v p="$CTD_RUN" 'index($5, p "/") == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
  echo "WARNING: mounts remain below $CTD_RUN; not deleting it" >&2
else
  case $CTD_RUN in /run/stackube/*) rm -rf "$CTD_RUN" ;; esac
fi
# The shims' sockets live in /run/containerd/s whatever the config says. With our shims gone, remove those no
# process listens on (a shim that died hard leaves its socket), then the directories once empty.
if [ -d /run/containerd/s ]; then
  listening=$(ss -xlnH 2>/dev/null | awk '{print $5}')
  for sock in /run/containerd/s/*; do
    [ -S "$sock" ] && ! grep -qxF "$sock" <<< "$listening" && rm -f "$sock"
  done
fi
rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
ts "node is down"
