# lib.sh - shared helpers for the hack/*.sh scripts that start and stop the single-machine control plane.
# Source it (". hack/lib.sh"); it sets `set -euo pipefail` and the fixed layout:
#   state   $STACKUBE_STATE (default /var/lib/stackube)
#   pids    /run/stackube/<name>.pid  (+ <name>.exe: the daemon's executable, so we never signal a reused PID)
#   logs    /var/log/stackube/<name>.log
# shellcheck shell=bash
set -euo pipefail

HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HACK_DIR/.." && pwd)
# shellcheck source=versions.env
. "$HACK_DIR/versions.env"

export STACKUBE_STATE=${STACKUBE_STATE:-/var/lib/stackube}
RUN_DIR=/run/stackube
LOG_DIR=/var/log/stackube
PKI=$STACKUBE_STATE/pki
SECRETS=$STACKUBE_STATE/secrets
KUBE_BIN=$ROOT/.cache/kube/$KUBE_VERSION/bin
KUBECTL=$KUBE_BIN/kubectl
KEYSTONE_URL=http://127.0.0.1:5000/v3
# The node (hack/node-up.sh, ADR 0011): its name (the kubelet's default, the lower-cased hostname), containerd's own
# socket, and the images hack/images.sh builds and imports (no registry). Bump an image's tag when its recipe
# changes (a content change under the same tag is re-imported too).
NODE_NAME=$(hostname | tr '[:upper:]' '[:lower:]')
CONTAINERD_SOCK=$RUN_DIR/containerd/containerd.sock
PAUSE_IMAGE=localhost/stackube/pause:1
TESTBOX_IMAGE=localhost/stackube/testbox:1
# The demo tenants' users: keystone-up.sh creates them, up.sh writes a kubeconfig for each.
DEMO_USERS=(alice bob carol dave)

# One clock for a whole `up.sh` run: child scripts inherit STACKUBE_T0 (microseconds since the epoch).
export STACKUBE_T0=${STACKUBE_T0:-${EPOCHREALTIME//[!0-9]/}}

# ts MESSAGE... : progress line prefixed with the time since STACKUBE_T0, e.g. "[  12.3s] keystone ready".
ts() {
  local now=${EPOCHREALTIME//[!0-9]/} d
  d=$(( (now - STACKUBE_T0) / 100000 ))
  printf '[%4d.%ds] %s\n' $((d / 10)) $((d % 10)) "$*"
}

die() { echo "ERROR: $*" >&2; exit 1; }

ensure_dirs() {
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$STACKUBE_STATE"
  chmod 755 "$STACKUBE_STATE"
  install -d -m 700 "$SECRETS"
}

# lock : serialize up/down runs on this machine. The lock fd is inherited by child scripts (so nested calls do
# not deadlock) and closed for daemons (see `daemon`), so it is released when the run ends.
lock() {
  [ -n "${STACKUBE_LOCK_HELD:-}" ] && return 0
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/lock"
  flock -w 900 9 || die "another hack/up.sh or hack/down.sh still holds $RUN_DIR/lock after 15 min"
  export STACKUBE_LOCK_HELD=1
}

# pid_of NAME : print the PID of our daemon NAME and succeed when it is alive and still runs the executable it
# was started with (guards against a PID reused by an unrelated process).
pid_of() {
  local name=$1 pid exe want
  [ -f "$RUN_DIR/$name.pid" ] || return 1
  pid=$(cat "$RUN_DIR/$name.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -f "$RUN_DIR/$name.exe" ]; then
    want=$(cat "$RUN_DIR/$name.exe")
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
    exe=${exe% (deleted)}   # the binary may have been rebuilt (replaced) while running
    [ "$exe" = "$want" ] || return 1
  fi
  echo "$pid"
}
running() { pid_of "$1" >/dev/null; }

# daemon NAME EXECUTABLE ARGS... : start EXECUTABLE in the background with pidfile $RUN_DIR/NAME.pid and
# stdout+stderr appended to $LOG_DIR/NAME.log, unless NAME is already running with the same arguments (if the
# arguments changed, e.g. the script was edited, it is restarted). Daemons that should not run as root drop
# privileges themselves (mariadbd --user, uwsgi uid/gid) or are started with DAEMON_USER=<user> set.
daemon() {
  local name=$1 exe args chuid=(); shift
  [ -n "${DAEMON_USER:-}" ] && chuid=(--chuid "$DAEMON_USER")
  exe=$(command -v "$1") || die "$name: executable $1 not found"
  exe=$(readlink -f "$exe")
  args=$(printf '%q ' "$exe" "${@:2}")
  if running "$name"; then
    if [ "$(cat "$RUN_DIR/$name.args" 2>/dev/null)" = "$args" ]; then
      ts "$name already running (pid $(pid_of "$name"))"; return 0
    fi
    ts "$name: command line changed, restarting"
    stop "$name"
  fi
  rm -f "$RUN_DIR/$name.pid"
  echo "$exe" > "$RUN_DIR/$name.exe"
  echo "$args" > "$RUN_DIR/$name.args"
  printf '\n==== %s starting %s\n' "$(date -Is)" "$name" >> "$LOG_DIR/$name.log"
  # --exec must name the real binary: start-stop-daemon matches it against /proc/PID/exe.
  start-stop-daemon --start --background --make-pidfile --pidfile "$RUN_DIR/$name.pid" --output "$LOG_DIR/$name.log" \
    "${chuid[@]}" --exec "$exe" -- "${@:2}" 9>&-
  ts "$name started (pid $(cat "$RUN_DIR/$name.pid"))"
}

# wait_for NAME TIMEOUT_S COMMAND... : poll COMMAND until it succeeds. Fails after TIMEOUT_S, or at once when
# our daemon NAME has a pidfile but died; then shows the tail of its log.
wait_for() {
  local name=$1 t=$2; shift 2
  local end=$(( SECONDS + t ))
  until "$@" >/dev/null 2>&1; do
    # Only a vanished PID means death here: right after start-stop-daemon forks, the PID may still run
    # start-stop-daemon itself (before exec), which the executable check in `running` would take for dead.
    if [ -f "$RUN_DIR/$name.pid" ] && ! kill -0 "$(cat "$RUN_DIR/$name.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
      echo "ERROR: $name exited during start-up" >&2; log_tail "$name"; return 1
    fi
    if [ "$SECONDS" -ge "$end" ]; then
      echo "ERROR: timed out after ${t}s waiting for $name" >&2; log_tail "$name"; return 1
    fi
    sleep 0.2
  done
  ts "$name ready"
}

log_tail() {
  [ -f "$LOG_DIR/$1.log" ] || return 0
  echo "---- last lines of $LOG_DIR/$1.log:" >&2
  tail -n 25 "$LOG_DIR/$1.log" >&2
}

# stop NAME... : SIGTERM each of our daemons (in the order given), wait up to 30 s for all of them, SIGKILL
# whatever is left. Only PIDs from our pidfiles that still run the recorded executable are signalled.
stop() {
  local pids=() names=() name pid i alive
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); names+=("$name")
    fi
  done
  for ((i = 0; i < 300 && ${#pids[@]} > 0; i++)); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then echo "pid $pid ignored SIGTERM for 30 s: SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
  done
  for name in "$@"; do rm -f "$RUN_DIR/$name.pid" "$RUN_DIR/$name.exe" "$RUN_DIR/$name.args"; done
  [ ${#names[@]} -eq 0 ] || ts "stopped ${names[*]}"
}

# http_code URL [CURL_ARGS...] : print the HTTP status code of a GET (000 when unreachable).
http_code() { local url=$1; shift; curl -s -m 3 -o /dev/null -w '%{http_code}' "$@" "$url" || true; }
http_ok() { [ "$(http_code "$@")" = 200 ]; }

# secret FILE : print the content of $SECRETS/FILE, generating a random one (mode 0600) on first use.
secret() {
  local f=$SECRETS/$1
  if [ ! -s "$f" ]; then (umask 077; openssl rand -hex 20 > "$f.tmp" && mv "$f.tmp" "$f"); fi
  cat "$f"
}

# recreate_database NAME USER PASSWORD : drop and create the MariaDB database NAME and (re)set USER@127.0.0.1 with
# PASSWORD and every privilege on it (a first run of Keystone or Neutron).
recreate_database() {
  mysql <<SQL
DROP DATABASE IF EXISTS \`$1\`;
CREATE DATABASE \`$1\`;
CREATE USER IF NOT EXISTS '$2'@'127.0.0.1' IDENTIFIED BY '$3';
ALTER USER '$2'@'127.0.0.1' IDENTIFIED BY '$3';
GRANT ALL PRIVILEGES ON \`$1\`.* TO '$2'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
}

# write_if_changed FILE MODE : write stdin to FILE (atomically, with MODE) only when the content differs.
# Succeeds (0) when the file changed, 1 when it was already up to date.
write_if_changed() {
  local f=$1 mode=$2 tmp
  tmp=$(mktemp "$f.XXXXXX")
  cat > "$tmp"
  chmod "$mode" "$tmp"
  if [ -f "$f" ] && cmp -s "$tmp" "$f"; then rm -f "$tmp"; chmod "$mode" "$f"; return 1; fi
  mv -f "$tmp" "$f"
}
