#!/usr/bin/env bash
# keystone-up.sh - start MariaDB (127.0.0.1:3306) and Keystone (uwsgi, http://127.0.0.1:5000/v3), configuring
# Keystone on the first run (database, fernet/credential keys, bootstrap), then seed the Stackube service user
# and the demo tenants idempotently (hack/keystone-seed.mjs), which also writes $STACKUBE_STATE/clouds.yaml and
# $STACKUBE_STATE/keystone-ids.env. Safe to re-run; a re-run with everything up only re-checks health.
# The Keystone packages' /etc/keystone/keystone.conf is replaced (the original is kept as keystone.conf.dist);
# everything else (keys, uwsgi config, secrets, markers) lives under $STACKUBE_STATE.
# Usage: hack/keystone-up.sh
. "$(dirname "$0")/lib.sh"
lock
ensure_dirs

KS_STATE=$STACKUBE_STATE/keystone
KS_CONF=/etc/keystone/keystone.conf
DB_NAME=keystone
DB_USER=stackube_keystone
install -d -m 755 "$KS_STATE"

# ---------------------------------------------------------------- MariaDB
mysql_up() { mysqladmin --connect-timeout=2 ping; }
if ! running mariadb && mysql_up >/dev/null 2>&1; then
  # Someone else's MariaDB already serves the socket: use it, but never stop it (we have no pidfile for it).
  ts "mariadb: using the MariaDB server that is already running (not started by stackube)"
else
  install -d -o mysql -g mysql -m 755 /run/mysqld
  daemon mariadb /usr/sbin/mariadbd --user=mysql --bind-address=127.0.0.1 --port=3306 --skip-name-resolve
  wait_for mariadb 60 mysql_up
fi

# ---------------------------------------------------------------- Keystone configuration
DB_PW=$(secret keystone-db.password)
ADMIN_PW=$(secret admin.password)
[ -e "$KS_CONF.dist" ] || cp -a "$KS_CONF" "$KS_CONF.dist"
# No log_file: Keystone logs to stderr, which start-stop-daemon sends to $LOG_DIR/keystone.log.
changed=0
write_if_changed "$KS_CONF" 640 <<EOF && changed=1
# Written by stackube hack/keystone-up.sh; the Debian original is keystone.conf.dist.
[DEFAULT]
use_stderr = true
[database]
connection = mysql+pymysql://$DB_USER:$DB_PW@127.0.0.1:3306/$DB_NAME
[token]
provider = fernet
expiration = 3600
[catalog]
driver = sql
[fernet_tokens]
key_repository = $KS_STATE/fernet-keys/
[credential]
key_repository = $KS_STATE/credential-keys/
[identity]
# bcrypt cost 4 instead of 12: token issue takes tens of ms instead of ~500 ms (development and tests only).
password_hash_rounds = 4
[cache]
enabled = true
backend = dogpile.cache.memory
[oslo_policy]
policy_dirs = /etc/keystone/policy.d
EOF
chown root:keystone "$KS_CONF"

# One uwsgi worker process (with threads): dogpile's memory cache is per process, and Keystone invalidates
# cached role assignments only in the process that handled the change, so with several processes a revoked
# role could keep working for the cache lifetime (10 min) in the other ones.
write_if_changed "$KS_STATE/uwsgi.ini" 644 <<EOF && changed=1
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:5000
; uwsgi's plain http-socket resets kept-alive connections: make clients reconnect
add-header = Connection: close
wsgi-file = /usr/bin/keystone-wsgi-public
master = true
processes = 1
threads = 4
enable-threads = true
lazy-apps = true
buffer-size = 65535
die-on-term = true
no-orphans = true
uid = keystone
gid = keystone
chdir = /var/lib/keystone
disable-logging = true
EOF
if [ "$changed" = 1 ] && running keystone; then ts "keystone: configuration changed, restarting"; stop keystone; fi

# ---------------------------------------------------------------- first run: database, keys, bootstrap
if [ ! -e "$KS_STATE/initialised" ]; then
  ts "keystone: first run: creating database, keys and the admin user"
  stop keystone   # a Keystone left from an interrupted first run would hold stale keys
  rm -f "$STACKUBE_STATE/keystone-ids.env"   # ids of the previous database (kube-up.sh waits for new ones)
  recreate_database "$DB_NAME" "$DB_USER" "$DB_PW"
  rm -rf "$KS_STATE/fernet-keys" "$KS_STATE/credential-keys"
  klog=$LOG_DIR/keystone-manage.log
  # db_sync and the two key set-ups are independent: run them in parallel (each is a slow Python start).
  runuser -u keystone -- keystone-manage db_sync >> "$klog" 2>&1 & p1=$!
  keystone-manage fernet_setup --keystone-user keystone --keystone-group keystone >> "$klog" 2>&1 & p2=$!
  keystone-manage credential_setup --keystone-user keystone --keystone-group keystone >> "$klog" 2>&1 & p3=$!
  for p in $p1 $p2 $p3; do wait "$p" || die "keystone-manage failed; see $klog"; done
  ts "keystone: db_sync and key set-up done"
  runuser -u keystone -- keystone-manage bootstrap --bootstrap-password "$ADMIN_PW" \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-admin-url "$KEYSTONE_URL/" --bootstrap-internal-url "$KEYSTONE_URL/" \
    --bootstrap-public-url "$KEYSTONE_URL/" >> "$klog" 2>&1 || die "keystone-manage bootstrap failed; see $klog"
  touch "$KS_STATE/initialised"
  ts "keystone: bootstrapped"
fi

# ---------------------------------------------------------------- Keystone
daemon keystone /usr/bin/uwsgi --ini "$KS_STATE/uwsgi.ini"
wait_for keystone 120 http_ok "$KEYSTONE_URL"
# Warm Keystone's policy enforcer with one request before anything sends several at once: its lazy first load is
# not thread-safe, and concurrent first requests were seen refused (403 on identity:list_roles for the admin).
warm_policy() {
  local tok
  tok=$(curl -sf -m 10 -D - -o /dev/null -H 'Content-Type: application/json' "$KEYSTONE_URL/auth/tokens" -d @- <<JSON | tr -d '\r' | awk 'tolower($1)=="x-subject-token:" {print $2}'
{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"$ADMIN_PW"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}
JSON
)
  [ -n "$tok" ] && curl -sf -m 10 -o /dev/null -H "X-Auth-Token: $tok" "$KEYSTONE_URL/roles"
}
wait_for "keystone policy" 60 warm_policy

# ---------------------------------------------------------------- seed users, projects, roles
for u in stackube-service neutron-service "${DEMO_USERS[@]}"; do secret "$u.password" >/dev/null; done
node "$HACK_DIR/keystone-seed.mjs"
ts "keystone: seeded (clouds.yaml, keystone-ids.env)"
