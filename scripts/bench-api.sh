#!/usr/bin/env bash
# API latency benchmark: seeds N users, then measures list endpoints with wrk (latency
# percentiles over a fixed duration, 2 connections per core). Prints one line per endpoint.
#
#   scripts/bench-api.sh [N]                          # SQLite in a temporary DATA_DIR
#   DATABASE_URL=postgres://... scripts/bench-api.sh  # an empty PostgreSQL database
#
# Needs wrk and python3 (apt-get install wrk); builds the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
DURATION=${BENCH_DURATION:-10s}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/monitron/target}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --quiet --release -p monitron-server --bin monitron

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$work" && PORT="$port" BIND_ADDRESS=127.0.0.1 DATA_DIR="$work/data" LOG_LEVEL=warn \
  INITIAL_ADMIN_EMAIL=bench@example.com INITIAL_ADMIN_PASSWORD=bench-admin-password \
  "$CARGO_TARGET_DIR/release/monitron" serve >"$work/server.log" 2>&1) &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

json() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"login":"admin","password":"bench-admin-password"}' | json '["data"]["access_token"]')
key=$(curl -fsS -X POST "$base/api/v1/me/api-keys" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" -d '{"name":"bench"}' | json '["data"]["key"]')

# Seeding N accounts through the API would spend N Argon2 hashes; insert rows that reuse
# the admin's hash instead, in one transaction, through the same database the server uses.
python3 - "$N" "${DATABASE_URL:-sqlite://$work/data/monitron.db}" <<'PY'
import sys, uuid, datetime, subprocess
n, url = int(sys.argv[1]), sys.argv[2]
sqlite = url.startswith("sqlite")
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
# SQLite keeps UUIDs as 16-byte blobs and booleans as integers; PostgreSQL has both types.
uid = (lambda u: f"X'{u.hex}'") if sqlite else (lambda u: f"'{u}'")
yes, no = ("1", "0") if sqlite else ("TRUE", "FALSE")
rows = ",".join(
    f"({uid(uuid.uuid4())},'bench{i:06d}','bench{i:06d}@example.com',NULL,(SELECT password_hash FROM users WHERE username='admin'),"
    f"'{['viewer','editor'][i % 2]}',{yes if i % 10 else no},'system','blue',NULL,'{now}','{now}','{now}')"
    for i in range(n))
sql = ("BEGIN; INSERT INTO users (id,username,email,display_name,password_hash,role,active,theme,color,"
       "last_login_at,password_changed_at,created_at,updated_at) VALUES " + rows + "; COMMIT;")
if sqlite:
    subprocess.run(["sqlite3", url.split("://", 1)[1].split("?")[0]], input=sql, text=True, check=True)
else:
    subprocess.run(["psql", "-q", url], input=sql, text=True, check=True)
PY

threads=$(nproc)
for path in "/api/v1/users?per_page=50" "/api/v1/users?per_page=50&page=150&sort=-created_at" \
            "/api/v1/users?q=bench0042&per_page=50" "/api/v1/users?role=editor&status=inactive&per_page=50" \
            "/api/v1/audit-logs?per_page=50"; do
  out=$(wrk -t"$threads" -c"$((threads * 2))" -d"$DURATION" --latency -H "X-API-Key: $key" "$base$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+' <<<"$out" || echo "Non-2xx: 0")
  printf '%-60s users=%-6s req/s=%-9s p50=%-9s p99=%-9s %s\n' "$path" "$((N + 1))" "$rps" "$p50" "$p99" "$errors"
done
