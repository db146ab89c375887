#!/usr/bin/env bash
# test-scale.sh - the heavier variants of the integration suites (test/scale), too long for CI on a 2-vCPU machine:
# the Network crash test (50 Networks in 5 tenants created and deleted while the controller is SIGKILLed 6 times)
# and the tenant crash test (100 Tenants, each with a Neutron security group and router). 10-25 minutes each here.
# The 50-tenant Neutron suite with kills runs in `npm test` (test/integration/networks.test.ts). Same set-up as
# hack/test-integration.sh: brings the cloud up, restarts webhook and controller on the built code, tears it down
# afterwards unless STACKUBE_KEEP=1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
[ -f dist/src/cmd/stackube-controller.js ] || { echo "dist/ is missing: run npm run build" >&2; exit 1; }
cleanup() { [ -n "${STACKUBE_KEEP:-}" ] || bash hack/down.sh; }
trap cleanup EXIT
bash hack/up.sh
bash hack/webhook-up.sh --restart
bash hack/controller-up.sh --restart
node --test --test-concurrency=1 --test-reporter=spec "${@:-dist/test/scale/}"
