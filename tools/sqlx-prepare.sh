#!/usr/bin/env bash
# Writes the offline query data in .sqlx/ again (after a query or a migration changed), or
# with --check only says whether it is up to date. The build reads .sqlx/ (SQLX_OFFLINE=true
# in .cargo/config.toml), so it never needs a database; this script is the one place that
# checks the queries against a live one.
#
#   tools/sqlx-prepare.sh            # write .sqlx/
#   tools/sqlx-prepare.sh --check    # fail when .sqlx/ is stale
#
# It uses $DATABASE_URL's server when set (creating a scratch database there), or else starts
# a throw-away PostgreSQL cluster in a temporary directory. Needs sqlx-cli (installed here
# when missing) and PostgreSQL's server programs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-sqlx >/dev/null 2>&1; then
    echo "== installing sqlx-cli"
    cargo install sqlx-cli --version 0.8.6 --no-default-features --features postgres,rustls --locked
fi

scratch="mokuhyo_prepare_$$"
cleanup() { :; }
if [ -n "${DATABASE_URL:-}" ]; then
    base="${DATABASE_URL%/*}"
    url="$base/$scratch"
    cleanup() { sqlx database drop -y -D "$url" >/dev/null 2>&1 || true; }
else
    bin=$(dirname "$(command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
    dir=$(mktemp -d)
    as_owner=()
    if [ "$(id -u)" -eq 0 ]; then
        # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
        chown postgres "$dir"
        as_owner=(runuser -u postgres --)
    fi
    "${as_owner[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-k $dir -c listen_addresses='' -p 5499" \
        -l "$dir/log" -w start >/dev/null
    url="postgres://postgres@localhost:5499/$scratch?host=$dir"
    cleanup() {
        "${as_owner[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$dir"
    }
fi
trap cleanup EXIT

export DATABASE_URL="$url" SQLX_OFFLINE=false
sqlx database create
sqlx migrate run --source migrations >/dev/null
if [ "${1:-}" = "--check" ]; then
    cargo sqlx prepare --check -- --all-targets
else
    # build.rs records the migrations' hash beside the data (an offline build compares it).
    MOKUHYO_SQLX_PREPARE=write cargo sqlx prepare -- --all-targets
fi
