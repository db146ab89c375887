#!/usr/bin/env bash
# install-deps.sh - install the Debian packages the single-machine cloud needs: Keystone and Neutron
# (ML2/linuxbridge + DHCP + L3 agents) on MariaDB + RabbitMQ, etcd.
# Configures and starts nothing. Idempotent: skips apt entirely when every package is already installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(mariadb-server rabbitmq-server keystone etcd-server etcd-client uwsgi-plugin-python3 openssl curl ca-certificates
      neutron-server neutron-linuxbridge-agent neutron-dhcp-agent neutron-l3-agent python3-openstackclient
      iproute2 iptables ipset bridge-utils iputils-ping openvswitch-switch)
need=(); for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p"); done
[ ${#need[@]} -eq 0 ] && { echo "deps: all Debian packages present"; exit 0; }
# Tell the Debian OpenStack maintainer scripts not to configure databases, admin users or endpoints:
# our own scripts do that (hack/keystone-up.sh, hack/neutron-up.sh).
debconf-set-selections <<'SEL'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
neutron-common neutron/configure_db boolean false
neutron-common neutron/configure_rabbit boolean false
neutron-common neutron/configure_ksat boolean false
neutron-common neutron/ksat-create-service-user boolean false
neutron-common neutron/configure_nova boolean false
neutron-api neutron/configure_api-endpoint boolean false
neutron-metadata-agent neutron-metadata/configure boolean false
SEL
# No package may start a daemon: there is no systemd here, and we start everything ourselves.
[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
echo "deps: installing ${need[*]}"
apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${need[@]}" >/dev/null
echo "deps: installed"
