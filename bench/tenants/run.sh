#!/usr/bin/env bash
# bench/tenants/run.sh - bring up the single-machine cloud if needed (hack/up.sh is idempotent), restart
# stackube-controller on the code just built, and run the Tenant create → Ready benchmark.
# Knobs: BENCH_TENANTS ("100,500"), BENCH_COMPAT (3: every 3rd tenant has username/password; 0 = none),
# BENCH_TIMEOUT_MS (600000 per phase).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
bash "$ROOT/hack/up.sh"
bash "$ROOT/hack/controller-up.sh" --restart
node "$ROOT/dist/bench/tenants/bench.js"
