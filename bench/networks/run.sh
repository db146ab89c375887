#!/usr/bin/env bash
# bench/networks/run.sh - bring up the single-machine cloud if needed (hack/up.sh is idempotent), restart
# stackube-controller on the code just built, and run the Network create → Active benchmark.
# Knobs: BENCH_NETWORKS (50), BENCH_NETWORK_TENANTS (5), BENCH_SEQUENTIAL (3: one-at-a-time Networks),
# BENCH_DIRECT (5: sets made directly with the Neutron client), BENCH_TIMEOUT_MS (1200000 per phase).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
bash "$ROOT/hack/up.sh"
bash "$ROOT/hack/controller-up.sh" --restart
node "$ROOT/dist/bench/networks/bench.js"
