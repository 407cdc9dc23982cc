#!/usr/bin/env python3
"""History-length phase of the daap benchmark: does a write (and a read) cost the same on a
product with a long history as on a product with one version?

    history_scale.py --base URL --database-url URL [--server-pid PID] --out RESULT.json \
                     [--requests 200] [--history-products 10]

Uses the products bench/seed.sql made: `history_NN` (1,000 versions each, no tables) and
`single_NNNN` (one version, no tables). Sequential requests on one keep-alive connection,
alternating between the two kinds request by request so both see the same background load:

- reads: GET the latest version of a history product and of a single-version product, and
  GET v1.0 of a history product (999 versions back);
- writes: PUT metadata (a new description each time: one minor version), on the history
  products round robin and each time on a different single-version product, so that every
  write on that side really is to a product with exactly one version.

Measures client-side latency, the CPU time of daap and of its PostgreSQL backends per request,
and the rows each new version wrote, counted from the products' rows (one
`data_product_versions` row inserted, no table revisions, and the product row's `current_seq`
updated, whatever the history). Exits 1 when a request fails or a write is not one minor version.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from pathlib import Path

from schema_scale import BenchError, Client, CpuMeter, Database, p50_ms, summary_ms

FIELDS = {
    "domain": "HMPPS", "dataProductOwner": "owner@example.org",
    "dataProductOwnerDisplayName": "Owner", "email": "team@example.org", "status": "draft",
    "retentionPeriod": 365, "dpiaRequired": False, "tags": {"bench": "history"},
}


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] history: {message}", file=sys.stderr, flush=True)


class Side:
    """One kind of product, with what was measured on it."""

    def __init__(self, label: str, names: list[str]):
        self.label, self.names = label, names
        self.latency: dict[str, list[float]] = {}
        self.cpu = {"server": 0, "postgres": 0, "requests": 0}
        self.written: list[tuple[str, int]] = []  # (product, seq of the version written)

    def record(self, kind: str, elapsed: float) -> None:
        self.latency.setdefault(kind, []).append(elapsed)


def timed(client: Client, cpu: CpuMeter, side: Side, kind: str, method: str, path: str,
          body: dict | None = None) -> dict:
    before = cpu.snapshot()
    result, elapsed, _ = client.expect(method, path, body)
    used = cpu.delta(before, cpu.snapshot())
    side.record(kind, elapsed)
    if kind == "put":
        side.cpu["server"] += used["server"]
        side.cpu["postgres"] += used["postgres"]
        side.cpu["requests"] += 1
    return result


def rows_per_version(db: Database, written: list[tuple[str, int]]) -> dict:
    """Rows each written version added or changed, counted from the products' rows."""
    values = ",".join(f"('{name}', {seq})" for name, seq in written)
    per_version = db.rows(f"""
        SELECT w.name,
               (SELECT count(*) FROM data_product_versions v WHERE v.product_id = p.id AND v.seq = w.seq),
               (SELECT count(*) FROM table_revisions r WHERE r.product_id = p.id AND r.first_seq = w.seq),
               (SELECT count(*) FROM table_revisions r WHERE r.product_id = p.id AND r.end_seq = w.seq)
        FROM (VALUES {values}) AS w(name, seq)
        JOIN data_products p ON p.name = w.name AND p.deleted_at IS NULL""")
    inserted = [int(v) + int(opened) for _, v, opened, _ in per_version]
    # The product row's current_seq moves with every version: one updated row, plus the
    # revisions the version closed.
    updated = [1 + int(closed) for _, _, _, closed in per_version]
    # The product had seq - 1 versions when the version was written.
    history = [seq - 1 for _, seq in written]
    return {
        "versions": len(per_version),
        "inserted_per_version_mean": round(sum(inserted) / len(inserted), 3),
        "inserted_per_version_max": max(inserted),
        "updated_per_version_mean": round(sum(updated) / len(updated), 3),
        "updated_per_version_max": max(updated),
        "versions_before_write_min": min(history),
        "versions_before_write_max": max(history),
    }


def run(client: Client, db: Database, cpu: CpuMeter, args, result: dict) -> None:
    history = Side("history", [f"history_{n:02d}" for n in range(1, args.history_products + 1)])
    single = Side("single", [f"single_{n:04d}" for n in range(1, args.requests + 1)])
    versions = {name: int(seq) for name, seq in db.rows(
        "SELECT name, current_seq FROM data_products WHERE deleted_at IS NULL AND "
        "(name LIKE 'history\\_%' OR name LIKE 'single\\_%')")}
    for side in (history, single):
        missing = [n for n in side.names if n not in versions]
        if missing:
            raise BenchError(f"seeded products missing (bench/seed.sql): {missing[:3]}")
    stale = [n for n in single.names if versions[n] != 1]
    if stale:
        raise BenchError(f"single-version products already written to: {stale[:3]}")
    result["history_versions_before"] = min(versions[n] for n in history.names)

    say(f"{args.requests} reads of each kind, alternating")
    for name in (history.names[0], single.names[0]):  # warm both paths
        client.expect("GET", f"/v1/data-products/dp:{name}")
    for n in range(args.requests):
        h, s = history.names[n % len(history.names)], single.names[n]
        timed(client, cpu, history, "get_latest", "GET", f"/v1/data-products/dp:{h}")
        timed(client, cpu, single, "get_latest", "GET", f"/v1/data-products/dp:{s}")
        timed(client, cpu, history, "get_v1_0", "GET", f"/v1/data-products/dp:{h}:v1.0")

    say(f"{args.requests} metadata PUTs on each side, alternating")
    for n in range(args.requests):
        for side, name in ((history, history.names[n % len(history.names)]),
                           (single, single.names[n])):
            body = {"description": f"History benchmark update {n} of {name}.", **FIELDS}
            out = timed(client, cpu, side, "put", "PUT", f"/v1/data-products/dp:{name}", body)
            before = versions[name]
            major, minor = map(int, out["version"].lstrip("v").split("."))
            if (major, minor) != (1, before):  # seq s is v1.(s-1); one minor step to v1.<before>
                raise BenchError(f"PUT dp:{name}: expected v1.{before}, got {out['version']}")
            versions[name] = before + 1
            side.written.append((name, before + 1))

    for side in (history, single):
        put = side.latency["put"]
        result["sides"][side.label] = {
            "products": len(side.names) if side.label == "history" else args.requests,
            "reads": {kind: {"latency_ms": summary_ms(samples)}
                      for kind, samples in side.latency.items() if kind != "put"},
            "put": {
                "requests": len(put),
                "latency_ms": summary_ms(put),
                "first_20_p50_ms": p50_ms(put[:20]),
                "last_20_p50_ms": p50_ms(put[-20:]),
                "server_cpu_ms_per_request": round(cpu.ms(side.cpu["server"]) / len(put), 3),
                "postgres_cpu_ms_per_request": round(cpu.ms(side.cpu["postgres"]) / len(put), 3)
                if cpu.backends else None,
            },
            "rows": rows_per_version(db, side.written),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--server-pid", type=int)
    parser.add_argument("--out", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--history-products", type=int, default=10)
    args = parser.parse_args()
    started = time.monotonic()
    db, client = Database(args.database_url), Client(args.base)
    result: dict = {"settings": {"requests": args.requests,
                                 "history_products": args.history_products},
                    "sides": {}}
    status = 0
    try:
        run(client, db, CpuMeter(db, args.server_pid), args, result)
    except (BenchError, OSError, http.client.HTTPException, json.JSONDecodeError, KeyError) as error:
        result["error"] = f"{type(error).__name__}: {error}"
        say(f"failed: {result['error']}")
        status = 1
    finally:
        client.close()
    result["elapsed_seconds"] = round(time.monotonic() - started, 1)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    say(f"done in {result['elapsed_seconds']} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
