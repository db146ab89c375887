#!/usr/bin/env bash
# keystone-down.sh - stop only Keystone (uwsgi), by its pidfile; MariaDB and everything else keep running.
# Used by the integration tests to prove that the webhook refuses tokens with a clear reason while Keystone is
# away and recovers when hack/keystone-up.sh starts it again. Idempotent.
. "$(dirname "$0")/lib.sh"
lock
stop keystone
