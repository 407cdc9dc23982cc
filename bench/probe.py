#!/usr/bin/env python3
"""Small measurements for bench/run.sh (Python standard library only).

    probe.py cpu --server-pid PID --database-url URL
        One JSON line: CPU time so far of the daap process and of each PostgreSQL backend of
        its database, and of the whole machine, in ns. bench/report.py subtracts two of these
        (taken before and after a scenario) to get CPU per request.
    probe.py deep-link --base URL --path PATH --pages N
        Follow `nextLink` N times from PATH, as a client would (cursors are opaque), and print
        the link reached.
    probe.py get-query-script --products N
        A pgbench script running the SQL behind `GET /v1/data-products/dp:<name>` (daap's
        exact statement, from the committed sqlx query cache .sqlx/) for a random seeded
        product: PostgreSQL's own ceiling for that endpoint, without HTTP or daap.
    probe.py startup --daap BIN --database-url URL [--runs 5] [--interval-ms 5]
        Start `daap serve` (migrations off) RUNS times against an already migrated database,
        polling /health/ready every INTERVAL ms; JSON with the time from spawning the process
        to the first 200 of each start.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from pathlib import Path

from schema_scale import STATEMENTS, ServerQueries, cpu_ns, machine_ns


def backend_pids(database_url: str) -> list[int]:
    """PostgreSQL backends connected to the database of the URL (daap's pool), except psql's."""
    done = subprocess.run(
        ["psql", database_url, "-qXAt", "-c",
         "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
         "AND pid <> pg_backend_pid()"],
        capture_output=True, text=True, check=True,
    )
    return [int(line) for line in done.stdout.split()]


def cpu(args) -> None:
    busy, total = machine_ns()
    print(json.dumps({
        "time": time.monotonic(),
        "server_ns": cpu_ns(args.server_pid) or 0,
        # A backend that exits between listing and reading is simply left out.
        "postgres_ns": {str(pid): ns for pid in backend_pids(args.database_url)
                        if (ns := cpu_ns(pid)) is not None},
        "machine_busy_ns": busy,
        "machine_total_ns": total,
    }))


def deep_link(args) -> None:
    link = args.path
    for page in range(args.pages):
        with urllib.request.urlopen(args.base + link) as response:
            link = json.load(response).get("nextLink")
        if not link:
            sys.exit(f"{args.path}: the list ended before page {page + 2}")
    print(link)


def get_query_script(args) -> None:
    _, needles, without = STATEMENTS["product_latest"]
    sqlx_dir = Path(__file__).resolve().parent.parent / ".sqlx"
    query = ServerQueries(sqlx_dir).find(*needles, without=without)
    if query is None:
        sys.exit("the statement of find_current is not in .sqlx/ (or not uniquely)")
    # One line (pgbench reads a statement per line unless it ends with a continuation), the
    # name built from pgbench's random number as bench/seed.sql names the products.
    sql = " ".join(query.replace("$1", "('product_' || lpad(:i::text, 6, '0'))").split())
    print(f"\\set i random(1, {args.products})")
    print(sql + ";")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        conn.request("GET", "/health/ready")
        return conn.getresponse().status == 200
    except OSError:
        return False  # not listening yet
    finally:
        conn.close()


def startup(args) -> None:
    times_ms = []
    for _ in range(args.runs):
        port = free_port()
        env = dict(os.environ, DATABASE_URL=args.database_url, DAAP_BIND=f"127.0.0.1:{port}",
                   DAAP_MIGRATE_ON_START="false", DAAP_LOG_FORMAT="json", RUST_LOG="warn")
        started = time.perf_counter()
        process = subprocess.Popen([args.daap, "serve"], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            while not ready(port):
                if process.poll() is not None:
                    sys.exit(f"daap serve exited with status {process.returncode} at start")
                if time.perf_counter() - started > 30:
                    sys.exit("daap was not ready within 30 s")
                time.sleep(args.interval_ms / 1000)
            times_ms.append((time.perf_counter() - started) * 1000)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    print(json.dumps({
        "runs": args.runs,
        "poll_interval_ms": args.interval_ms,
        "ready_ms": [round(t, 1) for t in times_ms],
        "median_ms": round(statistics.median(times_ms), 1),
        "max_ms": round(max(times_ms), 1),
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("cpu")
    p.add_argument("--server-pid", type=int, required=True)
    p.add_argument("--database-url", required=True)
    p.set_defaults(run=cpu)
    p = sub.add_parser("deep-link")
    p.add_argument("--base", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--pages", type=int, required=True)
    p.set_defaults(run=deep_link)
    p = sub.add_parser("get-query-script")
    p.add_argument("--products", type=int, required=True)
    p.set_defaults(run=get_query_script)
    p = sub.add_parser("startup")
    p.add_argument("--daap", required=True)
    p.add_argument("--database-url", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--interval-ms", type=float, default=5)
    p.set_defaults(run=startup)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
