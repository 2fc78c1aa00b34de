#!/usr/bin/env bash
# Follows docs/reverse-proxy.md on this machine: two Mokuhyo servers on one database, nginx in
# front with docs/nginx-mokuhyo.conf (ports and paths substituted), and prints how long a
# change to a public page takes to reach readers through nginx.
#
#   apt-get install nginx-light curl      # once
#   cargo build --release
#   DATABASE_URL=postgres://postgres@127.0.0.1/mokuhyo_proxy bash tools/proxy-check.sh
#
# The database is created if missing and gets the demo; the city 刈谷市 is renamed and named
# back. Environment: PUBLIC_SHARED_SECONDS (passed to the servers; default theirs, 30).
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in nginx curl psql; do
  command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install nginx-light curl postgresql-client" >&2; exit 1; }
done
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database (created if missing)}"
BIN=$PWD/target/release/mokuhyo
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
WORK=$(mktemp -d /tmp/mokuhyo-proxy.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  psql -q "$DATABASE_URL" -c "UPDATE municipality SET name = '刈谷市' WHERE slug = 'kariya'" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! psql -q "$DATABASE_URL" -c 'SELECT 1' >/dev/null 2>&1; then
  name=${DATABASE_URL##*/}
  name=${name%%\?*}
  psql -q "${DATABASE_URL%/*}/postgres" -c "CREATE DATABASE \"$name\"" ||
    { echo "cannot create the database $name" >&2; exit 1; }
fi
"$BIN" load-demo >/dev/null 2>&1 || { echo "cannot load the demo into $DATABASE_URL" >&2; exit 1; }
for port in 18181 18182; do
  BIND_ADDR="127.0.0.1:$port" TRUST_PROXY=1 RUST_LOG=warn "$BIN" >"$WORK/app$port.out" 2>&1 &
  PIDS+=($!)
done
for port in 18181 18182; do
  for _ in $(seq 1 200); do grep -q "running at" "$WORK/app$port.out" && break; sleep 0.1; done
done

sed -e "s|/var/cache/nginx/mokuhyo|$WORK/cache|" \
    -e "s|127.0.0.1:8081|127.0.0.1:18181|; s|127.0.0.1:8082|127.0.0.1:18182|" \
    -e "s|listen 80;|listen 127.0.0.1:18180;|" docs/nginx-mokuhyo.conf >"$WORK/mokuhyo.conf"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx.err;
events { worker_connections 256; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  include $WORK/mokuhyo.conf;
}
CONF
nginx -t -c "$WORK/nginx.conf" 2>/dev/null || { nginx -t -c "$WORK/nginx.conf"; exit 1; }
nginx -c "$WORK/nginx.conf"
sleep 0.3

PAGE=http://127.0.0.1:18180/kariya
status() { curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip, br' "$PAGE" | awk 'tolower($1) == "x-cache-status:" {print $2}' | tr -d '\r'; }
echo "through nginx: first read $(status), second read $(status)"
curl -s -D - -o /dev/null "$PAGE" | grep -i '^cache-control' | tr -d '\r'
echo "staff sign-in page: $(curl -s -o /dev/null -D - http://127.0.0.1:18180/login | grep -i '^cache-control' | tr -d '\r'), $(curl -s -o /dev/null -D - http://127.0.0.1:18180/login | awk 'tolower($1) == "x-cache-status:" {print $2}' | tr -d '\r')"

psql -q "$DATABASE_URL" -c "UPDATE municipality SET name = '新刈谷市' WHERE slug = 'kariya'"
changed=$(date +%s.%N)
direct=""
for _ in $(seq 1 50); do
  if curl -s http://127.0.0.1:18182/kariya | grep -q 新刈谷市; then direct=$(date +%s.%N); break; fi
  sleep 0.05
done
while ! curl -s -H 'Accept-Encoding: gzip, br' --compressed "$PAGE" | grep -q 新刈谷市; do
  sleep 0.5
  if awk -v c="$changed" -v n="$(date +%s.%N)" 'BEGIN {exit !(n - c > 300)}'; then
    echo "the change did not reach readers through nginx within 300 s" >&2
    exit 1
  fi
done
seen=$(date +%s.%N)
awk -v c="$changed" -v d="$direct" -v s="$seen" 'BEGIN {
  if (d != "") printf "the change reached Mokuhyo'"'"'s other server after %.2f s\n", d - c;
  printf "and readers through nginx after %.1f s\n", s - c }'
