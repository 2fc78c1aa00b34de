#!/usr/bin/env bash
# A public page's throughput alone and while another client posts in a loop (anonymous POSTs
# to a page address, answered 405, and to the sign-in form without a cookie, answered 403):
# posts must not empty the page cache (issue #25). Release build, demo data, wrk on loopback.
#
#   apt-get install wrk      # once
#   cargo build --release && bash tools/bench-post-loop.sh
#
# Environment: DURATION (default 8s), CONNECTIONS (default 32).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
BIN=target/release/mokuhyo
[ -x "$BIN" ] || { echo "build first: cargo build --release" >&2; exit 1; }
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
WORK=$(mktemp -d /tmp/mokuhyo-postloop.XXXXXX)
chmod 755 "$WORK"
PORT=18096
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
DATA_DIR="$WORK/data" BIND_ADDR="127.0.0.1:$PORT" RUST_LOG=warn "$BIN" >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
for _ in $(seq 1 120); do
  curl -sf -o /dev/null "http://127.0.0.1:$PORT/kariya/2026" && break
  sleep 1
done
URL="http://127.0.0.1:$PORT/kariya/2026/departments/kikaku-zaisei"
curl -sf -o /dev/null "$URL"
cat >"$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "a=1"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local paths = { "/kariya/2026", "/login", "/x" }
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, paths[n % #paths + 1])
end
LUA
summary() { awk '/Requests\/sec/ {rps=$2} /50%/ {p50=$2} /99%/ {p99=$2} END {printf "%s req/s, median %s, p99 %s", rps, p50, p99}'; }
echo "page: $URL"
alone=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$URL" | summary)
echo "alone:                 $alone"
wrk -t1 -c4 -d"$DURATION" -s "$WORK/post.lua" "http://127.0.0.1:$PORT" >"$WORK/posts.txt" &
POSTS=$!
sleep 0.5
with=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$URL" | summary)
wait "$POSTS"
posts=$(awk '/Requests\/sec/ {print $2}' "$WORK/posts.txt")
echo "beside $posts posts/s: $with"
