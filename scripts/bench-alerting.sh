#!/usr/bin/env bash
# Alerting benchmark: N HTTP monitors every I seconds, CPU per check with and without three
# rules over all of them (D seconds each); from a failing result to a local webhook
# receiving the alert (p50, p99); and a storm of 1,000 heartbeats going late in the same
# second, to a channel with group_wait_s 10 and to a plain webhook.
#
#   scripts/bench-alerting.sh [N] [I] [D]                          # SQLite (default 10000 10 60)
#   DATABASE_URL=postgres://.../db scripts/bench-alerting.sh 10000  # an empty PostgreSQL database
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
cargo build --quiet --release -p monitron-server --bin monitron --example bench_alerting
ulimit -n 65536 2>/dev/null || true
exec "$CARGO_TARGET_DIR/release/examples/bench_alerting" "${1:-10000}" "${2:-10}" "${3:-60}"
