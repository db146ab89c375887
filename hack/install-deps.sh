#!/usr/bin/env bash
# install-deps.sh - install the Debian packages the single-machine cloud needs (Keystone on MariaDB, etcd).
# Configures and starts nothing. Idempotent: skips apt entirely when every package is already installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(mariadb-server keystone etcd-server etcd-client uwsgi-plugin-python3 openssl curl ca-certificates)
need=(); for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p"); done
[ ${#need[@]} -eq 0 ] && { echo "deps: all Debian packages present"; exit 0; }
# Tell the Debian OpenStack maintainer scripts not to configure databases, admin users or endpoints:
# our own scripts do that (hack/keystone-up.sh).
debconf-set-selections <<'SEL'
keystone keystone/configure_db boolean false
keystone keystone/create-admin-tenant boolean false
keystone keystone/register-endpoint boolean false
SEL
# No package may start a daemon: there is no systemd here, and we start everything ourselves.
[ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; }
echo "deps: installing ${need[*]}"
apt-get -o DPkg::Lock::Timeout=900 update -q >/dev/null
apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${need[@]}" >/dev/null
echo "deps: installed"
