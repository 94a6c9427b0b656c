#!/usr/bin/env bash
# Regenerates the web UI's typed API client from the server's OpenAPI document:
# web/openapi.json (from `monitron openapi`) and web/src/api/schema.d.ts. CI fails when
# either is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
cargo build --quiet -p monitron-server --bin monitron
"$CARGO_TARGET_DIR/debug/monitron" openapi > web/openapi.json
cd web
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent gen:api
