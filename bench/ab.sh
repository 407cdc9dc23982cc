#!/usr/bin/env bash
# Before/after comparison of two builds of daap, interleaved so that the machine's swings
# (larger than most changes on these shared machines) hit both sides alike:
#
#   bash bench/ab.sh <before-commit> [after-commit]     # after: the working tree
#
# Builds both (release), seeds one database with the current tree's migrations and
# bench/seed.sql (BENCH_PRODUCTS, default 10000), then runs ROUNDS rounds (default 5); each
# round starts the before server, runs every scenario for BENCH_DURATION (default 3s), stops it,
# and does the same with the after server. It prints, per scenario, the median requests/s and
# daap + PostgreSQL CPU per request of each side and their ratio, and writes them to
# bench/results/ab.json. Both builds must work on the current schema (no migration between
# them that the older one cannot run on).
#
# Settings: BENCH_DATABASE_URL (as bench/run.sh), BENCH_PRODUCTS, BENCH_DURATION,
# BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_PORT (18090), ROUNDS (5), SCENARIOS
# (default: "get get_schema list post put put_schema_minor"; also get_old, put_schema_major,
# and health: `/health/live`, the HTTP stack alone).
#
# Prebuilt binaries: AB_BEFORE_BIN / AB_AFTER_BIN (paths) skip that side's build, e.g. when
# both sides were built one after the other in one target directory, which on 2 cores takes
# minutes instead of two full release builds.
#
# One build, two database definitions: AB_BEFORE_SQL / AB_AFTER_SQL (paths of SQL files) are
# applied to the database before each of that side's rounds, e.g. a function as an older
# migration defined it and as a new one redefines it.
#
# One build, two configurations: pass `.` as <before-commit> and set BEFORE_ENV and AFTER_ENV
# to the settings of each side (space-separated NAME=value), e.g. the cost of logging, metrics
# and rate limiting (bench/ops_overhead.sh does exactly that).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

[[ $# -ge 1 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
BEFORE=$1
AFTER=${2:-}
PRODUCTS=${BENCH_PRODUCTS:-10000}
DURATION=${BENCH_DURATION:-3s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
PORT=${BENCH_PORT:-18090}
ROUNDS=${ROUNDS:-5}
SCENARIOS=${SCENARIOS:-get get_schema list post put put_schema_minor}
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

log() { printf '[ab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (bash bench/run.sh installs it)"

work=$(mktemp -d)
db=daap_ab_$$
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    git worktree remove --force "$work/src-before" >/dev/null 2>&1 || true
    [[ -n $AFTER ]] && { git worktree remove --force "$work/src-after" >/dev/null 2>&1 || true; }
    psql "$admin_url" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# Build a revision (or the working tree) and keep a copy of its binary. A checked-out revision
# builds in a target directory of its own (target/ab-<name>, kept for the next comparison):
# cargo gives the same artifact names to this package wherever it is checked out, so two
# trees sharing one target directory would each link the other's library.
build() { # name revision-or-empty
    local name=$1 rev=$2 dir=. target=$root/target prebuilt
    prebuilt=AB_$(tr a-z A-Z <<<"$name")_BIN
    if [[ -n ${!prebuilt:-} ]]; then
        log "$name: the prebuilt ${!prebuilt}"
        cp "${!prebuilt}" "$work/daap-$name"
        return
    fi
    if [[ -n $rev ]]; then
        dir=$work/src-$name
        target=$root/target/ab-$name
        git worktree add --detach "$dir" "$rev" >/dev/null 2>&1 || die "no such revision: $rev"
    fi
    log "building $name (${rev:-working tree}; a first build of a revision takes minutes)"
    (cd "$dir" && SQLX_OFFLINE=true CARGO_TARGET_DIR="$target" cargo build --release --quiet 2>&1) ||
        die "build of $name failed"
    cp "$target/release/daap" "$work/daap-$name"
}
if [[ $BEFORE == . ]]; then
    build after ""
    cp "$work/daap-after" "$work/daap-before"
else
    build before "$BEFORE"
    build after "$AFTER"
fi

DATABASE_URL=$(python3 -c "import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/' + sys.argv[2])))" "$admin_url" "$db")
export DATABASE_URL
psql "$admin_url" -qX -c "CREATE DATABASE $db" >/dev/null
"$work/daap-after" migrate 2>/dev/null || die "migrate failed"
log "seeding $PRODUCTS products"
psql "$DATABASE_URL" -qX -v products="$PRODUCTS" -v history_products=10 -v history_versions=1000 \
    -v wide_products=5 -v wide_tables=500 -v single_products=500 -f bench/seed.sql >/dev/null
psql "$DATABASE_URL" -qX -c CHECKPOINT >/dev/null 2>&1 || true

url="http://127.0.0.1:$PORT"
start() { # binary [NAME=value...]: the side's own settings win over the defaults
    local binary=$1
    shift
    # shellcheck disable=SC2068
    env DAAP_BIND=127.0.0.1:$PORT DAAP_MIGRATE_ON_START=false DAAP_LOG_FORMAT=json RUST_LOG=error \
        $@ "$binary" serve 2>>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 200); do curl -fs "$url/health/ready" >/dev/null 2>&1 && return; sleep 0.05; done
    die "the server did not become ready"
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }
scenario_args() { # scenario -> lua script and environment
    case $1 in
        get) echo "get.lua" ;;
        get_old) echo "get_old.lua" ;;
        get_schema) echo "get_schema.lua" ;;
        health | list) echo "fixed.lua" ;;
        post) echo "post.lua BENCH_NAME_PREFIX=ab$2" ;;
        put) echo "put.lua" ;;
        put_schema_minor) echo "put_schema.lua BENCH_CHANGE=minor" ;;
        put_schema_major) echo "put_schema.lua BENCH_CHANGE=major" ;;
        *) die "unknown scenario $1" ;;
    esac
}

for round in $(seq "$ROUNDS"); do
    for side in before after; do
        side_env=BEFORE_ENV
        [[ $side == after ]] && side_env=AFTER_ENV
        side_sql=AB_$(tr a-z A-Z <<<"$side")_SQL
        if [[ -n ${!side_sql:-} ]]; then
            psql "$DATABASE_URL" -qX -v ON_ERROR_STOP=1 -f "${!side_sql}" >/dev/null ||
                die "could not apply ${!side_sql}"
        fi
        # shellcheck disable=SC2086
        start "$work/daap-$side" ${!side_env:-}
        env BENCH_PRODUCTS="$PRODUCTS" BENCH_THREADS="$THREADS" \
            wrk -t "$THREADS" -c "$CONNECTIONS" -d 1s -s bench/lua/get.lua "$url/" >/dev/null
        for name in $SCENARIOS; do
            read -r script vars <<<"$(scenario_args "$name" "${side}${round}")"
            path=/
            [[ $name == list ]] && path="/v1/data-products?limit=100"
            [[ $name == health ]] && path="/health/live"
            before_cpu=$(python3 bench/probe.py cpu --server-pid "$server_pid" --database-url "$DATABASE_URL")
            # shellcheck disable=SC2086
            env BENCH_PRODUCTS="$PRODUCTS" BENCH_THREADS="$THREADS" $vars \
                wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" -s "bench/lua/$script" \
                "$url$path" >"$work/wrk.$side.$name.$round.txt"
            after_cpu=$(python3 bench/probe.py cpu --server-pid "$server_pid" --database-url "$DATABASE_URL")
            printf '%s\n%s\n' "$before_cpu" "$after_cpu" >"$work/cpu.$side.$name.$round.json"
        done
        stop
        log "round $round: $side done"
    done
done

python3 - "$work" "$ROUNDS" "$BEFORE" "${AFTER:-working tree}" $SCENARIOS <<'PY'
import json, re, statistics, sys
from pathlib import Path
work, rounds, before_rev, after_rev, names = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]

def rate(text):
    return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))

def requests(text):
    return int(re.search(r"(\d+) requests in", text).group(1))

def cpu_ms(lines, n):
    """daap's and its PostgreSQL backends' CPU time per request (a backend that connected
    during the run counts from zero)."""
    a, b = (json.loads(line) for line in lines)
    pg = sum(ns - a["postgres_ns"].get(pid, 0) for pid, ns in b["postgres_ns"].items())
    return ((b["server_ns"] - a["server_ns"]) / 1e6 / n, pg / 1e6 / n)

out = {"before": before_rev, "after": after_rev, "rounds": rounds, "scenarios": {}}
print(f"\n{rounds} interleaved rounds; medians. before = {before_rev}, after = {after_rev}\n")
print("| scenario | before req/s | after req/s | after/before | before CPU ms/req (daap + PostgreSQL) | after | after/before |")
print("|---|--:|--:|--:|--:|--:|--:|")
for name in names:
    row = {}
    for side in ("before", "after"):
        rates, cpus = [], []
        for r in range(1, rounds + 1):
            text = (work / f"wrk.{side}.{name}.{r}.txt").read_text()
            rates.append(rate(text))
            d, p = cpu_ms((work / f"cpu.{side}.{name}.{r}.json").read_text().split("\n")[:2], requests(text))
            cpus.append((d, p))
        row[side] = {"rates": rates, "median_rate": statistics.median(rates),
                     "median_cpu_ms": statistics.median(d + p for d, p in cpus),
                     "median_daap_cpu_ms": statistics.median(d for d, _ in cpus),
                     "median_postgres_cpu_ms": statistics.median(p for _, p in cpus)}
    b, a = row["before"], row["after"]
    out["scenarios"][name] = row
    print(f"| `{name}` | {b['median_rate']:,.0f} | {a['median_rate']:,.0f} | {a['median_rate'] / b['median_rate']:.2f}× "
          f"| {b['median_daap_cpu_ms']:.3f} + {b['median_postgres_cpu_ms']:.3f} "
          f"| {a['median_daap_cpu_ms']:.3f} + {a['median_postgres_cpu_ms']:.3f} "
          f"| {a['median_cpu_ms'] / b['median_cpu_ms']:.2f}× |")
Path("bench/results/ab.json").write_text(json.dumps(out, indent=2) + "\n")
PY
