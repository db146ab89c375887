#!/usr/bin/env bash
# neutron-down.sh - stop Neutron and RabbitMQ (by the PIDs in /run/stackube) and remove what they made on the host:
# the dnsmasq/haproxy/keepalived processes the agents leave running on purpose (by their pidfiles), the qrouter-
# and qdhcp- namespaces, the brq/vxlan/tap links, the agents' neutron-* iptables chains and NIPv4 ipsets, and
# the external wire (stkext0 and the netns stackube-ext). The database stays: the agents rebuild all of this from
# it on the next hack/neutron-up.sh.
#   --server-only  stop only neutron-server (the integration tests use it to prove that Networks go Failed with a
#                  clear message while Neutron is away and recover once hack/neutron-up.sh starts it again)
#   --purge        also drop the neutron database and its MariaDB user (MariaDB must be up; hack/down.sh orders it)
# Idempotent. Usage: hack/neutron-down.sh [--server-only | --purge]
. "$(dirname "$0")/lib.sh"

MODE=all
for a in "$@"; do
  case $a in
    --server-only) MODE=server ;;
    --purge) MODE=purge ;;
    *) die "usage: $0 [--server-only | --purge]" ;;
  esac
done
lock
if [ "$MODE" = server ]; then stop neutron-server; exit 0; fi

N_STATE=$STACKUBE_STATE/neutron
stop neutron-l3-agent neutron-dhcp-agent neutron-linuxbridge-agent neutron-server

# Helpers the agents started and leave running by design; each one's pidfile is under the agents' state_path.
for f in "$N_STATE"/dhcp/*/pid "$N_STATE"/external/pids/*.pid* "$N_STATE"/ha_confs/*/*.pid; do
  [ -f "$f" ] || continue
  pid=$(cat "$f" 2>/dev/null) || continue
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" && ts "stopped $(basename "$(readlink "/proc/$pid/exe" 2>/dev/null || echo pid)") $pid ($f)"; fi
  rm -f "$f"
done

# Namespaces and links (only the names Neutron's linuxbridge agents and our script give them).
for ns in $(ip netns list | awk '{print $1}' | grep -E '^(qrouter|qdhcp|snat|fip)-[0-9a-f-]{36}$' || true); do
  ip netns pids "$ns" 2>/dev/null | while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$ns"
done
n=0
for dev in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(brq[0-9a-f-]{11}|vxlan-[0-9]+|tap[0-9a-f-]{11}|stkext0)$' || true); do
  ip link del "$dev" 2>/dev/null && n=$((n + 1))
done
ip netns list | grep -qw stackube-ext && ip netns del stackube-ext
[ "$n" = 0 ] || ts "deleted $n neutron links"

# The linuxbridge agent's security-group chains and ipsets in the root namespace (neutron-* chains only).
for ipt in iptables ip6tables; do
  for t in filter nat mangle raw; do
    $ipt -w -t "$t" -S 2>/dev/null | grep -E '^-A [^ ]+ .*-j neutron-' | grep -vE '^-A neutron-' | sed 's/^-A //' |
      while read -r rule; do eval "$ipt -w -t $t -D $rule" 2>/dev/null || true; done || true
    chains=$($ipt -w -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^neutron-/ {print $2}' || true)
    for ch in $chains; do $ipt -w -t "$t" -F "$ch"; done
    for ch in $chains; do $ipt -w -t "$t" -X "$ch"; done
  done
done
for s in $(ipset list -n 2>/dev/null | grep -E '^NIPv[46]' || true); do ipset destroy "$s" 2>/dev/null || true; done

# RabbitMQ: a clean stop through its CLI, then the start script, then epmd (which the VM started).
if running rabbitmq; then
  RABBITMQ_NODENAME=rabbit@localhost timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || true
  stop rabbitmq
  ERL_EPMD_ADDRESS=127.0.0.1 timeout 10 epmd -kill >/dev/null 2>&1 || true
fi

if [ "$MODE" = purge ]; then
  if mysqladmin --connect-timeout=2 ping >/dev/null 2>&1; then
    mysql -e "DROP DATABASE IF EXISTS \`neutron\`; DROP USER IF EXISTS 'stackube_neutron'@'127.0.0.1';"
    ts "dropped the neutron database"
  fi
  rm -rf "$N_STATE"
fi
ts "neutron is down"
