#!/usr/bin/env python3
"""Schema scale phase of the daap benchmark: does a new version cost work proportional to what
changed, and is reading any version one cheap lookup, however many tables a product has?

Run by bench/run.sh after the wrk scenarios, against the same server and database:

    schema_scale.py --base http://127.0.0.1:PORT --database-url postgres://.../daap_bench_N \
                    [--server-pid PID] --out RESULT.json

For each product size (5 and 500 tables by default) it registers a product `scale_<n>` and
creates its tables through the API (10-60 columns each, of varied types). Then every product gets
200 successive single-table updates (`PUT /v1/schemas/...`, each adding one column to the next
table round robin, so each makes one minor version). The products' updates are interleaved in
blocks of 10, and so are their reads, so that the products are compared under the same
background load (the machines this runs on are shared and noisy). It measures:

- the client-side latency of every PUT (sequential, one keep-alive connection);
- the rows each version wrote, counted from the product's own rows (the version row, and the
  table revisions opened or closed at each sequence number), and cross-checked against
  PostgreSQL's cumulative counters (pg_stat_user_tables, read after letting every backend flush);
- daap and PostgreSQL CPU time per PUT (from /proc, when PostgreSQL runs on this machine), and
  how busy the rest of the machine was meanwhile;
- the latency of reads afterwards: the product at its latest version, at an early version and
  at the last version before the updates, one table latest and one table at an early version;
- EXPLAIN (ANALYZE, BUFFERS) of the SQL behind those reads and behind one more table write
  (the write in a transaction that is rolled back), taken from the committed sqlx query cache
  (.sqlx/), to show which index answers each statement and how much it reads.

Python standard library only; psql does the database work. Exits 1 (after writing RESULT.json
with an `error`) when a request fails or a write does not make exactly one minor version.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

# Column types drawn for the generated tables, in the canonical spelling daap stores (so that
# re-sending a stored schema is recognised as unchanged).
COLUMN_TYPES = [
    "bigint", "int", "smallint", "tinyint", "boolean", "double", "float", "string",
    "varchar(64)", "varchar", "char(3)", "decimal(10,2)", "decimal(38,0)", "date",
    "timestamp", "binary", "array<string>", "map<string,bigint>",
    "struct<code:string,value:decimal(12,2)>", "array<struct<role:string,age:int>>",
]
ADDED_COLUMN_TYPES = ["string", "bigint", "timestamp", "decimal(12,2)", "array<string>"]
WRITE_TABLES = ("data_products", "data_product_versions", "table_revisions", "idempotency_records")
# Idle PostgreSQL backends flush their pending statistics within PGSTAT_IDLE_INTERVAL (10 s).
DEFAULT_SETTLE_SECONDS = 11.0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] schema scale: {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# --- statistics ----------------------------------------------------------------------------------

def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * p // 100))  # ceil(n * p / 100), at least 1
    return sorted_values[int(rank) - 1]


def summary_ms(seconds: list[float]) -> dict:
    values = sorted(s * 1000 for s in seconds)
    return {
        "p50": round(percentile(values, 50), 3),
        "p90": round(percentile(values, 90), 3),
        "p99": round(percentile(values, 99), 3),
        "max": round(values[-1], 3),
        "mean": round(sum(values) / len(values), 3),
        "min": round(values[0], 3),
    }


def p50_ms(seconds: list[float]) -> float:
    return round(percentile(sorted(s * 1000 for s in seconds), 50), 3)


# --- HTTP ----------------------------------------------------------------------------------------

class Client:
    """One keep-alive HTTP/1.1 connection; every request is timed until its body is read."""

    def __init__(self, base: str):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def _connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes, float]:
        payload = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = self._connect()
            try:
                start = time.perf_counter()
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - start
                if response.will_close:
                    self.close()
                return response.status, data, elapsed
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once. A write that
                # was executed before the connection dropped is caught by the version checks.
                self.close()
                self.reconnects += 1
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def expect(self, method: str, path: str, body: object = None, status: int = 200) -> tuple[dict, float, int]:
        got, data, elapsed = self.request(method, path, body)
        if got != status:
            raise BenchError(f"{method} {path}: expected {status}, got {got}: {data[:400]!r}")
        return json.loads(data), elapsed, len(data)


# --- PostgreSQL ----------------------------------------------------------------------------------

class Database:
    def __init__(self, url: str):
        self.url = url

    def rows(self, sql: str) -> list[list[str]]:
        # The SQL goes in on stdin, so that several statements (BEGIN; ...; ROLLBACK) run one
        # after the other and every result is printed.
        done = subprocess.run(
            ["psql", self.url, "-qXAt", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-f", "-"],
            input=sql, capture_output=True, text=True,
        )
        if done.returncode != 0:
            raise BenchError(f"psql failed ({done.returncode}): {done.stderr.strip()}\n{sql}")
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def value(self, sql: str) -> str:
        rows = self.rows(sql)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise BenchError(f"expected one value from: {sql}\ngot {rows}")
        return rows[0][0]

    def write_counters(self) -> dict[str, dict[str, int]]:
        names = ",".join(f"'{t}'" for t in WRITE_TABLES)
        out = {t: {"ins": 0, "upd": 0, "del": 0, "hot_upd": 0} for t in WRITE_TABLES}
        for name, ins, upd, dele, hot in self.rows(
            "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del, n_tup_hot_upd "
            f"FROM pg_stat_user_tables WHERE relname IN ({names})"
        ):
            out[name] = {"ins": int(ins), "upd": int(upd), "del": int(dele), "hot_upd": int(hot)}
        return out

    def product_counts(self, product_id: int) -> dict[str, int]:
        seq, versions, revisions, closed = self.rows(
            f"""SELECT p.current_seq,
                       (SELECT count(*) FROM data_product_versions v WHERE v.product_id = p.id),
                       (SELECT count(*) FROM table_revisions r WHERE r.product_id = p.id),
                       (SELECT count(*) FROM table_revisions r
                         WHERE r.product_id = p.id AND r.end_seq IS NOT NULL)
                FROM data_products p WHERE p.id = {product_id}"""
        )[0]
        return {"current_seq": int(seq), "versions": int(versions),
                "revisions": int(revisions), "closed_revisions": int(closed)}

    def rows_per_version(self, product_id: int, first: int, last: int) -> list[tuple[int, int, int, int]]:
        """(seq, version rows, revisions opened, revisions closed) for each seq in [first, last]."""
        return [
            tuple(map(int, row)) for row in self.rows(
                f"""SELECT s.seq,
                           (SELECT count(*) FROM data_product_versions v
                             WHERE v.product_id = {product_id} AND v.seq = s.seq),
                           (SELECT count(*) FROM table_revisions r
                             WHERE r.product_id = {product_id} AND r.first_seq = s.seq),
                           (SELECT count(*) FROM table_revisions r
                             WHERE r.product_id = {product_id} AND r.end_seq = s.seq)
                    FROM generate_series({first}, {last}) AS s(seq) ORDER BY s.seq"""
            )
        ]

    def backend_pids(self) -> list[int]:
        return [int(r[0]) for r in self.rows(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )]


def cpu_ns(pid: int | str) -> int | None:
    """CPU time of a process, all its threads, in nanoseconds (first field of each thread's
    /proc/<pid>/task/<tid>/schedstat: precise, where utime/stime count 10 ms ticks); None if it
    is gone or not visible."""
    total, seen = 0, False
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            total += int((task / "schedstat").read_text().split()[0])
            seen = True
        except (OSError, ValueError, IndexError):
            continue  # a thread that just exited
    return total if seen else None


def machine_ns() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine, all CPUs, from /proc/stat, in ns."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle + iowait
    per_tick = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    return (sum(fields) - idle) * per_tick, sum(fields) * per_tick


class CpuMeter:
    """CPU time of the daap server, of the PostgreSQL backends of the bench database (those
    open when the meter is created: daap's pool keeps its connections), of this script, and of
    the whole machine, in nanoseconds."""

    def __init__(self, db: Database, server_pid: int | None):
        self.server_pid = server_pid
        self.backends = db.backend_pids()

    def snapshot(self) -> dict:
        busy, total = machine_ns()
        return {
            "server": (cpu_ns(self.server_pid) if self.server_pid else None) or 0,
            "postgres": sum(cpu_ns(pid) or 0 for pid in self.backends),
            "client": cpu_ns("self") or 0,
            "busy": busy,
            "total": total,
        }

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        return {k: after[k] - before[k] for k in before}

    @staticmethod
    def ms(ns: int) -> float:
        return ns / 1e6


# --- the workload --------------------------------------------------------------------------------

def product_body(name: str, tables: int) -> dict:
    return {
        "name": name,
        "description": f"Schema scale benchmark product with {tables} tables.",
        "domain": "HMPPS",
        "dataProductOwner": "owner@example.org",
        "dataProductOwnerDisplayName": "Owner",
        "email": "team@example.org",
        "status": "draft",
        "retentionPeriod": 365,
        "dpiaRequired": False,
        "tags": {"bench": "schema_scale"},
    }


def generate_table(rng: random.Random, index: int) -> dict:
    columns = [
        {
            "name": f"c{c:02d}_{rng.choice(['id', 'code', 'amount', 'at', 'flag', 'note', 'ref'])}",
            "type": rng.choice(COLUMN_TYPES),
            "description": f"Column {c} of table {index}: synthetic, for the schema scale benchmark.",
        }
        for c in range(rng.randint(10, 60))
    ]
    return {"tableDescription": f"Synthetic table {index} of the schema scale benchmark.",
            "columns": columns}


def settle(args) -> None:
    time.sleep(args.settle)
    args.settled += args.settle


def table_name(index: int) -> str:
    return f"t{index:03d}"


def version_of(result: dict) -> str:
    return result["dataProduct"]["version"]


def check_minor(result: dict, previous: str, what: str) -> str:
    version = version_of(result)
    major, minor = map(int, previous.lstrip("v").split("."))
    if result.get("change", {}).get("bump") != "minor" or version != f"v{major}.{minor + 1}":
        raise BenchError(f"{what}: expected a minor bump after {previous}, got "
                         f"{result.get('change', {}).get('bump')} {version}")
    return version


class Product:
    """One benchmark product and what the client knows of it."""

    def __init__(self, tables: int):
        self.tables = tables
        self.name = f"scale_{tables}"
        self.schemas: list[dict] = []
        self.version = "v1.0"
        self.put_samples: list[float] = []
        self.put_columns: list[int] = []
        self.cpu = {"server": 0, "postgres": 0}
        self.cpu_blocks: list[tuple[int, int, int]] = []  # (PUTs, server ns, postgres ns)

    def path(self, index: int, version: str | None = None) -> str:
        middle = f":{version}" if version else ""
        return f"/v1/schemas/dp:{self.name}{middle}:{table_name(index)}"


def create_product(client: Client, db: Database, product: Product) -> None:
    log(f"{product.name}: registering and creating {product.tables} tables")
    client.expect("POST", "/v1/data-products", product_body(product.name, product.tables), status=201)
    product.id = int(db.value(
        f"SELECT id FROM data_products WHERE name = '{product.name}' AND deleted_at IS NULL"))
    # The same seed for every product: scale_5's tables are scale_500's first five.
    rng = random.Random(20261127)
    samples: list[float] = []
    for index in range(product.tables):
        schema = generate_table(rng, index)
        result, elapsed, _ = client.expect("POST", product.path(index), schema, status=201)
        product.version = check_minor(result, product.version, f"creating {table_name(index)}")
        product.schemas.append(schema)
        samples.append(elapsed)
    product.last_created = product.version
    product.columns_before_updates = sum(len(s["columns"]) for s in product.schemas)
    product.create = {
        "requests": product.tables,
        "seconds": round(sum(samples), 3),
        "latency_ms": summary_ms(samples),
        "first_20_p50_ms": p50_ms(samples[:20]),
        "last_20_p50_ms": p50_ms(samples[-20:]),
    }


def update_once(client: Client, product: Product, update: int) -> None:
    """Add one column to the next table, round robin: one new minor version."""
    index = update % product.tables
    schema = product.schemas[index]
    column = f"added_{update:04d}"
    schema["columns"].append({
        "name": column,
        "type": ADDED_COLUMN_TYPES[update % len(ADDED_COLUMN_TYPES)],
        "description": f"Added by update {update} of the schema scale benchmark.",
    })
    result, elapsed, _ = client.expect("PUT", product.path(index), schema)
    product.version = check_minor(result, product.version, f"{product.name} update {update}")
    if result["change"].get("addedColumns") != [column]:
        raise BenchError(f"{product.name} update {update}: unexpected change {result['change']}")
    product.put_samples.append(elapsed)
    product.put_columns.append(len(schema["columns"]))


def run_updates(client: Client, db: Database, cpu: CpuMeter, products: list[Product], args) -> dict:
    """The updates of every product, interleaved in blocks so that every product sees the same
    background load (these machines are shared), with CPU time attributed per block."""
    log(f"{args.updates} single-table updates of each product, interleaved in blocks of {args.block}")
    for product in products:  # warm the read and write paths without writing
        for index in range(min(product.tables, 20)):
            client.expect("GET", product.path(index))
    started = time.monotonic()
    first = cpu.snapshot()
    for block_start in range(0, args.updates, args.block):
        for product in products:
            before = cpu.snapshot()
            for update in range(block_start, min(block_start + args.block, args.updates)):
                update_once(client, product, update)
            used = cpu.delta(before, cpu.snapshot())
            product.cpu["server"] += used["server"]
            product.cpu["postgres"] += used["postgres"]
            puts = min(block_start + args.block, args.updates) - block_start
            product.cpu_blocks.append((puts, used["server"], used["postgres"]))
    used = cpu.delta(first, cpu.snapshot())
    others = used["busy"] - used["server"] - used["postgres"] - used["client"]
    return {
        "block": args.block,
        "seconds": round(time.monotonic() - started, 2),
        # Share of the machine's CPU capacity used by anything but daap, its PostgreSQL
        # backends and this script while the updates ran: background noise.
        "other_processes_cpu_percent": round(100 * max(others, 0) / used["total"], 1)
        if used["total"] else None,
        "machine_cpu_busy_percent": round(100 * used["busy"] / used["total"], 1) if used["total"] else None,
    }


def count_rows(db: Database, product: Product, before: dict, after: dict, updates: int) -> dict:
    """Rows written by the updates, counted from the product's own rows."""
    first_seq, last_seq = before["current_seq"] + 1, after["current_seq"]
    versions_made = last_seq - before["current_seq"]
    if versions_made != updates:
        raise BenchError(f"{product.name}: {updates} updates made {versions_made} versions")
    product.first_seq, product.last_seq = first_seq, last_seq
    per_version = db.rows_per_version(product.id, first_seq, last_seq)
    inserted = [v + opened for _, v, opened, _ in per_version]
    closed = [c for _, _, _, c in per_version]
    return {
        "versions": versions_made,
        "versions_inserted": after["versions"] - before["versions"],
        "revisions_inserted": after["revisions"] - before["revisions"],
        "revisions_closed": after["closed_revisions"] - before["closed_revisions"],
        # Every version also moves the product row's current_seq: one more updated row.
        "head_row_updates": versions_made,
        "inserted_per_version_mean": round(sum(inserted) / versions_made, 3),
        "inserted_per_version_max": max(inserted),
        "revisions_closed_per_version_mean": round(sum(closed) / versions_made, 3),
        "revisions_closed_per_version_max": max(closed),
        "updated_per_version_mean": round((sum(closed) + versions_made) / versions_made, 3),
        "updated_per_version_max": max(closed) + 1,
    }


def pg_stat_delta(before: dict, after: dict, direct: list[dict]) -> dict:
    """PostgreSQL's own count of the rows written while the updates ran (all products)."""
    delta = {
        table: {k: after[table][k] - before[table][k] for k in after[table]}
        for table in WRITE_TABLES
    }
    versions = sum(d["versions"] for d in direct)
    totals = {k: sum(d[k] for d in delta.values()) for k in ("ins", "upd", "del")}
    expected_ins = sum(d["versions_inserted"] + d["revisions_inserted"] for d in direct)
    expected_upd = sum(d["revisions_closed"] + d["head_row_updates"] for d in direct)
    return {
        "versions": versions,
        "by_table": delta,
        "inserted_per_version": round(totals["ins"] / versions, 3),
        "updated_per_version": round(totals["upd"] / versions, 3),
        "deleted_per_version": round(totals["del"] / versions, 3),
        # The counters are flushed lazily; if they disagree with the rows, they had not been
        # (or something else wrote to these tables meanwhile).
        "agrees_with_row_counts": totals["ins"] == expected_ins and totals["upd"] == expected_upd
        and totals["del"] == 0,
    }


def run_reads(client: Client, products: list[Product], count: int) -> dict[str, dict]:
    """Every read of every product, interleaved request by request."""
    log(f"reads ({count} of each kind and product)")
    kinds = {}
    for product in products:
        early = "v1.5" if product.tables >= 5 else "v1.1"
        product.early = early
        kinds[product.name] = {
            "product_latest": f"/v1/data-products/dp:{product.name}",
            "product_early": f"/v1/data-products/dp:{product.name}:{early}",
            "product_before_updates": f"/v1/data-products/dp:{product.name}:{product.last_created}",
            "schema_latest": product.path(0),
            "schema_early": product.path(0, early),
        }
    samples = {p.name: {k: [] for k in kinds[p.name]} for p in products}
    last = {p.name: {} for p in products}
    for product in products:  # one unrecorded request of each, to warm every path
        for path in kinds[product.name].values():
            client.expect("GET", path)
    for _ in range(count):
        for kind in kinds[products[0].name]:
            for product in products:
                body, elapsed, size = client.expect("GET", kinds[product.name][kind])
                samples[product.name][kind].append(elapsed)
                last[product.name][kind] = (body, size)
    out = {}
    for product in products:
        out[product.name] = {}
        for kind, path in kinds[product.name].items():
            body, size = last[product.name][kind]
            out[product.name][kind] = {
                "request": f"GET {path}",
                "requests": count,
                "latency_ms": summary_ms(samples[product.name][kind]),
                "response_bytes": size,
                "schemas_listed": len(body["schemas"]) if "schemas" in body else None,
            }
    return out


def cpu_per_put(blocks: list[tuple[int, int, int]], which: int) -> float | None:
    """Mean CPU ms per PUT over some blocks; which = 1 for daap, 2 for PostgreSQL."""
    puts = sum(b[0] for b in blocks)
    return round(sum(b[which] for b in blocks) / 1e6 / puts, 3) if puts else None


def product_result(product: Product, cpu: CpuMeter, rows: dict, reads: dict, plans: dict) -> dict:
    put, n = product.put_samples, len(product.put_samples)
    # The blocks that hold the first and the last 20 PUTs (or as near as the block size allows).
    edge = max(1, -(-20 // max(1, product.cpu_blocks[0][0]))) if product.cpu_blocks else 0
    first_blocks, last_blocks = product.cpu_blocks[:edge], product.cpu_blocks[-edge:]
    return {
        "product": f"dp:{product.name}",
        "tables": product.tables,
        "columns_before_updates": product.columns_before_updates,
        "create_tables": product.create,
        "versions": {"before_updates": product.last_created, "after_updates": product.version,
                     "first_seq": product.first_seq, "last_seq": product.last_seq},
        "put": {
            "requests": n,
            "latency_ms": summary_ms(put),
            "first_20_p50_ms": p50_ms(put[:20]),
            "last_20_p50_ms": p50_ms(put[-20:]),
            "first_20_mean_columns": round(sum(product.put_columns[:20]) / len(put[:20]), 1),
            "last_20_mean_columns": round(sum(product.put_columns[-20:]) / len(put[-20:]), 1),
            "server_cpu_ms_per_request": round(cpu.ms(product.cpu["server"]) / n, 3),
            "postgres_cpu_ms_per_request": round(cpu.ms(product.cpu["postgres"]) / n, 3)
            if cpu.backends else None,
            # CPU per PUT at the start and at the end of the history: less disturbed by other
            # processes than latency is.
            "first_20_server_cpu_ms_per_request": cpu_per_put(first_blocks, 1),
            "last_20_server_cpu_ms_per_request": cpu_per_put(last_blocks, 1),
            "first_20_postgres_cpu_ms_per_request": cpu_per_put(first_blocks, 2) if cpu.backends else None,
            "last_20_postgres_cpu_ms_per_request": cpu_per_put(last_blocks, 2) if cpu.backends else None,
            # Every PUT's latency in order, for looking at trends over the history.
            "samples_ms": [round(x * 1000, 3) for x in put],
        },
        "rows": {"direct": rows},
        "reads": reads,
        "plans": plans,
    }


def run(client: Client, db: Database, args, result: dict) -> None:
    products = [Product(n) for n in args.sizes]
    for product in products:
        create_product(client, db, product)

    # The planner's statistics date from the seed (one version per product). This PostgreSQL may
    # run without autovacuum, which would refresh them in production; with one version per
    # product on record, the planner may read a product's latest version by scanning all its
    # versions. Refresh them, as autovacuum would, so that the phase measures the plans a
    # maintained database gets. (The plans below record how many version rows each reads.)
    result["settings"]["autovacuum"] = db.value("SHOW autovacuum")
    if args.analyze:
        db.rows("ANALYZE data_products, data_product_versions, table_revisions;")
    result["settings"]["analyzed_before_updates"] = args.analyze

    # Let the backends flush the counters of the creations, then take the "before" picture.
    settle(args)
    counters_before = db.write_counters()
    counts_before = {p.name: db.product_counts(p.id) for p in products}
    cpu = CpuMeter(db, args.server_pid)
    result["updates"] = run_updates(client, db, cpu, products, args)
    settle(args)
    counters_after = db.write_counters()
    rows = {
        p.name: count_rows(db, p, counts_before[p.name], db.product_counts(p.id), args.updates)
        for p in products
    }
    result["pg_stat"] = pg_stat_delta(counters_before, counters_after, list(rows.values()))

    reads = run_reads(client, products, args.reads)
    log("query plans")
    for product in products:
        plans = explain_all(db, args.queries, product.name, product.id,
                            early_minor=int(product.early.split(".")[1]),
                            before_updates_minor=int(product.last_created.split(".")[1]),
                            latest_seq=product.last_seq, table=table_name(0),
                            schema=product.schemas[0])
        result["products"][str(product.tables)] = product_result(
            product, cpu, rows[product.name], reads[product.name], plans)


# --- query plans ---------------------------------------------------------------------------------

def sql_literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class ServerQueries:
    """The SQL daap runs, read from the committed sqlx query cache (.sqlx/query-*.json), so the
    plans below are of the server's exact statements rather than of copies that could drift."""

    def __init__(self, sqlx_dir: Path):
        self.queries = []
        for path in sorted(sqlx_dir.glob("query-*.json")):
            try:
                self.queries.append(json.loads(path.read_text())["query"])
            except (OSError, ValueError, KeyError):
                continue

    def find(self, *needles: str, without: tuple[str, ...] = ()) -> str | None:
        """The one cached query containing every needle (whitespace-insensitive)."""
        def norm(text: str) -> str:
            return " ".join(text.split())
        found = [
            q for q in self.queries
            if all(norm(n) in norm(q) for n in needles) and not any(norm(w) in norm(q) for w in without)
        ]
        return found[0] if len(found) == 1 else None


# Statements to explain: label -> (what it serves, needles that identify it in .sqlx/).
STATEMENTS = {
    # The latest version is read from the product row alone (its head, migration 0005);
    # an exact version joins the history and, unless it is the latest, finds its tables with
    # array_agg over table_revisions.
    "product_latest": ("GET dp:<name> (find_current)",
                       ("FROM data_products p", "p.current_tables AS",
                        "WHERE p.name = $1 AND p.deleted_at IS NULL"),
                       ("FOR UPDATE", "LEFT JOIN LATERAL")),
    "product_version": ("GET dp:<name>:v<M>.<m> (find_version)",
                        ("JOIN data_product_versions v", "v.major = $2 AND v.minor = $3",
                         "array_agg(r.table_name"), ()),
    "find_table": ("one table of one version (GET /v1/schemas: product, version and table in "
                   "one statement)",
                   ("CROSS JOIN LATERAL", "LEFT JOIN LATERAL", "FROM table_revisions t"), ()),
    "find_current_with_table": ("optimistic table write: the latest version and its table in "
                                "one statement (find_current_with_table)",
                                ("FROM data_products p", "LEFT JOIN LATERAL (SELECT r.first_seq"),
                                ("FOR UPDATE",)),
    "table_at": ("one table of the locked latest version (a table write on the locked path)",
                 ("FROM table_revisions", "table_name = $3", "int4range"), ()),
    "lock_current": ("table write: lock the product row and read its latest version (lock_current)",
                     ("FROM data_products p", "p.current_tables AS", "FOR UPDATE"), ()),
    "append_version": ("table write: the version, the product's head, the closed and the new "
                       "revision (append_version)",
                       ("WITH version AS", "UPDATE table_revisions SET end_seq",
                        "INSERT INTO table_revisions"), ()),
}

# Statements that write: explained once (a second run would find the revision already closed).
WRITES = ("append_version",)


def explain_all(db: Database, queries: ServerQueries, product: str, product_id: int,
                early_minor: int, before_updates_minor: int, latest_seq: int, table: str,
                schema: dict) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the statements behind the reads and behind one more table
    write (run in a transaction that is rolled back)."""
    sql: dict[str, str] = {}
    missing = []
    for label, (_, needles, without) in STATEMENTS.items():
        found = queries.find(*needles, without=without)
        if found is None:
            missing.append(label)
        else:
            sql[label] = found
    revision_first_seq = int(db.value(
        f"SELECT first_seq FROM table_revisions WHERE product_id = {product_id} "
        f"AND table_name = {sql_literal(table)} AND end_seq IS NULL"))
    runs = [  # (label, statement, parameters)
        ("product_latest", "product_latest", (product,)),
        ("product_early", "product_version", (product, 1, early_minor)),
        ("product_before_updates", "product_version", (product, 1, before_updates_minor)),
        ("schema_latest", "find_table", (product, table, None, None)),
        ("schema_early", "find_table", (product, table, 1, early_minor)),
        ("write_head_and_table", "find_current_with_table", (product, table)),
        ("write_lock_current", "lock_current", (product,)),
        ("write_table_at", "table_at", (product_id, latest_seq, table)),
        # A major version replacing the table's current revision; parameters in
        # append_version's order. The version number is one no product reaches.
        ("write_append_version", "append_version",
         (product_id, latest_seq + 1, 99999, 0, "major", "{}", "Explained", "Digital",
          "owner@example.org", "Owner", None, None, "team@example.org", "draft", 0, False,
          "{}", "bench-explain", None, None, table, revision_first_seq,
          schema["tableDescription"], json.dumps(schema["columns"]))),
    ]
    runs = [r for r in runs if r[1] in sql]
    script = ["BEGIN;"]
    for name in sorted({statement for _, statement, _ in runs}):
        script.append(f"PREPARE bench_{name} AS {sql[name]};")
    for _, statement, params in runs:
        args = ", ".join(sql_literal(p) for p in params)
        # Reads run twice and the second run is kept: the first in a session also pays for
        # loading catalog entries. The write runs once (a second one would find the table's
        # revision already closed).
        repeat = 1 if statement in WRITES else 2
        for _ in range(repeat):
            script.append(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE bench_{statement}({args});")
    script.append("ROLLBACK;")
    out: dict = {"missing_statements": missing, "plans": {}}
    try:
        text = "\n".join("\t".join(r) for r in db.rows("\n".join(script)))
    except BenchError as error:
        out["error"] = str(error)
        return out
    decoder, position, plans = json.JSONDecoder(), 0, []
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        value, position = decoder.raw_decode(text, position)
        plans.append(value[0])
    kept = []
    for label, statement, _ in runs:
        if statement not in WRITES:
            plans.pop(0)  # the first of two runs
        kept.append(plans.pop(0))
    for (label, statement, _), plan in zip(runs, kept):
        nodes, indexes, scans = [], [], []
        rows_read: dict[str, int] = {}

        def walk(node: dict) -> None:
            nodes.append(node["Node Type"])
            if "Index Name" in node:
                indexes.append(node["Index Name"])
            relation = node.get("Relation Name")
            if relation and node["Node Type"] != "ModifyTable":
                # Rows the scan returned (after its filter), over all its loops, plus the rows a
                # join filter above it threw away are counted by the parent; see "scans".
                read = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
                rows_read[relation] = rows_read.get(relation, 0) + read
                scans.append({
                    "relation": relation,
                    "node": node["Node Type"],
                    "index": node.get("Index Name"),
                    # A bitmap heap scan's condition is its Recheck Cond (the index is a child).
                    "index_cond": node.get("Index Cond") or node.get("Recheck Cond"),
                    "filter": node.get("Filter"),
                    "rows": read,
                    "rows_removed_by_filter": node.get("Rows Removed by Filter", 0),
                })
            for child in node.get("Plans", []):
                walk(child)

        root = plan["Plan"]
        walk(root)
        rows = root.get("Actual Rows")
        if root["Node Type"] == "ModifyTable" and root.get("Plans"):
            rows = root["Plans"][0].get("Actual Rows")  # rows written, not returned
        out["plans"][label] = {
            "statement": statement,
            "serves": STATEMENTS[statement][0],
            "nodes": nodes,
            "indexes": sorted(set(indexes)),
            "rows": rows,
            "table_revisions_rows_read": rows_read.get("table_revisions", 0),
            "versions_rows_read": rows_read.get("data_product_versions", 0),
            "scans": scans,
            "shared_buffers_hit": root.get("Shared Hit Blocks", 0),
            "shared_buffers_read": root.get("Shared Read Blocks", 0),
            "execution_ms": plan.get("Execution Time"),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="daap base URL, e.g. http://127.0.0.1:18080")
    parser.add_argument("--database-url", required=True, help="URL of daap's database (psql)")
    parser.add_argument("--server-pid", type=int, help="pid of daap, for its CPU time")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--tables", default="5,500", help="product sizes (comma-separated)")
    parser.add_argument("--updates", type=int, default=200)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--no-analyze", dest="analyze", action="store_false",
                        help="do not refresh the planner's statistics before the updates")
    parser.add_argument("--block", type=int, default=10,
                        help="updates of one product in a row before switching to the next")
    parser.add_argument("--settle", type=float, default=DEFAULT_SETTLE_SECONDS,
                        help="seconds to wait for PostgreSQL's statistics to be flushed")
    parser.add_argument("--sqlx-dir", default=str(Path(__file__).resolve().parent.parent / ".sqlx"),
                        help="sqlx query cache with the server's SQL (for EXPLAIN)")
    args = parser.parse_args()
    args.queries = ServerQueries(Path(args.sqlx_dir))
    args.settled = 0.0

    started = time.monotonic()
    db = Database(args.database_url)
    client = Client(args.base)
    args.sizes = [int(s) for s in args.tables.split(",")]
    result: dict = {
        "settings": {"tables": args.sizes, "updates": args.updates, "reads": args.reads,
                     "interleave_block": args.block, "columns_per_table": [10, 60],
                     "stats_settle_seconds": args.settle},
        "products": {},
    }
    status = 0
    try:
        run(client, db, args, result)
    except (BenchError, OSError, http.client.HTTPException, json.JSONDecodeError, KeyError) as error:
        result["error"] = f"{type(error).__name__}: {error}"
        log(f"failed: {result['error']}")
        status = 1
    finally:
        client.close()
    result["http_reconnects"] = client.reconnects
    result["settle_seconds_total"] = args.settled
    result["elapsed_seconds"] = round(time.monotonic() - started, 1)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    log(f"done in {result['elapsed_seconds']} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
