#!/usr/bin/env bash
# HTTP benchmark of daap: a release build against a fresh PostgreSQL database seeded with
# 10,000 products, loaded by wrk with one scenario per endpoint, then the schema scale phase
# (bench/schema_scale.py: products with 5 and 500 tables, 200 single-table updates each, reads of
# latest and old versions). Writes bench/results/latest.json and regenerates docs/benchmarks.md.
# See docs/benchmarks.md for what is measured.
#
#   bash bench/run.sh
#
# Settings (environment):
#   BENCH_DATABASE_URL  admin URL of a PostgreSQL server; a database daap_bench_<pid> is created
#                       there and dropped afterwards (default: postgres://postgres@127.0.0.1:5432/postgres
#                       when a server answers there)
#   BENCH_DURATION      length of each scenario, in wrk syntax (default 10s)
#   BENCH_CONNECTIONS   open HTTP connections (default 16)
#   BENCH_THREADS       wrk threads (default 2)
#   BENCH_PORT          first port to try for daap (default 18080)
#   BENCH_SKIP_SCALE    1: skip the schema scale phase
#   BENCH_KEEP_DB       1: keep the database daap_bench_<pid> afterwards (for EXPLAIN and the like;
#                       drop it yourself)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

DURATION=${BENCH_DURATION:-10s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
PORT=${BENCH_PORT:-18080}
SKIP_SCALE=${BENCH_SKIP_SCALE:-0}
KEEP_DB=${BENCH_KEEP_DB:-0}
PRODUCTS=10000
# 50 pages of 100 lands the deep-page cursor half way through the seeded products.
DEEP_PAGES=50
# A short unrecorded run first, so the first scenario does not pay for opening pool
# connections and warming PostgreSQL's buffer cache.
WARMUP=3s
DEFAULT_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres

started_at=$(date +%s)
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

work=$(mktemp -d -t daap-bench.XXXXXX)
server_pid=
bench_db=
admin_url=
database_url=

stop_server() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        # SIGTERM lets daap finish in-flight requests and close its pool cleanly.
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}

drop_database() {
    if [[ -n $bench_db && $KEEP_DB == 1 ]]; then
        log "kept database $bench_db (BENCH_KEEP_DB=1): psql '${database_url:-$admin_url}'; drop it with" \
            "psql '$admin_url' -c 'DROP DATABASE \"$bench_db\" WITH (FORCE)'"
    elif [[ -n $bench_db ]]; then
        # FORCE: a crashed run may leave connections behind that would block the drop.
        psql "$admin_url" -qX -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS \"$bench_db\" WITH (FORCE)" >/dev/null ||
            log "warning: could not drop database $bench_db"
    fi
    bench_db=
}

cleanup() {
    local status=$?
    stop_server
    drop_database
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ------------------------------------------------------------------------------------
for tool in cargo psql pg_isready curl python3; do
    command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
if ! command -v wrk >/dev/null; then
    log "installing wrk"
    # Only refresh the package index when the install fails: it is slow and usually current.
    apt-get install -y wrk >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; } ||
        die "could not install wrk (apt-get install -y wrk)"
fi

# --- database server ------------------------------------------------------------------------
if [[ -n ${BENCH_DATABASE_URL:-} ]]; then
    admin_url=$BENCH_DATABASE_URL
elif pg_isready -q -h 127.0.0.1 -p 5432; then
    admin_url=$DEFAULT_ADMIN_URL
else
    die "no PostgreSQL server answers on 127.0.0.1:5432; start one or set BENCH_DATABASE_URL \
to an admin URL such as $DEFAULT_ADMIN_URL"
fi
psql "$admin_url" -qXAt -c 'SELECT 1' >/dev/null || die "cannot connect to $admin_url"

# --- build ------------------------------------------------------------------------------------
log "building daap (release)"
# The committed .sqlx/ query cache lets the build type-check queries without a database.
SQLX_OFFLINE=true cargo build --release --quiet ||
    die "release build failed (with SQLX_OFFLINE=true, every query must be in the committed .sqlx/ cache)"
daap=target/release/daap

# --- database ---------------------------------------------------------------------------------
bench_db=daap_bench_$$
psql "$admin_url" -qX -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$bench_db\"" >/dev/null || {
    bench_db=
    die "could not create database daap_bench_$$"
}
# Same server and credentials as the admin URL, another database (any ?query is kept).
database_url=$(python3 - "$admin_url" "$bench_db" <<'PY'
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
PY
)
export DATABASE_URL=$database_url
pg_version=$(psql "$DATABASE_URL" -qXAt -c 'SHOW server_version')
log "database $bench_db on PostgreSQL $pg_version"

"$daap" migrate 2>"$work/migrate.log" || { cat "$work/migrate.log" >&2; die "daap migrate failed"; }

log "seeding $PRODUCTS products"
psql "$DATABASE_URL" -qX -v products="$PRODUCTS" -f bench/seed.sql >/dev/null

# --- server -----------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for _ in $(seq 20); do
    port_in_use "$PORT" || break
    PORT=$((PORT + 1))
done
port_in_use "$PORT" && die "no free port found near ${BENCH_PORT:-18080}"
base=http://127.0.0.1:$PORT

DAAP_BIND=127.0.0.1:$PORT DAAP_MIGRATE_ON_START=false DAAP_LOG_FORMAT=json RUST_LOG=warn \
    "$daap" serve 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 300); do
    curl -fsS -o /dev/null "$base/health/ready" 2>/dev/null && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "daap exited at start"; }
    sleep 0.1
done
curl -fsS -o /dev/null "$base/health/ready" || die "daap was not ready within 30 s"
log "daap serving on $base (pid $server_pid)"

# A real nextLink deep in the list: cursors are opaque, so the only honest way to get one is to
# follow the links page by page like a client would.
deep_link=$(python3 - "$base" "$DEEP_PAGES" <<'PY'
import json, sys, urllib.request
base, pages = sys.argv[1], int(sys.argv[2])
link = "/v1/data-products?limit=100"
for _ in range(pages):
    with urllib.request.urlopen(base + link) as response:
        link = json.load(response).get("nextLink")
    if not link:
        sys.exit(f"the list ended before page {pages + 1}")
print(link)
PY
)

# --- scenarios --------------------------------------------------------------------------------
# Server CPU time in clock ticks (utime + stime, fields 14 and 15 of /proc/<pid>/stat; the
# fields are counted after the command name, which may itself contain spaces).
cpu_ticks() {
    local stat fields
    stat=$(<"/proc/$server_pid/stat")
    stat=${stat##*) }
    read -r -a fields <<<"$stat"
    echo $((fields[11] + fields[12]))
}

run_wrk() {
    local script=$1 url=$2 duration=$3
    BENCH_PRODUCTS=$PRODUCTS wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$duration" \
        -s "bench/lua/$script" "$url"
}

# Other work on the machine (a build, a test run) skews every number, so measure how busy the
# CPUs are for 2 s while daap is idle. (The load average would lag, and still count our build.)
idle_busy_percent=$(
    read_cpu() { awk '/^cpu / { idle = $5 + $6; total = 0; for (i = 2; i <= 9; i++) total += $i; print idle, total }' /proc/stat; }
    read -r idle1 total1 < <(read_cpu)
    sleep 2
    read -r idle2 total2 < <(read_cpu)
    echo $((100 - 100 * (idle2 - idle1) / (total2 - total1)))
)
if ((idle_busy_percent > 10)); then
    log "warning: the CPUs are ${idle_busy_percent}% busy before the benchmark starts; results will be noisy"
fi

log "warm-up ($WARMUP)"
run_wrk get.lua "$base/" "$WARMUP" >/dev/null

# Reads run first, on the data exactly as seeded; the writes then add products and versions.
scenarios=(get list list_deep post put)
declare -A script=([get]=get.lua [list]=fixed.lua [list_deep]=fixed.lua [post]=post.lua [put]=put.lua)
# wrk needs a URL for the host and port; get, post and put build their paths in Lua.
declare -A url=(
    [get]="$base/"
    [list]="$base/v1/data-products?limit=100"
    [list_deep]="$base$deep_link"
    [post]="$base/"
    [put]="$base/"
)
declare -A request=(
    [get]="GET /v1/data-products/dp:product_<random>"
    [list]="GET /v1/data-products?limit=100"
    [list_deep]="GET $deep_link"
    [post]="POST /v1/data-products"
    [put]="PUT /v1/data-products/dp:product_<random>"
)
for name in "${scenarios[@]}"; do
    log "scenario $name ($DURATION)"
    before=$(cpu_ticks)
    run_wrk "${script[$name]}" "${url[$name]}" "$DURATION" >"$work/$name.wrk.txt"
    after=$(cpu_ticks)
    printf '%s %s\n' "$before" "$after" >"$work/$name.cpu"
    printf '%s\n' "${request[$name]}" >"$work/$name.request"
    grep -E '^ *(Requests/sec|Non-2xx|Socket errors)' "$work/$name.wrk.txt" | sed 's/^ */    /' >&2 || true
done

peak_rss_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status")

# --- schema scale -------------------------------------------------------------------------------
# Same server and database: products with 5 and 500 tables, 200 single-table updates each.
# A failure is recorded in the results (and fails the final check) rather than losing the
# scenarios above.
if [[ $SKIP_SCALE == 1 ]]; then
    schema_scale=skipped
    log "schema scale phase skipped (BENCH_SKIP_SCALE=1)"
else
    log "schema scale phase"
    scale_started=$(date +%s)
    if python3 bench/schema_scale.py --base "$base" --database-url "$DATABASE_URL" \
        --server-pid "$server_pid" --out "$work/schema_scale.json"; then
        schema_scale=ran
    else
        schema_scale=failed
        log "warning: the schema scale phase failed (see above)"
    fi
    log "schema scale phase took $(($(date +%s) - scale_started)) s"
fi

stop_server
drop_database

# --- report -----------------------------------------------------------------------------------
cat >"$work/meta.txt" <<EOF
duration=$DURATION
connections=$CONNECTIONS
threads=$THREADS
products=$PRODUCTS
deep_pages=$DEEP_PAGES
clock_ticks_per_second=$(getconf CLK_TCK)
peak_rss_kb=$peak_rss_kb
postgres_version=$pg_version
wrk_version=$(wrk --version 2>&1 | head -n1 | awk '{print $2}')
rustc_version=$(rustc --version)
git_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git_dirty=$(if [[ -n $(git status --porcelain -- src migrations Cargo.toml Cargo.lock 2>/dev/null) ]]; then echo true; else echo false; fi)
nproc=$(nproc)
cpu_model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
mem_total_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
kernel=$(uname -r)
idle_busy_percent=$idle_busy_percent
schema_scale=$schema_scale
started_at=$(date -u -d "@$started_at" +%Y-%m-%dT%H:%M:%SZ)
elapsed_seconds=$(($(date +%s) - started_at))
EOF

mkdir -p bench/results
python3 bench/report.py collect "$work" "${scenarios[@]}" >bench/results/latest.json.tmp
mv bench/results/latest.json.tmp bench/results/latest.json
python3 bench/report.py markdown bench/results/latest.json >docs/benchmarks.md.tmp
mv docs/benchmarks.md.tmp docs/benchmarks.md
python3 bench/report.py table bench/results/latest.json >&2

log "wrote bench/results/latest.json and docs/benchmarks.md in $(($(date +%s) - started_at)) s"
# Non-zero exit when any scenario saw errors, so a broken run is not mistaken for a result.
python3 bench/report.py check bench/results/latest.json
