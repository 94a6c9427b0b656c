#!/usr/bin/env bash
# Engine benchmark: N HTTP monitors every I seconds against a local target, measured for
# D seconds (checks/s, schedule lag, CPU per check, peak RSS, database growth), then
# Prometheus blackbox_exporter probing the same target for comparison.
#
#   scripts/bench-engine.sh [N] [I] [D]                          # SQLite (default 1000 10 60)
#   DATABASE_URL=postgres://.../db scripts/bench-engine.sh 10000  # an empty PostgreSQL database
#
# Installs prometheus-blackbox-exporter when apt-get can; builds the release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
if ! command -v prometheus-blackbox-exporter >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get install -y -qq prometheus-blackbox-exporter >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq prometheus-blackbox-exporter >/dev/null; }) || true
fi
cargo build --quiet --release -p monitron-server --bin monitron --example bench_engine
# Each check opens a fresh connection; make sure file descriptors are not the limit.
ulimit -n 65536 2>/dev/null || true
exec "$CARGO_TARGET_DIR/release/examples/bench_engine" "${1:-1000}" "${2:-10}" "${3:-60}"
