#!/usr/bin/env bash
# Every city's pages at once: a deployment with CITIES cities (the demo's 刈谷市 copied by
# `mokuhyo clone-city`), requests over every public address Zipf-distributed (s = 1) and
# uniform, against Mokuhyo (release build, a fresh server per run) and against nginx serving
# the very bytes Mokuhyo sent as files. Prints req/s, p50/p99, the ratio, and the server's
# memory (RSS at the end, and its peak).
#
#   apt-get install wrk nginx-light python3     # once
#   cargo build --release && bash tools/bench-national.sh
#
# Environment: CITIES (default 1741), WARMUP and DURATION (default 15s each), CONNECTIONS
# (default 32), PAGE_CACHE_MB (the server's default unless set), BENCH_DATA (where the
# cloned deployment is kept between runs; default /tmp/mokuhyo-national), DATABASE_URL (use
# that database instead of a private cluster under BENCH_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install wrk nginx-light curl python3" >&2; exit 1; }
done
BIN=$PWD/target/release/mokuhyo
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
CITIES=${CITIES:-1741}
WARMUP=${WARMUP:-15s}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-32}
BENCH_DATA=${BENCH_DATA:-/tmp/mokuhyo-national}
WORK=$(mktemp -d /tmp/mokuhyo-bench.XXXXXX)
mkdir -p "$BENCH_DATA"
chmod 755 "$WORK" "$BENCH_DATA"
APP_PORT=18097
NGINX_PORT=18098
export DATA_DIR="$BENCH_DATA/data"
stop_app() {
  if [ -n "${APP_PID:-}" ]; then kill "$APP_PID" 2>/dev/null || true; wait "$APP_PID" 2>/dev/null || true; fi
  APP_PID=
}
cleanup() {
  stop_app
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_app() {
  BIND_ADDR="127.0.0.1:$APP_PORT" RUST_LOG=warn "$BIN" >"$WORK/app.out" 2>"$WORK/app.err" &
  APP_PID=$!
  for _ in $(seq 1 600); do
    grep -q "running at" "$WORK/app.out" 2>/dev/null && return 0
    sleep 0.2
  done
  cat "$WORK/app.err" >&2
  exit 1
}

# The deployment: the demo (loaded on a private cluster's first start) and the copies.
start_app
stop_app
echo "copying kariya into $((CITIES - 1)) cities (skipped where they exist)…" >&2
"$BIN" clone-city --from kariya --count "$((CITIES - 1))" 2>&1 | tail -1 >&2

start_app
URLS="$BENCH_DATA/urls.txt"
if [ ! -s "$URLS" ] || [ "$(grep -c . "$URLS")" -lt "$CITIES" ]; then
  python3 tools/national-urls.py "http://127.0.0.1:$APP_PORT" kariya >"$URLS"
fi
if [ ! -f "$BENCH_DATA/www.done" ] || [ "$URLS" -nt "$BENCH_DATA/www.done" ]; then
  rm -rf "$BENCH_DATA/www"
  python3 tools/save-pages.py "http://127.0.0.1:$APP_PORT" "$BENCH_DATA/www" <"$URLS"
  touch "$BENCH_DATA/www.done"
fi
stop_app
echo "$(grep -c . "$URLS") addresses; $(du -sh "$BENCH_DATA/www" | cut -f1) of pages" >&2

cat >"$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $BENCH_DATA/www;
    location / { try_files \$uri \$uri/index.html =404; }
  }
}
CONF
nginx -c "$WORK/nginx.conf"
sleep 0.5

ms() { # wrk's latency figure → milliseconds
  awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$1"
}
measure() { # base_url zipf_s → "req/s p50 p99 non2xx"
  local out
  URLS="$URLS" ZIPF_S="$2" wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s tools/zipf.lua "$1" >/dev/null
  out=$(URLS="$URLS" ZIPF_S="$2" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s tools/zipf.lua "$1")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")") $(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")") $(awk '/Non-2xx/ {print $4}' <<<"$out" | grep . || echo 0)"
}

printf '%-8s %11s %8s %8s %11s %8s %8s %7s %9s %9s\n' requests "mokuhyo r/s" "p50 ms" "p99 ms" "nginx r/s" "p50 ms" "p99 ms" ratio "RSS MB" "peak MB"
for workload in "zipf 1" "uniform 0"; do
  read -r name s <<<"$workload"
  start_app
  read -r app_rps app_p50 app_p99 app_bad < <(measure "http://127.0.0.1:$APP_PORT" "$s")
  rss=$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$APP_PID/status")
  peak=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$APP_PID/status")
  stop_app
  read -r ngx_rps ngx_p50 ngx_p99 _ < <(measure "http://127.0.0.1:$NGINX_PORT" "$s")
  ratio=$(awk -v a="$app_rps" -v n="$ngx_rps" 'BEGIN {printf "%.1f%%", 100 * a / n}')
  printf '%-8s %11s %8s %8s %11s %8s %8s %7s %9s %9s\n' "$name" "$app_rps" "$app_p50" "$app_p99" "$ngx_rps" "$ngx_p50" "$ngx_p99" "$ratio" "$rss" "$peak"
  [ "$app_bad" = 0 ] || echo "  ($app_bad answers from Mokuhyo were not 2xx)"
done
