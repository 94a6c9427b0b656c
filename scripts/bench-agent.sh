#!/usr/bin/env bash
# Agent footprint benchmark: the size-optimised agent collecting every second and scraped
# every second for S seconds, then Prometheus node_exporter scraped the same way; prints
# resident memory, CPU share of one core and the binary sizes.
#
#   scripts/bench-agent.sh [S]          # default 60
#
# Installs prometheus-node-exporter when apt-get can; builds the agent-release profile.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
if ! command -v prometheus-node-exporter >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get install -y -qq prometheus-node-exporter >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq prometheus-node-exporter >/dev/null; }) || true
fi
cargo build --quiet --profile agent-release -p monitron-agent --bins --examples
agent="$CARGO_TARGET_DIR/agent-release/monitron-agent"
printf 'binary size: monitron-agent %s bytes' "$(stat -c %s "$agent")"
args=("${1:-60}")
if exporter=$(command -v prometheus-node-exporter); then
  printf ', node_exporter %s bytes' "$(stat -c %s "$exporter")"
  args+=(--node-exporter "$exporter")
fi
echo
exec "$CARGO_TARGET_DIR/agent-release/examples/footprint" "${args[@]}"
