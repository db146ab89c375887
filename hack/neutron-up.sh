#!/usr/bin/env bash
# neutron-up.sh - start RabbitMQ (127.0.0.1:5672) and Neutron (http://127.0.0.1:9696): neutron-server with ML2
# (linuxbridge + l2population, VXLAN tenant networks, a flat "provider" physnet), the linuxbridge L2 agent and the
# DHCP and L3 agents, all from Debian's packages; configure them on the first run (database, RabbitMQ user);
# then create the external network `stackube-external` (flat, 203.0.113.0/24, TEST-NET-3) on a veth pair the
# script makes: `stkext0` in the root namespace (enslaved by the agent) and its peer `eth0` in the netns
# `stackube-ext`, which holds the upstream gateway 203.0.113.1. Nothing is routed off the machine.
# Needs MariaDB and Keystone (hack/keystone-up.sh; it registers the neutron service user and the network
# endpoint). Safe to re-run; a re-run with everything up only re-checks health. ADR 0009.
# The packages' /etc/neutron files are replaced (the originals are kept as *.dist); state lives under
# $STACKUBE_STATE/neutron.
# Usage: hack/neutron-up.sh
. "$(dirname "$0")/lib.sh"
lock
ensure_dirs

NEUTRON_URL=http://127.0.0.1:9696
N_STATE=$STACKUBE_STATE/neutron
N_CONF=/etc/neutron/neutron.conf
ML2_CONF=/etc/neutron/plugins/ml2/ml2_conf.ini
LB_CONF=/etc/neutron/plugins/ml2/linuxbridge_agent.ini
DHCP_CONF=/etc/neutron/dhcp_agent.ini
L3_CONF=/etc/neutron/l3_agent.ini
DB_NAME=neutron
DB_USER=stackube_neutron
MQ_USER=stackube
EXT_NS=stackube-ext
EXT_IF=stkext0
PY=/usr/bin/python3   # Debian's: the python3 on PATH may be another build without the OpenStack libraries
export RABBITMQ_NODENAME=rabbit@localhost

# ---------------------------------------------------------------- MariaDB (started by keystone-up.sh)
mysql_up() { mysqladmin --connect-timeout=2 ping; }
wait_for mariadb 120 mysql_up

# ---------------------------------------------------------------- RabbitMQ
install -d -o rabbitmq -g rabbitmq -m 755 /var/lib/rabbitmq
rabbit_up() { rabbitmqctl -q status; }
# The start script stays the parent of the Erlang VM, so the pidfile holds /bin/sh; hack/neutron-down.sh stops
# RabbitMQ with rabbitmqctl first. Logs go to stdout (our log file), never to a directory rabbitmq cannot write.
DAEMON_USER=rabbitmq daemon rabbitmq /bin/sh -c "HOME=/var/lib/rabbitmq RABBITMQ_NODENAME=$RABBITMQ_NODENAME \
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_LOGS=- \
ERL_CRASH_DUMP=/var/lib/rabbitmq/erl_crash.dump exec /usr/lib/rabbitmq/bin/rabbitmq-server"
wait_for rabbitmq 120 rabbit_up
MQ_PW=$(secret rabbitmq.password)
if ! rabbitmqctl -q authenticate_user "$MQ_USER" "$MQ_PW" >/dev/null 2>&1; then
  rabbitmqctl -q add_user "$MQ_USER" "$MQ_PW" >/dev/null 2>&1 || rabbitmqctl -q change_password "$MQ_USER" "$MQ_PW" >/dev/null
  rabbitmqctl -q set_permissions "$MQ_USER" '.*' '.*' '.*' >/dev/null
  ts "rabbitmq: user $MQ_USER ready"
fi

# ---------------------------------------------------------------- Neutron configuration
DB_PW=$(secret neutron-db.password)
SVC_PW=$(secret neutron-service.password)
install -d -o neutron -g neutron -m 750 "$N_STATE" "$N_STATE/lock"
for f in "$N_CONF" "$ML2_CONF" "$LB_CONF" "$DHCP_CONF" "$L3_CONF"; do [ -e "$f.dist" ] || cp -a "$f" "$f.dist"; done
changed=0
# No log_file: each daemon logs to stderr, which start-stop-daemon sends to $LOG_DIR/<name>.log.
write_if_changed "$N_CONF" 640 <<EOF && changed=1
# Written by stackube hack/neutron-up.sh; the Debian original is neutron.conf.dist.
[DEFAULT]
use_stderr = true
core_plugin = ml2
service_plugins = router
auth_strategy = keystone
transport_url = rabbit://$MQ_USER:$MQ_PW@127.0.0.1:5672/
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
bind_host = 127.0.0.1
bind_port = 9696
api_workers = 2
rpc_workers = 1
rpc_state_report_workers = 1
state_path = $N_STATE
allow_overlapping_ips = true
dhcp_agents_per_network = 1
# Tenant routers get their gateway on the external network; one router per tenant network.
[database]
connection = mysql+pymysql://$DB_USER:$DB_PW@127.0.0.1:3306/$DB_NAME
max_pool_size = 10
[keystone_authtoken]
www_authenticate_uri = ${KEYSTONE_URL%/v3}
auth_url = ${KEYSTONE_URL%/v3}
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = neutron
password = $SVC_PW
region_name = RegionOne
memcached_servers =
[oslo_concurrency]
lock_path = $N_STATE/lock
[agent]
# The agents run as root: no sudo needed in front of rootwrap (privsep uses the same helper). The rootwrap daemon
# runs the agents' many short commands (ip, iptables, brctl…) without a Python start-up each: the L3 agent alone
# ran ~20 per router and kept both cores busy.
root_helper = /usr/bin/neutron-rootwrap /etc/neutron/rootwrap.conf
root_helper_daemon = /usr/bin/neutron-rootwrap-daemon /etc/neutron/rootwrap.conf
report_interval = 10
[oslo_policy]
policy_dirs = /etc/neutron/policy.d
[quotas]
# Stackube sets each tenant project's quotas from its Tenant (spec.networkQuota); these are the defaults.
quota_network = 10
quota_subnet = 10
quota_router = 10
quota_port = 500
quota_security_group = 10
quota_security_group_rule = 100
quota_floatingip = 10
[experimental]
# Zed marks the linuxbridge mechanism driver experimental; without this neutron-server exits at start-up.
linuxbridge = true
EOF
write_if_changed "$ML2_CONF" 640 <<'EOF' && changed=1
# Written by stackube hack/neutron-up.sh.
[ml2]
type_drivers = flat,vxlan
tenant_network_types = vxlan
mechanism_drivers = linuxbridge,l2population
extension_drivers = port_security
[ml2_type_flat]
flat_networks = provider
[ml2_type_vxlan]
vni_ranges = 1:4000
[securitygroup]
enable_ipset = true
EOF
write_if_changed "$LB_CONF" 640 <<EOF && changed=1
# Written by stackube hack/neutron-up.sh. The physnet is a veth made by the script: never map it to eth0 (the
# agent would enslave the host's uplink to a bridge).
[linux_bridge]
physical_interface_mappings = provider:$EXT_IF
[vxlan]
enable_vxlan = true
local_ip = 127.0.0.1
l2_population = true
[securitygroup]
enable_security_group = true
firewall_driver = iptables
[agent]
polling_interval = 1
EOF
write_if_changed "$DHCP_CONF" 640 <<'EOF' && changed=1
# Written by stackube hack/neutron-up.sh.
[DEFAULT]
interface_driver = linuxbridge
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = false
EOF
write_if_changed "$L3_CONF" 640 <<'EOF' && changed=1
# Written by stackube hack/neutron-up.sh.
[DEFAULT]
interface_driver = linuxbridge
EOF
chown root:neutron "$N_CONF" "$ML2_CONF" "$LB_CONF" "$DHCP_CONF" "$L3_CONF"
AGENTS=(neutron-l3-agent neutron-dhcp-agent neutron-linuxbridge-agent)
# A changed configuration restarts whatever runs of the server and the agents (the server may be down on purpose).
if [ "$changed" = 1 ]; then ts "neutron: configuration changed, (re)starting the server and agents"; stop "${AGENTS[@]}" neutron-server; fi

# ---------------------------------------------------------------- first run: database
if [ ! -e "$N_STATE/initialised" ]; then
  ts "neutron: first run: creating the database"
  stop "${AGENTS[@]}" neutron-server
  recreate_database "$DB_NAME" "$DB_USER" "$DB_PW"
  runuser -u neutron -- neutron-db-manage --config-file "$N_CONF" --config-file "$ML2_CONF" upgrade head \
    >> "$LOG_DIR/neutron-db-manage.log" 2>&1 || die "neutron-db-manage failed; see $LOG_DIR/neutron-db-manage.log"
  touch "$N_STATE/initialised"
  ts "neutron: database ready"
fi

# ---------------------------------------------------------------- the external network's wire
if ! ip netns list | grep -qw "$EXT_NS"; then ip netns add "$EXT_NS"; fi
if ! ip link show "$EXT_IF" >/dev/null 2>&1; then
  ip link add "$EXT_IF" type veth peer name eth0 netns "$EXT_NS"
fi
ip link set "$EXT_IF" up
ip -n "$EXT_NS" link set lo up
ip -n "$EXT_NS" link set eth0 up
ip -n "$EXT_NS" addr replace 203.0.113.1/24 dev eth0

# ---------------------------------------------------------------- neutron-server, then the agents
DAEMON_USER=neutron daemon neutron-server "$PY" /usr/bin/neutron-server --config-file "$N_CONF" --config-file "$ML2_CONF"
wait_for neutron-server 120 http_ok "$NEUTRON_URL/"
# Agents started before the server's RPC workers consume their queues lose 60 s per timed-out RPC call, so wait
# until q-plugin and q-reports-plugin have consumers.
rpc_up() { rabbitmqctl -q list_queues name consumers 2>/dev/null | awk '($1=="q-plugin"||$1=="q-reports-plugin") && $2>0 {n++} END {exit !(n==2)}'; }
wait_for neutron-server 120 rpc_up
daemon neutron-linuxbridge-agent "$PY" /usr/bin/neutron-linuxbridge-agent --config-file "$N_CONF" --config-file "$LB_CONF"
daemon neutron-dhcp-agent "$PY" /usr/bin/neutron-dhcp-agent --config-file "$N_CONF" --config-file "$DHCP_CONF"
daemon neutron-l3-agent "$PY" /usr/bin/neutron-l3-agent --config-file "$N_CONF" --config-file "$L3_CONF"

# ---------------------------------------------------------------- agents alive, external network
# Waits for Keystone's seed (the neutron user and endpoint) and the three agents, then creates the external
# network idempotently and writes $STACKUBE_STATE/neutron-ids.env.
wait_for keystone 180 test -s "$STACKUBE_STATE/keystone-ids.env"
since=$(stat -c %Y "$RUN_DIR"/neutron-{linuxbridge,dhcp,l3}-agent.pid | sort -n | head -1)
wait_for neutron-agents 180 node "$HACK_DIR/neutron-seed.mjs" --check-agents --since=$((since - 2))
node "$HACK_DIR/neutron-seed.mjs"
ts "neutron: external network ready (neutron-ids.env)"
