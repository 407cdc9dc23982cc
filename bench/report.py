#!/usr/bin/env python3
"""Turn the raw output of bench/run.sh into bench/results/latest.json and docs/benchmarks.md.

    report.py collect WORK_DIR SCENARIO...   raw files of one run -> JSON on stdout
    report.py markdown RESULTS.json          -> docs/benchmarks.md content on stdout
    report.py table RESULTS.json             -> the results table, for the terminal
    report.py check RESULTS.json             -> exit status 1 if any scenario had errors

Collecting and rendering are separate steps so the document can be regenerated (e.g. after
editing its wording here) from a stored JSON file without running the benchmark again.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

# What each scenario does, for the document. Keep in sync with bench/run.sh and bench/lua/.
SCENARIOS = {
    "get": "`GET /v1/data-products/dp:product_NNNNN`, a random seeded product per request",
    "list": "`GET /v1/data-products?limit=100`, the first page",
    "list_deep": "`GET` of the `nextLink` reached after following {deep_pages} pages of 100 "
    "(keyset cursor half way through the seeded products)",
    "post": "`POST /v1/data-products` registering a new product per request "
    "(unique names `bench_<thread>_<n>`)",
    "put": "`PUT /v1/data-products/dp:product_NNNNN` on a random seeded product with a new "
    "description every time, so each request writes a new minor version",
}


# PostgreSQL notices (logged by sqlx at WARN) that appear when wrk closes its connections at
# the end of a write scenario and the server drops the handlers of the requests in flight
# mid-transaction (during COMMIT or BEGIN).
TRANSACTION_NOTICES = (
    "there is no transaction in progress",
    "there is already a transaction in progress",
)


def read_meta(work: Path) -> dict[str, str]:
    meta = {}
    for line in (work / "meta.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    return meta


def parse_wrk(text: str) -> dict:
    """The numbers of wrk's own report, as a cross-check of the Lua summary."""
    out: dict = {"non2xx_or_3xx": 0, "socket_errors": {}}
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if match:
        out["non2xx_or_3xx"] = int(match.group(1))
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    if match:
        out["socket_errors"] = dict(
            zip(("connect", "read", "write", "timeout"), map(int, match.groups()))
        )
    match = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if match:
        out["requests_per_second"] = float(match.group(1))
    lines = [line for line in text.splitlines() if not line.startswith("BENCH_JSON ")]
    out["text"] = "\n".join(lines)
    return out


def collect_scenario(work: Path, name: str, hz: int) -> dict:
    text = (work / f"{name}.wrk.txt").read_text()
    summary_lines = [l for l in text.splitlines() if l.startswith("BENCH_JSON ")]
    if not summary_lines:
        raise SystemExit(f"{name}: wrk printed no BENCH_JSON summary:\n{text}")
    summary = json.loads(summary_lines[-1].removeprefix("BENCH_JSON "))
    wrk = parse_wrk(text)
    before, after = map(int, (work / f"{name}.cpu").read_text().split())

    requests = summary["requests"]
    seconds = summary["duration_us"] / 1e6
    socket = {k: summary["errors"][k] for k in ("connect", "read", "write", "timeout")}
    # wrk's status count and the Lua count should agree; the Lua one also sees 1xx/3xx.
    non2xx = max(summary["lua_non2xx"], summary["errors"]["status"], wrk["non2xx_or_3xx"])
    cpu_ms = (after - before) * 1000 / hz
    return {
        "request": (work / f"{name}.request").read_text().strip(),
        "requests": requests,
        "duration_seconds": round(seconds, 3),
        "requests_per_second": round(requests / seconds, 1) if seconds else 0.0,
        "latency_ms": {k: v / 1000 for k, v in summary["latency_us"].items()},
        "errors": non2xx + sum(socket.values()),
        "non2xx_responses": non2xx,
        "non2xx_by_status": summary["lua_non2xx_by_status"],
        "socket_errors": socket,
        "sample_error": summary.get("sample_error"),
        "server_cpu_ms": cpu_ms,
        "server_cpu_ms_per_request": round(cpu_ms / requests, 4) if requests else None,
        "wrk_output": wrk["text"],
    }


def server_log_problems(work: Path) -> dict:
    """Warnings and errors the server logged (RUST_LOG=warn, one JSON object per line)."""
    path = work / "server.log"
    lines = path.read_text().splitlines() if path.exists() else []
    levels: dict[str, int] = {}
    for line in lines:
        try:
            level = json.loads(line).get("level", "?")
        except json.JSONDecodeError:
            level = "unparsed"
        levels[level] = levels.get(level, 0) + 1
    return {
        "lines": len(lines),
        "by_level": levels,
        "transaction_state_notices": sum(
            any(notice in line for notice in TRANSACTION_NOTICES) for line in lines
        ),
        "first_lines": lines[:10],
    }


def collect(work: Path, names: list[str]) -> dict:
    meta = read_meta(work)
    hz = int(meta["clock_ticks_per_second"])
    return {
        "run": {
            "started_at": meta["started_at"],
            "elapsed_seconds_before_report": int(meta["elapsed_seconds"]),
            "git_commit": meta["git_commit"],
            "source_modified_since_commit": meta["git_dirty"] == "true",
            "command": "bash bench/run.sh",
        },
        "settings": {
            "duration": meta["duration"],
            "connections": int(meta["connections"]),
            "threads": int(meta["threads"]),
            "seeded_products": int(meta["products"]),
            "deep_pages": int(meta["deep_pages"]),
        },
        "machine": {
            "nproc": int(meta["nproc"]),
            "cpu_model": meta["cpu_model"],
            "mem_total_mib": int(meta["mem_total_kb"]) // 1024,
            "kernel": meta["kernel"],
            "cpu_busy_percent_before_scenarios": int(meta["idle_busy_percent"]),
            "postgres_version": meta["postgres_version"],
            "wrk_version": meta["wrk_version"],
            "rustc_version": meta["rustc_version"],
        },
        "server": {
            "peak_rss_mib": round(int(meta["peak_rss_kb"]) / 1024, 1),
            "log": server_log_problems(work),
        },
        "scenarios": {name: collect_scenario(work, name, hz) for name in names},
    }


def ms(value: float) -> str:
    return f"{value:.2f} ms"


def table(results: dict) -> str:
    rows = [
        "| scenario | requests/s | p50 | p99 | errors | server CPU ms/request |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for name, s in results["scenarios"].items():
        cpu = s["server_cpu_ms_per_request"]
        rows.append(
            f"| `{name}` | {s['requests_per_second']:,.0f} | {ms(s['latency_ms']['p50'])} "
            f"| {ms(s['latency_ms']['p99'])} | {s['errors']} "
            f"| {'n/a' if cpu is None else f'{cpu:.3f}'} |"
        )
    return "\n".join(rows)


def markdown(results: dict) -> str:
    run, settings, machine, server = (
        results["run"], results["settings"], results["machine"], results["server"]
    )
    scenario_list = "\n".join(
        f"- `{name}`: {SCENARIOS.get(name, '').format(**settings)}"
        for name in results["scenarios"]
    )
    log = server["log"]
    log_note = (
        "The server logged no warnings or errors."
        if log["lines"] == 0
        else f"The server logged {log['lines']} lines at warn level or above "
        f"({', '.join(f'{k}: {v}' for k, v in log['by_level'].items())}); "
        "the first lines are under `server.log.first_lines` in `bench/results/latest.json`."
    )
    if log["lines"] and log.get("transaction_state_notices") == log["lines"]:
        log_note += (
            " All are PostgreSQL notices about transaction state (\"there is no transaction in"
            " progress\", \"there is already a transaction in progress\"). They appear at the end"
            " of the write scenarios, when wrk closes its connections with requests in flight and"
            " the server drops those requests' handlers in the middle of a transaction; they do"
            " not affect the numbers above."
        )
    dirty = (
        " (with uncommitted changes to the source)" if run["source_modified_since_commit"] else ""
    )
    return f"""# Benchmarks

<!-- Generated by bench/run.sh (bench/report.py) from bench/results/latest.json: edit those,
     not this file. -->

How fast daap serves its main endpoints, measured end to end over HTTP. The numbers are a
baseline to spot regressions and compare changes, not a capacity plan.

## Results

Run of {run['started_at']} on commit `{run['git_commit']}`{dirty}: {settings['duration']} per scenario, {settings['connections']} connections, {settings['threads']} wrk threads. Before the first scenario, with daap idle, the CPUs were {machine['cpu_busy_percent_before_scenarios']}% busy with other work.

{table(results)}

Peak resident memory of the server (`VmHWM`, after all scenarios): **{server['peak_rss_mib']} MiB**.
{log_note}

Raw numbers (including p90/p99.9/max latency, errors by kind and wrk's full output) are in
[`bench/results/latest.json`](../bench/results/latest.json).

> **These machines are noisy.** The load generator (wrk), the server and PostgreSQL share
> {machine['nproc']} CPU cores, so each takes CPU from the others, and other work on the host
> moves the numbers between runs. Compare ratios between scenarios, or between two builds
> measured in one session, rather than absolute numbers across runs or machines.

## What is measured

`bench/run.sh` builds daap in release mode, creates a fresh database `daap_bench_<pid>` on a
PostgreSQL server, applies the migrations with `daap migrate` and seeds
{settings['seeded_products']:,} products in one SQL statement (`bench/seed.sql`): each at
v1.0, spread over 10 domains, 200 owners and the three statuses. It then starts
`daap serve` on 127.0.0.1 (JSON logs at `warn`, default pool of 16 database connections),
runs a short warm-up, and loads it with [wrk](https://github.com/wg/wrk) for a fixed time per
scenario, one scenario after the other:

{scenario_list}

The reads run first, on the data as seeded; the writes then add products and versions.

- **requests/s**: completed requests divided by the scenario's duration.
- **p50 / p99**: latency percentiles reported by wrk (`--latency`). wrk keeps every connection
  busy (a closed loop), so under overload latency stays bounded while throughput drops.
- **errors**: responses with a status other than 2xx (counted by the Lua scripts in
  `bench/lua/`, cross-checked with wrk's "Non-2xx or 3xx responses") plus socket errors and
  timeouts (wrk's default 2 s timeout). A run with errors exits with status 1.
- **server CPU ms/request**: user + system CPU time of the daap process (from
  `/proc/<pid>/stat`, read before and after each scenario) divided by the requests served.
  It excludes PostgreSQL's CPU time and has a resolution of 10 ms per scenario.
- **peak RSS**: `VmHWM` from `/proc/<pid>/status` once all scenarios have run.

Afterwards the server is stopped and the database dropped (also when the script fails).

## Machine

| | |
|---|---|
| CPUs (`nproc`) | {machine['nproc']} |
| CPU model | {machine['cpu_model']} |
| RAM | {machine['mem_total_mib']:,} MiB |
| Kernel | {machine['kernel']} |
| PostgreSQL | {machine['postgres_version']}, on the same machine, over TCP to 127.0.0.1 |
| wrk | {machine['wrk_version']} |
| Rust | {machine['rustc_version']} |

## Reproducing

From the repository root:

```sh
bash bench/run.sh
```

It needs `cargo`, `psql`, `pg_isready`, `curl`, `python3` and a PostgreSQL server, and installs
`wrk` with `apt-get` when it is missing. It regenerates this file and
`bench/results/latest.json`; a full run takes a few minutes plus the release build.

| Variable | Default | Meaning |
|---|---|---|
| `BENCH_DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/postgres` if a server answers there | Admin URL of the PostgreSQL server; the script creates and drops its own database on it |
| `BENCH_DURATION` | `10s` | Length of each scenario (wrk syntax: `30s`, `2m`) |
| `BENCH_CONNECTIONS` | `16` | Open HTTP connections |
| `BENCH_THREADS` | `2` | wrk threads |
| `BENCH_PORT` | `18080` | First port tried for the server (the next free one is used) |
"""


def load(path: str) -> dict:
    return json.loads(Path(path).read_text())


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[1] == "collect":
        results = collect(Path(argv[2]), argv[3:])
        json.dump(results, sys.stdout, indent=2)
        print()
    elif len(argv) == 3 and argv[1] == "markdown":
        sys.stdout.write(markdown(load(argv[2])))
    elif len(argv) == 3 and argv[1] == "table":
        print(table(load(argv[2])))
    elif len(argv) == 3 and argv[1] == "check":
        failed = {n: s for n, s in load(argv[2])["scenarios"].items() if s["errors"]}
        for name, s in failed.items():
            print(
                f"{name}: {s['errors']} errors (non-2xx by status: {s['non2xx_by_status']}, "
                f"socket: {s['socket_errors']}); first: {s['sample_error']}",
                file=sys.stderr,
            )
        return 1 if failed else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
