#!/usr/bin/env bash
# bench/auth/run.sh - start Keystone (and the certificates) if needed, build upstream k8s-keystone-auth, and run
# the TokenReview benchmark. Knobs: BENCH_DURATION_MS (10000), BENCH_CONCURRENCY (16), BENCH_TOKENS (32).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
bash "$ROOT/hack/install-deps.sh"
bash "$ROOT/hack/pki.sh"
bash "$ROOT/hack/keystone-up.sh"
bash "$ROOT/hack/build-keystone-auth.sh"
node "$ROOT/dist/bench/auth/bench.js"
