#!/usr/bin/env bash
# The web UI's end-to-end suite: a release `monitron` (with the UI built into it) started
# on a fresh data folder, real targets beside it (an HTTP service switched between 200 and
# 503, a webhook receiver, an SMTP server, a push agent), and Debian's Chromium driven by
# Playwright. Every page is screenshotted in light and dark and checked with axe-core.
#
# Environment: MONITRON_SCREENSHOTS (default ~/.cache/monitron/screenshots), CHROMIUM_PATH
# (default /usr/bin/chromium); extra arguments go to `playwright test` (e.g. a file name).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
TOOLS="${MONITRON_TOOLS_DIR:-$HOME/.cache/monitron}"
export npm_config_cache="${npm_config_cache:-$TOOLS/npm}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
say() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  say "Installing Chromium (Debian package)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  say "Installing the web UI's packages"
  (cd web && npm ci --no-audit --no-fund)
fi

say "Building the release binaries (with the web UI)"
cargo build --release --quiet -p monitron-server --bin monitron -p monitron-agent --bin monitron-agent
export MONITRON_BIN="$CARGO_TARGET_DIR/release/monitron"
export MONITRON_AGENT_BIN="$CARGO_TARGET_DIR/release/monitron-agent"
export MONITRON_SCREENSHOTS="${MONITRON_SCREENSHOTS:-$TOOLS/screenshots}"
rm -rf "$MONITRON_SCREENSHOTS"

say "End-to-end tests in Chromium (screenshots in $MONITRON_SCREENSHOTS)"
cd web
npx playwright test -c e2e/playwright.config.ts "$@"
