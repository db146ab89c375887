#!/usr/bin/env bash
# down.sh - stop everything hack/up.sh started, by the PIDs in /run/stackube (never by name, and only processes
# that still run the executable they were started with): the controller, webhook, scheduler, controller-manager,
# Neutron (agents, server, RabbitMQ, and the namespaces, links and iptables chains they made: neutron-down.sh),
# apiserver, etcd, Keystone and MariaDB, in that order. A MariaDB that stackube did not start is left running.
#   --purge  also drop the Keystone and Neutron databases and their MariaDB users and delete $STACKUBE_STATE (certificates,
#            secrets, etcd data), so the next up.sh starts from scratch. Logs in /var/log/stackube and the
#            rewritten /etc/keystone/keystone.conf stay.
# Idempotent: running it when nothing is up is fine.
# Usage: hack/down.sh [--purge]
. "$(dirname "$0")/lib.sh"

PURGE=0
for a in "$@"; do
  case $a in
    --purge) PURGE=1 ;;
    *) die "usage: $0 [--purge]" ;;
  esac
done

lock
stop stackube-controller stackube-webhook kube-scheduler kube-controller-manager
"$HACK_DIR/neutron-down.sh"
stop kube-apiserver
stop etcd keystone

if [ "$PURGE" = 1 ]; then
  mysql_up() { mysqladmin --connect-timeout=2 ping; }
  if [ -x /usr/sbin/mariadbd ]; then
    if ! mysql_up >/dev/null 2>&1; then
      # Start our MariaDB just long enough to drop what we created in it.
      install -d -o mysql -g mysql -m 755 /run/mysqld
      mkdir -p "$RUN_DIR" "$LOG_DIR"
      daemon mariadb /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 --skip-name-resolve
      wait_for mariadb 60 mysql_up
    fi
    mysql -e "DROP DATABASE IF EXISTS \`keystone\`; DROP USER IF EXISTS 'stackube_keystone'@'127.0.0.1';"
    mysql -e "DROP DATABASE IF EXISTS \`neutron\`; DROP USER IF EXISTS 'stackube_neutron'@'127.0.0.1';"
    ts "dropped the keystone and neutron databases"
  fi
fi
stop mariadb

if [ "$PURGE" = 1 ]; then
  case $STACKUBE_STATE in
    /*/*) rm -rf "$STACKUBE_STATE"; ts "deleted $STACKUBE_STATE" ;;
    *) die "refusing to delete STACKUBE_STATE=$STACKUBE_STATE (not an absolute path below /)" ;;
  esac
fi
ts "stackube is down"
