#!/usr/bin/env bash
# The status-page budget (DESIGN.md section 5): a public page with 50 components while
# N monitors (default 10,000) are being checked, served at 50 connections (wrk), against
# nginx serving a static file of the same size from the same machine in the same run.
# Budget: 30 % or more of nginx's requests/s, p99 under 20 ms, no database query per view
# (the server counts what it renders from the database: monitron_status_renders_total).
# nginx is also the checks' target, so both sides run beside the same checking load.
# A benchmark, not a test: it prints the figures.
#
# Usage: scripts/bench-status.sh [monitors] [seconds per run] [check interval s]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
SECONDS_PER_RUN="${2:-20}"
INTERVAL="${3:-60}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cargo build --release --quiet -p monitron-server --bin monitron

work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
nginx_port=$(free_port)
base="http://127.0.0.1:$port"
mkdir -p "$work/www" "$work/nginx"
echo ok >"$work/www/health"
chmod a+rx "$work" "$work/www"  # nginx's workers run as another user
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { text/html html; }
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$nginx_port; root $work/www; }
}
EOF
/usr/sbin/nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g 'daemon off;' &
nginx_pid=$!
(cd "$work" && exec env PORT="$port" BIND_ADDRESS=127.0.0.1 DATA_DIR="$work/data" LOG_LEVEL=warn \
  INITIAL_ADMIN_EMAIL=bench@example.com INITIAL_ADMIN_PASSWORD=bench-password-1 \
  "$CARGO_TARGET_DIR/release/monitron" serve >"$work/server.log" 2>&1) &
server_pid=$!
trap 'kill $server_pid $nginx_pid 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

echo "Seeding $N HTTP services (checked every $INTERVAL s against nginx) and a page of 50 components..."
python3 - "$base" "$N" "$nginx_port" "$INTERVAL" <<'PY'
import concurrent.futures, json, sys, urllib.request
base, n, target, interval = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
def call(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req) as r:
        return json.load(r)["data"]
token = call("POST", "/api/v1/auth/login", {"login": "bench@example.com", "password": "bench-password-1"})["access_token"]
key = {"X-API-Key": call("POST", "/api/v1/me/api-keys", {"name": "bench"}, {"Authorization": f"Bearer {token}"})["key"]}
def make(i):
    return call("POST", "/api/v1/services", {"name": f"service-{i:05d}", "type": "http", "group": f"team-{i // 100:03d}",
                "config": {"url": f"http://127.0.0.1:{target}/health"}, "interval_s": interval}, key)["id"]
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    ids = list(pool.map(make, range(n)))
components = [call("POST", "/api/v1/components", {"display_name": f"Component {i + 1}", "target_type": "service",
              "target_id": ids[i], "description": f"What customers call part {i + 1}"}, key)["id"] for i in range(50)]
sections = [{"name": f"Section {s + 1}", "components": [{"component_id": c, "order": o}
            for o, c in enumerate(components[s * 10:(s + 1) * 10])]} for s in range(5)]
call("POST", "/api/v1/status-pages", {"slug": "bench", "title": "Bench status", "sections": sections}, key)
PY
echo "Letting a first round of checks land..."
sleep "$((INTERVAL + 5))"
curl -fsS "$base/status/bench" -o "$work/www/page.html"
chmod a+r "$work/www/page.html"
size=$(stat -c %s "$work/www/page.html")
curl -fsS "http://127.0.0.1:$nginx_port/page.html" -o /dev/null

metric() { curl -fsS "$base/metrics" | awk -v m="$1" -v l="$2" 'index($0, m) == 1 && index($0, l) { s += $NF } END { printf "%d", s }'; }
run() { wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" --latency "$1"; }
rps() { awk '/^Requests\/sec/ { print $2 }'; }
p99() { awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }'; }

echo "wrk -t2 -c50 -d${SECONDS_PER_RUN}s: nginx, the static copy ($size bytes)"
nginx_out=$(run "http://127.0.0.1:$nginx_port/page.html")
views_before=$(metric monitron_http_requests_total 'route="/status/{file}"')
renders_before=$(metric monitron_status_renders_total 'kind="page"')
echo "wrk -t2 -c50 -d${SECONDS_PER_RUN}s: Monitron, /status/bench"
monitron_out=$(run "$base/status/bench")
views=$(( $(metric monitron_http_requests_total 'route="/status/{file}"') - views_before ))
renders=$(( $(metric monitron_status_renders_total 'kind="page"') - renders_before ))

n_rps=$(echo "$nginx_out" | rps); m_rps=$(echo "$monitron_out" | rps)
echo
echo "page size: $size bytes, 50 components, $N monitors checked every $INTERVAL s"
echo "nginx (static file): $n_rps requests/s, p99 $(echo "$nginx_out" | p99) ms"
echo "Monitron (/status/bench): $m_rps requests/s, p99 $(echo "$monitron_out" | p99) ms"
python3 -c "print(f'Monitron / nginx: {float($m_rps) / float($n_rps) * 100:.0f} % (budget 30 %); p99 budget 20 ms')"
echo "views answered: $views; pages rendered from the database meanwhile: $renders (one per 10 s at most, whatever the traffic)"
echo "server RSS: $(ps -o rss= -p "$server_pid" | awk '{ printf "%.0f MB", $1 / 1024 }')"
