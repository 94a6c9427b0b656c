#!/usr/bin/env bash
# Ingest benchmark: simulated push agents stream snapshots to the server over the agent
# WebSocket, as fast as they are acknowledged, at increasing agent counts; prints the
# snapshots/s stored (every one acknowledged only once written), server CPU and RSS.
#
#   scripts/bench-ingest.sh [COUNTS] [SECONDS] [BATCH]     # SQLite (default 10,100,1000 20 50)
#   DATABASE_URL=postgres://.../db scripts/bench-ingest.sh  # an empty PostgreSQL database
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
cargo build --quiet --release -p monitron-server --bin monitron --example bench_ingest
ulimit -n 65536 2>/dev/null || true
exec "$CARGO_TARGET_DIR/release/examples/bench_ingest" "${1:-10,100,1000}" "${2:-20}" "${3:-50}"
