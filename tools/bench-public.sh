#!/usr/bin/env bash
# Published pages against a static file server on the same bytes, in one run:
# the department page and the booklet served by Mokuhyo (release build, demo data) and by
# nginx serving the very bytes Mokuhyo sent; req/s, p99 and the ratio, and the server's RSS.
#
#   apt-get install wrk nginx-light     # once
#   cargo build --release && bash tools/bench-public.sh
#
# Environment: DURATION (default 8s), CONNECTIONS (default 32).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install wrk nginx-light curl" >&2; exit 1; }
done
BIN=target/release/mokuhyo
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/mokuhyo-bench.XXXXXX)
chmod 755 "$WORK"
APP_PORT=18097
NGINX_PORT=18098
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

DATA_DIR="$WORK/data" BIND_ADDR="127.0.0.1:$APP_PORT" RUST_LOG=warn "$BIN" >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
for _ in $(seq 1 300); do
  grep -q "running at" "$WORK/app.out" 2>/dev/null && break
  sleep 0.2
done
grep -q "running at" "$WORK/app.out" || { cat "$WORK/app.err" >&2; exit 1; }

PAGES=("/kariya/2026/departments/kikaku-zaisei" "/kariya/2026")
NAMES=("department" "booklet")
mkdir -p "$WORK/www"
for i in "${!PAGES[@]}"; do
  curl -sf "http://127.0.0.1:$APP_PORT${PAGES[$i]}" -o "$WORK/www/${NAMES[$i]}.html"
done
# Every other published page too, so the RSS below is with all demo publications cached.
for city in kariya kokubunji; do
  curl -sf "http://127.0.0.1:$APP_PORT/$city/2026" | grep -o 'href="/'"$city"'/2026/[^"]*"' | cut -d'"' -f2 |
    while read -r p; do curl -sf -o /dev/null "http://127.0.0.1:$APP_PORT$p" || true; done
done

cat >"$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
CONF
nginx -c "$WORK/nginx.conf"
sleep 0.5

measure() { # url → "req/s p99_ms"
  local out rps p99
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")
  echo "$rps $p99"
}

printf '%-11s %9s %12s %9s %12s %9s %7s\n' page bytes "mokuhyo r/s" "p99 ms" "nginx r/s" "p99 ms" ratio
for i in "${!PAGES[@]}"; do
  bytes=$(stat -c %s "$WORK/www/${NAMES[$i]}.html")
  read -r app_rps app_p99 < <(measure "http://127.0.0.1:$APP_PORT${PAGES[$i]}")
  read -r ngx_rps ngx_p99 < <(measure "http://127.0.0.1:$NGINX_PORT/${NAMES[$i]}.html")
  ratio=$(awk -v a="$app_rps" -v n="$ngx_rps" 'BEGIN {printf "%.1f%%", 100 * a / n}')
  printf '%-11s %9s %12s %9s %12s %9s %7s\n' "${NAMES[$i]}" "$bytes" "$app_rps" "$app_p99" "$ngx_rps" "$ngx_p99" "$ratio"
done
rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$APP_PID/status")
hwm=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$APP_PID/status")
echo "server RSS after the runs: ${rss} MB (peak ${hwm} MB), all demo publications cached"
