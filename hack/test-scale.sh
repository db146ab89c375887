#!/usr/bin/env bash
# test-scale.sh - the Neutron scale suites of issue 4 (test/scale): 50 tenants with overlapping ranges, bad input,
# adoption, updates, security groups, quotas, a Neutron outage, and the crash test (50 Networks created and deleted
# while the controller is SIGKILLed), and the tenant crash test (100 Tenants, each now with a Neutron router). Each takes 15-25 minutes on a 2-vCPU machine (Neutron's router calls take
# seconds each), so `npm test` does not run them yet: `npm run test:scale` does. Same set-up as
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
