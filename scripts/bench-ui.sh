#!/usr/bin/env bash
# The web UI's budgets (DESIGN.md section 5) with N monitors (default 10,000) being
# checked: the gzipped JavaScript of the dashboard's first load (budget 300 KB) and the
# time to interactive of the dashboard and the services list in headless Chromium
# (budget 1 s). A benchmark, not a test: it prints the figures.
#
# Usage: scripts/bench-ui.sh [monitors] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
RUNS="${2:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/monitron/npm}"
[ -d web/node_modules ] || (cd web && npm ci --no-audit --no-fund)
cargo build --release --quiet -p monitron-server --bin monitron

work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
target_port=$(free_port)
base="http://127.0.0.1:$port"
# A target that answers every check: a threaded HTTP server.
python3 -c "
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'ok')
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', $target_port), H).serve_forever()
" &
target_pid=$!
(cd "$work" && exec env PORT="$port" BIND_ADDRESS=127.0.0.1 DATA_DIR="$work/data" LOG_LEVEL=warn \
  INITIAL_ADMIN_EMAIL=bench@example.com INITIAL_ADMIN_PASSWORD=bench-password-1 \
  RATE_LIMIT_LOGIN_PER_IP=10000/1m RATE_LIMIT_LOGIN_PER_ACCOUNT=10000/1m \
  "$CARGO_TARGET_DIR/release/monitron" serve >"$work/server.log" 2>&1) &
server_pid=$!
trap 'kill $server_pid $target_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "Seeding $N HTTP services (checked every 60 s) in groups of 100..."
python3 - "$base" "$N" "$target_port" <<'PY'
import concurrent.futures, json, sys, urllib.request
base, n, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def call(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]
token = call("POST", "/api/v1/auth/login", {"login": "bench@example.com", "password": "bench-password-1"})["access_token"]
key = call("POST", "/api/v1/me/api-keys", {"name": "bench"}, {"Authorization": f"Bearer {token}"})["key"]
def make(i):
    call("POST", "/api/v1/services", {"name": f"service-{i:05d}", "type": "http", "group": f"team-{i // 100:03d}",
         "config": {"url": f"http://127.0.0.1:{target}/health"}, "interval_s": 60}, {"X-API-Key": key})
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    list(pool.map(make, range(n)))
PY
echo "Letting a first round of checks land..."
sleep 70
(cd web && node scripts/bench-ui.mjs "$base" bench@example.com bench-password-1 "$RUNS")
echo "server RSS: $(ps -o rss= -p "$server_pid" | awk '{ printf "%.0f MB", $1 / 1024 }')"
