#!/usr/bin/env bash
# Does the cost of the statistics depend on the catalogue's size? One run:
#
#   bash bench/stats_scale.sh
#
# Builds daap (release), seeds two databases with bench/seed.sql, SMALL (10,000) and LARGE
# (100,000) products (the seed computes the statistics at its end with stats_rebuild(): its
# time is reported), then runs ROUNDS interleaved rounds (default 3): each round starts `daap serve`
# on the small database, measures every scenario for BENCH_DURATION (3s) with wrk at fixed
# concurrency, stops it, and does the same on the large one, so the machine's swings hit both.
# Scenarios: `stats` (GET /v1/stats) and `dashboard` (GET /dashboard, the overview page).
#
# It prints, per scenario and size, the medians of requests/s, p50 latency and daap +
# PostgreSQL CPU per request (bench/probe.py, as bench/ab.sh), and the large/small ratios
# (target: at most 1.5× for CPU per request and p50), and writes bench/results/stats_scale.json
# and bench/results/stats_scale.md (the section bench/report.py puts in docs/benchmarks.md).
#
# Settings: BENCH_DATABASE_URL (as bench/run.sh), SMALL, LARGE, ROUNDS, BENCH_DURATION,
# BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_PORT (18095), CARGO_TARGET_DIR, BENCH_DAAP_BIN
# (a daap binary to use instead of building one: only to try the script out).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

SMALL=${SMALL:-10000}
LARGE=${LARGE:-100000}
ROUNDS=${ROUNDS:-3}
DURATION=${BENCH_DURATION:-3s}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
PORT=${BENCH_PORT:-18095}
SCENARIOS="stats dashboard"
admin_url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
target=${CARGO_TARGET_DIR:-$root/target}

log() { printf '[stats-scale %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (bash bench/run.sh installs it)"

work=$(mktemp -d)
server_pid=
cleanup() {
    [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    for size in small large; do
        psql "$admin_url" -qX -c "DROP DATABASE IF EXISTS daap_stats_${size}_$$ WITH (FORCE)" \
            >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

daap=${BENCH_DAAP_BIN:-}
if [[ -z $daap ]]; then
    log "building (release)"
    SQLX_OFFLINE=true CARGO_TARGET_DIR=$target cargo build --release --quiet || die "build failed"
    daap=$target/release/daap
fi

db_url() { # database name -> its URL on the admin URL's server
    python3 -c "import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/' + sys.argv[2])))" "$admin_url" "$1"
}
declare -A urls products
products[small]=$SMALL
products[large]=$LARGE
for size in small large; do
    db=daap_stats_${size}_$$
    urls[$size]=$(db_url "$db")
    psql "$admin_url" -qX -c "CREATE DATABASE $db" >/dev/null
    DATABASE_URL=${urls[$size]} "$daap" migrate 2>/dev/null || die "migrate failed"
    log "seeding ${products[$size]} products (statistics rebuilt at the end)"
    started=$(date +%s.%N)
    psql "${urls[$size]}" -qX -v products="${products[$size]}" -v history_products=10 \
        -v history_versions=1000 -v wide_products=5 -v wide_tables=500 -v single_products=500 \
        -f bench/seed.sql >/dev/null
    psql "${urls[$size]}" -qX -c CHECKPOINT -c ANALYZE >/dev/null 2>&1 || true
    python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 1))" \
        "$started" "$(date +%s.%N)" >"$work/seed.$size"
    log "seeded ${products[$size]} products in $(cat "$work/seed.$size") s"
done

url="http://127.0.0.1:$PORT"
start() { # size
    DATABASE_URL=${urls[$1]} DAAP_BIND=127.0.0.1:$PORT DAAP_MIGRATE_ON_START=false \
        RUST_LOG=error "$daap" serve 2>>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 200); do curl -fs "$url/health/ready" >/dev/null 2>&1 && return; sleep 0.05; done
    die "the server did not become ready"
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }
path_of() { case $1 in stats) echo /v1/stats ;; dashboard) echo /dashboard ;; esac; }

for round in $(seq "$ROUNDS"); do
    for size in small large; do
        start "$size"
        for name in $SCENARIOS; do
            wrk -t "$THREADS" -c "$CONNECTIONS" -d 1s "$url$(path_of "$name")" >/dev/null
            before=$(python3 bench/probe.py cpu --server-pid "$server_pid" --database-url "${urls[$size]}")
            wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" "$url$(path_of "$name")" \
                >"$work/wrk.$size.$name.$round.txt"
            after=$(python3 bench/probe.py cpu --server-pid "$server_pid" --database-url "${urls[$size]}")
            printf '%s\n%s\n' "$before" "$after" >"$work/cpu.$size.$name.$round.json"
        done
        stop
        log "round $round: $size done"
    done
done

python3 - "$work" "$ROUNDS" "$SMALL" "$LARGE" "$DURATION" "$CONNECTIONS" "$(git rev-parse --short HEAD)" $SCENARIOS <<'PY'
import json, re, statistics, sys
from pathlib import Path
work, rounds, small, large, duration, connections, commit = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6], sys.argv[7]
names = sys.argv[8:]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}

def p50_ms(text):
    value, unit = re.search(r"^\s*50%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
    return float(value) * UNITS[unit]

def requests(text):
    if re.search(r"Non-2xx|Socket errors", text):
        sys.exit(f"errors during a run:\n{text}")
    n = int(re.search(r"(\d+) requests in", text).group(1))
    if n == 0:
        sys.exit(f"no request completed:\n{text}")
    return n

def cpu_ms(lines, n):
    a, b = (json.loads(line) for line in lines)
    pg = sum(ns - a["postgres_ns"].get(pid, 0) for pid, ns in b["postgres_ns"].items())
    return (b["server_ns"] - a["server_ns"]) / 1e6 / n, pg / 1e6 / n

seed = {size: float((work / f"seed.{size}").read_text()) for size in ("small", "large")}
out = {"commit": commit, "rounds": rounds, "duration": duration, "connections": connections,
       "products": {"small": small, "large": large}, "seed_seconds": seed, "scenarios": {}}
lines = [
    f"{rounds} interleaved rounds of {duration} per scenario, {connections} connections; medians. "
    f"Seeded (bench/seed.sql, statistics rebuilt at the end) in {seed['small']:.0f} s ({small:,} products) "
    f"and {seed['large']:.0f} s ({large:,}).",
    "",
    f"| scenario | products | req/s | p50 ms | CPU ms/req (daap + PostgreSQL) |",
    "|---|--:|--:|--:|--:|",
]
ratios = []
for name in names:
    row = {}
    for size in ("small", "large"):
        rates, p50s, cpus = [], [], []
        for r in range(1, rounds + 1):
            text = (work / f"wrk.{size}.{name}.{r}.txt").read_text()
            n = requests(text)
            rates.append(float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)))
            p50s.append(p50_ms(text))
            cpus.append(cpu_ms((work / f"cpu.{size}.{name}.{r}.json").read_text().split("\n")[:2], n))
        row[size] = {"rate": statistics.median(rates), "p50_ms": statistics.median(p50s),
                     "cpu_ms": statistics.median(d + p for d, p in cpus),
                     "daap_cpu_ms": statistics.median(d for d, _ in cpus),
                     "postgres_cpu_ms": statistics.median(p for _, p in cpus)}
        s = row[size]
        lines.append(f"| `{name}` | {out['products'][size]:,} | {s['rate']:,.0f} | {s['p50_ms']:.2f} "
                     f"| {s['daap_cpu_ms']:.3f} + {s['postgres_cpu_ms']:.3f} = {s['cpu_ms']:.3f} |")
    row["ratio_cpu"] = row["large"]["cpu_ms"] / row["small"]["cpu_ms"]
    row["ratio_p50"] = row["large"]["p50_ms"] / row["small"]["p50_ms"]
    out["scenarios"][name] = row
    ratios.append(f"| `{name}` | {row['ratio_cpu']:.2f}× | {row['ratio_p50']:.2f}× "
                  f"| {'PASS' if max(row['ratio_cpu'], row['ratio_p50']) <= 1.5 else 'FAIL'} |")
lines += ["", f"| scenario | CPU/req {large:,} ÷ {small:,} | p50 {large:,} ÷ {small:,} | within 1.5× |",
          "|---|--:|--:|---|", *ratios]
table = "\n".join(lines)
print("\n" + table)
Path("bench/results/stats_scale.json").write_text(json.dumps(out, indent=2) + "\n")
Path("bench/results/stats_scale.md").write_text(
    f"## Statistics at scale\n\n`bash bench/stats_scale.sh` on commit `{commit}`: does serving the "
    f"statistics cost more on a larger catalogue? `GET /v1/stats` and `GET /dashboard` on {small:,} and "
    f"{large:,} products, one release build, both databases in the same run.\n\n{table}\n")
PY
