#!/usr/bin/env python3
"""Turn the raw output of bench/run.sh into bench/results/latest.json and docs/benchmarks.md.

    report.py collect WORK_DIR SCENARIO...   raw files of one run -> JSON on stdout
    report.py markdown RESULTS.json          -> docs/benchmarks.md content on stdout
    report.py table RESULTS.json             -> the results table, for the terminal
    report.py check RESULTS.json             -> exit status 1 if any scenario (or the schema
                                                scale phase) had errors

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
        "schema_scale": collect_schema_scale(work, meta),
    }


def collect_schema_scale(work: Path, meta: dict[str, str]) -> dict:
    """The result of bench/schema_scale.py (written to WORK_DIR/schema_scale.json)."""
    state = meta.get("schema_scale", "skipped")
    path = work / "schema_scale.json"
    if state == "skipped" or not path.exists():
        return {"skipped": True} if state == "skipped" else {"error": "schema_scale.py wrote no result"}
    result = json.loads(path.read_text())
    if state == "failed" and "error" not in result:
        result["error"] = "schema_scale.py failed"
    return result


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


# --- schema scale --------------------------------------------------------------------------------

READ_KINDS = {
    "product_latest": "`GET dp:<name>` (latest; lists every table)",
    "product_early": "`GET dp:<name>:{early}` (early version)",
    "product_before_updates": "`GET dp:<name>:<last version before the updates>`",
    "schema_latest": "`GET /v1/schemas/dp:<name>:t000` (latest)",
    "schema_early": "`GET /v1/schemas/dp:<name>:{early}:t000` (early version)",
}

PLAN_ROWS = {
    "product_latest": "product, latest (`find_current`: `GET dp:<name>`, and the first step of "
    "`GET /v1/schemas/dp:<name>:<table>`)",
    "product_early": "product, early version (`find_version`: `GET dp:<name>:v1.m`, and the "
    "first step of a table read at that version)",
    "product_before_updates": "product, last version before the updates (`find_version`)",
    "schema_latest": "one table, latest (`table_at`, second step of a table read)",
    "schema_early": "one table, early version (`table_at`)",
    "write_lock_product": "table write: lock the product row",
    "write_lock_current": "table write: read the locked latest version (`lock_current`)",
    "write_table_at": "table write: read the table being changed (`table_at`)",
    "write_close_revision": "table write: close the table's revision",
    "write_open_revision": "table write: insert the new revision",
}


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.2f}×"


def judge(r: float | None) -> str:
    """Words for a ratio of latencies measured on a noisy 2-core machine (no parentheses: the
    caller puts them around)."""
    if r is None:
        return "not measurable"
    if r < 0.8:
        return "lower"
    if r <= 1.25:
        return "flat"
    if r <= 1.5:
        return "25-50 % higher"
    return "clearly higher"


def num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def scale_sizes(scale: dict) -> tuple[dict, dict] | None:
    """The smallest and the largest product of the schema scale phase."""
    products = scale.get("products") or {}
    if len(products) < 2:
        return None
    sizes = sorted(products, key=int)
    return products[sizes[0]], products[sizes[-1]]


def rows_per_version(product: dict) -> tuple[str, str]:
    """Rows inserted and updated per version, counted from the product's own rows."""
    direct = product["rows"]["direct"]
    return num(direct["inserted_per_version_mean"]), num(direct["updated_per_version_mean"])


def scale_write_table(scale: dict) -> str:
    rows = [
        "| tables | PUT p50 | p90 | p99 | max | first 20 p50 | last 20 p50 | last/first "
        "| rows inserted / version | rows updated / version | daap CPU ms / PUT "
        "| PostgreSQL CPU ms / PUT |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for size, p in sorted(scale["products"].items(), key=lambda kv: int(kv[0])):
        put = p["put"]
        lat = put["latency_ms"]
        inserted, updated = rows_per_version(p)
        rows.append(
            f"| {int(size):,} | {ms(lat['p50'])} | {ms(lat['p90'])} | {ms(lat['p99'])} "
            f"| {ms(lat['max'])} | {ms(put['first_20_p50_ms'])} | {ms(put['last_20_p50_ms'])} "
            f"| {fmt_ratio(ratio(put['last_20_p50_ms'], put['first_20_p50_ms']))} "
            f"| {inserted} | {updated} "
            f"| {num(put.get('server_cpu_ms_per_request'))} "
            f"| {num(put.get('postgres_cpu_ms_per_request'))} |"
        )
    return "\n".join(rows)


def scale_read_table(scale: dict) -> str:
    sizes = sorted(scale["products"], key=int)
    small, large = scale["products"][sizes[0]], scale["products"][sizes[-1]]
    early = small["reads"]["product_early"]["request"].rsplit(":", 1)[-1]
    header = " | ".join(f"{int(n):,} tables p50 / p99" for n in sizes)
    sizes_header = " / ".join(f"{int(n):,}" for n in sizes)
    rows = [
        f"| request | {header} | {int(sizes[-1]):,} / {int(sizes[0]):,} p50 "
        f"| response bytes ({sizes_header} tables) | tables listed |",
        "|---|" + "--:|" * (len(sizes) + 3),
    ]
    for kind, label in READ_KINDS.items():
        if kind not in small["reads"]:
            continue
        cells = " | ".join(
            f"{ms(scale['products'][n]['reads'][kind]['latency_ms']['p50'])} / "
            f"{ms(scale['products'][n]['reads'][kind]['latency_ms']['p99'])}"
            for n in sizes
        )
        r = ratio(large["reads"][kind]["latency_ms"]["p50"], small["reads"][kind]["latency_ms"]["p50"])
        size_cells = " / ".join(f"{scale['products'][n]['reads'][kind]['response_bytes']:,}" for n in sizes)
        listed = " / ".join(
            "-" if scale["products"][n]["reads"][kind]["schemas_listed"] is None
            else str(scale["products"][n]["reads"][kind]["schemas_listed"])
            for n in sizes
        )
        rows.append(f"| {label.format(early=early)} | {cells} | {fmt_ratio(r)} | {size_cells} | {listed} |")
    return "\n".join(rows)


def plan_cell(plan: dict | None) -> str:
    if not plan:
        return "n/a"
    buffers = plan["shared_buffers_hit"] + plan["shared_buffers_read"]
    return (f"{plan['table_revisions_rows_read']} / {plan.get('versions_rows_read', 0)} / {buffers} "
            f"/ {plan['execution_ms']:.3f} ms")


def scale_plan_table(scale: dict) -> str:
    sizes = sorted(scale["products"], key=int)
    plans = {n: (scale["products"][n].get("plans") or {}).get("plans", {}) for n in sizes}
    header = " | ".join(f"{int(n):,} tables: revisions / versions read, buffers, time" for n in sizes)
    rows = [f"| statement | index | {header} |", "|---|---|" + "--:|" * len(sizes)]
    for key, label in PLAN_ROWS.items():
        found = [plans[n].get(key) for n in sizes]
        if not any(found):
            continue
        indexes = sorted({i for f in found if f for i in f["indexes"]})
        index = ", ".join(f"`{i}`" for i in indexes) or "none (" + ", ".join(
            sorted({node for f in found if f for node in f["nodes"]})) + ")"
        rows.append(f"| {label} | {index} | " + " | ".join(plan_cell(f) for f in found) + " |")
    return "\n".join(rows)


def scale_findings(scale: dict) -> list[str]:
    """Sentences derived from the measured numbers: nothing here is decided in advance."""
    pair = scale_sizes(scale)
    if pair is None:
        return []
    small, large = pair
    n_small, n_large = small["tables"], large["tables"]
    out = []

    put_ratio = ratio(large["put"]["latency_ms"]["p50"], small["put"]["latency_ms"]["p50"])
    history = {
        p["tables"]: ratio(p["put"]["last_20_p50_ms"], p["put"]["first_20_p50_ms"])
        for p in (small, large)
    }
    cpu_parts = []
    for key, who in (("server_cpu_ms_per_request", "daap"), ("postgres_cpu_ms_per_request", "PostgreSQL")):
        a, b = small["put"].get(key), large["put"].get(key)
        if a is not None and b is not None:
            cpu_parts.append(f"{who} {num(b)} ms against {num(a)} ms ({fmt_ratio(ratio(b, a))})")
    cpu_history = []
    for p in (small, large):
        a = p["put"].get("first_20_postgres_cpu_ms_per_request")
        b = p["put"].get("last_20_postgres_cpu_ms_per_request")
        if a is not None and b is not None:
            cpu_history.append(
                f"from {num(a)} to {num(b)} ms with {p['tables']} tables "
                f"({fmt_ratio(ratio(b, a))}, {judge(ratio(b, a))})"
            )
    out.append(
        f"**PUT latency against table count:** the median PUT on the {n_large}-table product took "
        f"{ms(large['put']['latency_ms']['p50'])}, {fmt_ratio(put_ratio)} the "
        f"{n_small}-table product's {ms(small['put']['latency_ms']['p50'])} ({judge(put_ratio)})."
        + (f" CPU time per PUT, which waiting for a busy CPU does not inflate: "
           + " and ".join(cpu_parts) + "." if cpu_parts else "")
    )
    out.append(
        f"**PUT latency against history:** over {large['put']['requests']} versions, the median "
        "of the last 20 PUTs against that of the first 20 is "
        + " and ".join(f"{fmt_ratio(history[n])} with {n} tables ({judge(history[n])})"
                       for n in (n_small, n_large))
        + "."
        + (" PostgreSQL's CPU time per PUT went " + ", and ".join(cpu_history) + "."
           if cpu_history else "")
        + f" (With {n_small} tables each table also grows by about "
        f"{small['put']['last_20_mean_columns'] - small['put']['first_20_mean_columns']:.0f} columns "
        "over the run, so its later PUTs carry bigger bodies.)"
    )
    other = (scale.get("updates") or {}).get("other_processes_cpu_percent")
    if other is not None and other > 20:
        out.append(
            f"**Caution:** other processes kept {other:.0f} % of the machine's CPU busy while "
            "the updates ran, so latencies here carry that noise; the comparisons between the "
            "two products (measured interleaved), the row counts, the CPU times and the "
            "buffer counts of the query plans are the robust numbers."
        )

    (s_ins, s_upd), (l_ins, l_upd) = rows_per_version(small), rows_per_version(large)
    direct = large["rows"]["direct"]
    if (s_ins, s_upd) == (l_ins, l_upd):
        rows_sentence = (
            f"**Rows per version:** every version wrote the same number of rows whatever the "
            f"table count: {l_ins} inserted and {l_upd} updated per version with both "
            f"{n_small} and {n_large} tables."
        )
    else:
        rows_sentence = (
            f"**Rows per version differ with the table count:** {s_ins} inserted / {s_upd} "
            f"updated per version with {n_small} tables against {l_ins} / {l_upd} with {n_large}."
        )
    rows_sentence += (
        f" No {n_large}-table version inserted more than {direct['inserted_per_version_max']} "
        f"rows or updated more than {direct['updated_per_version_max']}."
    )
    stat = scale.get("pg_stat") or {}
    if stat.get("agrees_with_row_counts"):
        rows_sentence += (
            " PostgreSQL's own counters agree: "
            f"{num(stat['inserted_per_version'])} rows inserted, "
            f"{num(stat['updated_per_version'])} updated and "
            f"{num(stat['deleted_per_version'])} deleted per version over all "
            f"{stat['versions']} versions."
        )
    elif stat:
        rows_sentence += (
            " PostgreSQL's own counters do **not** agree with these row counts "
            f"({num(stat['inserted_per_version'])} inserted, {num(stat['updated_per_version'])} "
            f"updated, {num(stat['deleted_per_version'])} deleted per version over all "
            f"{stat['versions']} versions): a backend may not have flushed them yet, or "
            "something else wrote; see `schema_scale.pg_stat` in the JSON."
        )
    out.append(rows_sentence)

    reads = []
    for kind, what in (("product_latest", "the latest product"),
                       ("product_before_updates", "a full old version"),
                       ("schema_latest", "the latest version of one table"),
                       ("schema_early", "one table at an early version")):
        if kind in large["reads"] and kind in small["reads"]:
            r = ratio(large["reads"][kind]["latency_ms"]["p50"], small["reads"][kind]["latency_ms"]["p50"])
            reads.append(f"{fmt_ratio(r)} for {what} ({judge(r)})")
    old_vs_latest = ratio(large["reads"]["product_before_updates"]["latency_ms"]["p50"],
                          large["reads"]["product_latest"]["latency_ms"]["p50"])
    out.append(
        f"**Reads:** with {n_large} tables against {n_small}, the median read takes "
        + ", ".join(reads)
        + f". The product responses list every table, so with {n_large} tables they are "
        f"{fmt_ratio(ratio(large['reads']['product_latest']['response_bytes'], small['reads']['product_latest']['response_bytes']))} "
        f"larger. Reading an old version of the {n_large}-table product (as many tables, "
        f"{large['put']['requests']} versions back) took {fmt_ratio(old_vs_latest)} the time of "
        f"reading the latest ({judge(old_vs_latest)})."
    )

    # Statements whose work grows with the table count although they serve one table.
    s_plans = (small.get("plans") or {}).get("plans", {})
    l_plans = (large.get("plans") or {}).get("plans", {})
    grows = []
    single_table = {
        # find_current serves product reads (which list every table) but is also the first
        # step of every single-table read at the latest version.
        "product_latest": "`find_current`, the first step of a single-table read",
        **{k: PLAN_ROWS[k] for k in PLAN_ROWS if k.startswith(("write_", "schema_"))},
    }
    for key, label in single_table.items():
        if key not in s_plans or key not in l_plans:
            continue
        sb = s_plans[key]["shared_buffers_hit"] + s_plans[key]["shared_buffers_read"]
        lb = l_plans[key]["shared_buffers_hit"] + l_plans[key]["shared_buffers_read"]
        sr = s_plans[key]["table_revisions_rows_read"]
        lr = l_plans[key]["table_revisions_rows_read"]
        if (lb > 2 * sb and lb - sb >= 5) or (lr > 2 * sr and lr - sr >= 10):
            grows.append(
                f"*{label}* reads {sr} table revisions ({sb} buffers) with {n_small} "
                f"tables and {lr} ({lb} buffers) with {n_large}"
            )
    history_scans = []
    for key in ("product_latest", "write_lock_current"):
        for p, plans in ((small, s_plans), (large, l_plans)):
            plan = plans.get(key) or {}
            read = plan.get("versions_rows_read", 0)
            if read > 1:
                conds = [sc.get("index_cond") for sc in plan.get("scans", [])
                         if sc["relation"] == "data_product_versions" and sc.get("index_cond")]
                history_scans.append(
                    f"*{PLAN_ROWS[key]}* read {read} rows of `data_product_versions` for the "
                    f"{p['tables']}-table product (which has {p['versions']['last_seq']} versions)"
                    + (f" with the index condition `{conds[0]}`" if conds else "")
                )
    if grows:
        out.append(
            "**Work that grows with the table count on a single-table path:** in the query "
            "plans below, " + "; ".join(grows) + ", although those requests concern one table."
        )
    elif s_plans and l_plans:
        out.append(
            "**Query plans:** no statement on the single-table paths (one table read, the "
            "statements of a table write) reads more than twice as many buffers with "
            f"{n_large} tables as with {n_small}."
        )
    if history_scans:
        out.append(
            "**Reading the latest version by scanning the history:** in the query plans below, "
            + "; ".join(history_scans)
            + ", to find one version: the planner did not look up `(product_id, seq)` directly, "
            "so that statement's cost grows with the number of versions (see `scans` of the "
            "plan in the JSON)."
        )
    return out


def schema_scale_section(results: dict) -> str:
    scale = results.get("schema_scale")
    if not scale:
        return "## Schema scale\n\nThese results have no schema scale phase.\n"
    if scale.get("skipped"):
        return "## Schema scale\n\nNot run this time (`BENCH_SKIP_SCALE=1`).\n"
    if scale.get("error") or scale_sizes(scale) is None:
        return (
            "## Schema scale\n\n**The schema scale phase failed:** "
            f"{scale.get('error', 'no products measured')}. Partial numbers, if any, are under "
            "`schema_scale` in `bench/results/latest.json`.\n"
        )
    small, large = scale_sizes(scale)
    st = scale["settings"]
    upd = scale.get("updates") or {}
    analyze_note = (
        "The planner's statistics were refreshed (`ANALYZE`) after the tables were created, as "
        "autovacuum would do"
        + (f" (this server runs with `autovacuum = {st['autovacuum']}`)" if st.get("autovacuum") else "")
        + "."
        if st.get("analyzed_before_updates") else
        "The planner's statistics were left as the seed and the wrk scenarios left them."
    )
    findings = "\n\n".join(scale_findings(scale))
    create = large["create_tables"]
    return f"""## Schema scale

A product may have hundreds of tables and thousands of versions. A new version must cost work
proportional to what changed, not to the number of tables, and reading any version (latest or
old) must be one cheap indexed lookup. This phase checks both. Two products, `scale_{small['tables']}` and
`scale_{large['tables']}`, get {small['tables']} and {large['tables']} tables through the API (10-60 columns each, of varied
types; {large['columns_before_updates']:,} columns in all for {large['tables']} tables), then
{st['updates']} successive `PUT /v1/schemas/dp:<name>:<table>`, each adding one column to the next table
round robin, so each makes one minor version (`{large['versions']['before_updates']}` → `{large['versions']['after_updates']}` for
`scale_{large['tables']}`). Requests are sequential on one keep-alive connection, timed by the client.
The products' updates are interleaved in blocks of {st.get('interleave_block', 10)} (and their reads request by request),
so that both see the same background load; while the updates ran, other processes used
{num(upd.get('other_processes_cpu_percent'), 0)} % of the machine's CPU.

{findings}

### Writes: one single-table update per version

{scale_write_table(scale)}

- **first 20 / last 20 p50**: median of the first and of the last 20 of the {st['updates']} PUTs; their
  ratio (last/first) near 1 means the cost does not grow with the history. In the sentences
  above, a ratio of latencies is called *flat* between 0.8× and 1.25× (the noise of this
  machine), *lower* below, and *higher* above.
- **rows inserted / updated per version**: counted from the product's rows after the updates:
  per version, its `data_product_versions` row plus the `table_revisions` rows it opened
  (inserted), and the revisions it closed plus the product row whose `current_seq` it moved
  (updated). Cross-checked with PostgreSQL's counters (`n_tup_ins`, `n_tup_upd`, `n_tup_del` of
  `data_products`, `data_product_versions`, `table_revisions` and `idempotency_records`), read
  before and after the updates, each time after {st['stats_settle_seconds']:.0f} s of quiet so that every backend has
  flushed them.
- **CPU ms / PUT**: CPU time of the daap process (all threads) and of the PostgreSQL backends of
  the bench database, over each product's PUTs (from `/proc/<pid>/task/*/schedstat`, in
  nanoseconds).

Creating the {large['tables']} tables one `POST` at a time took {create['seconds']:.1f} s, p50 {ms(create['latency_ms']['p50'])}. While the
product grew from 0 to {large['tables']} tables, the median creation went from {ms(create['first_20_p50_ms'])} (first 20) to
{ms(create['last_20_p50_ms'])} (last 20): {fmt_ratio(ratio(create['last_20_p50_ms'], create['first_20_p50_ms']))} ({judge(ratio(create['last_20_p50_ms'], create['first_20_p50_ms']))}).

### Reads, after the updates

{st['reads']} sequential requests of each, after one unrecorded request. Table `t000` received
{-(-st['updates'] // small['tables'])} of the added columns in `scale_{small['tables']}` and {-(-st['updates'] // large['tables'])} in `scale_{large['tables']}`, hence
the different sizes of its latest schema.

{scale_read_table(scale)}

### Query plans

`EXPLAIN (ANALYZE, BUFFERS)` of the statements behind those reads and behind one more table
write (the write statements run in a transaction that is rolled back), taken from the committed
sqlx query cache (`.sqlx/`), so they are exactly the server's SQL. *revisions / versions read*:
rows of `table_revisions` and of `data_product_versions` the statement's scans returned (before
any join filter or aggregation); *buffers*: shared buffers it touched (hit + read), a measure of
the work that does not depend on timing noise; *time*: its execution time in PostgreSQL.
{analyze_note}

{scale_plan_table(scale)}

The phase took {scale['elapsed_seconds']:.0f} s, {scale.get('settle_seconds_total', 0):.0f} s of it waiting for PostgreSQL's statistics to be flushed.
"""


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
    scale_settings = (results.get("schema_scale") or {}).get("settings") or {
        "tables": [5, 500], "updates": 200}
    scale_tables = " and ".join(f"{n:,}" for n in scale_settings["tables"])
    scale_updates = scale_settings["updates"]
    return f"""# Benchmarks

<!-- Generated by bench/run.sh (bench/report.py) from bench/results/latest.json: edit those,
     not this file. -->

How fast daap serves its main endpoints, measured end to end over HTTP. The numbers are a
baseline to spot regressions and compare changes, not a capacity plan.

## Results

Run of {run['started_at']} on commit `{run['git_commit']}`{dirty}: {settings['duration']} per scenario, {settings['connections']} connections, {settings['threads']} wrk threads. Before the first scenario, with daap idle, the CPUs were {machine['cpu_busy_percent_before_scenarios']}% busy with other work.

{table(results)}

Peak resident memory of the server (`VmHWM`, after the wrk scenarios): **{server['peak_rss_mib']} MiB**.
{log_note}

Raw numbers (including p90/p99.9/max latency, errors by kind and wrk's full output) are in
[`bench/results/latest.json`](../bench/results/latest.json).

> **These machines are noisy.** The load generator (wrk), the server and PostgreSQL share
> {machine['nproc']} CPU cores, so each takes CPU from the others, and other work on the host
> moves the numbers between runs. Compare ratios between scenarios, or between two builds
> measured in one session, rather than absolute numbers across runs or machines.

{schema_scale_section(results)}
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

Then, with the same server and database, `bench/schema_scale.py` runs the
[schema scale](#schema-scale) phase (skip it with `BENCH_SKIP_SCALE=1`): products with
{scale_tables} tables, {scale_updates} single-table updates each, then reads of latest and old
versions, as described in its section.

- **requests/s**: completed requests divided by the scenario's duration.
- **p50 / p99**: latency percentiles reported by wrk (`--latency`). wrk keeps every connection
  busy (a closed loop), so under overload latency stays bounded while throughput drops.
- **errors**: responses with a status other than 2xx (counted by the Lua scripts in
  `bench/lua/`, cross-checked with wrk's "Non-2xx or 3xx responses") plus socket errors and
  timeouts (wrk's default 2 s timeout). A run with errors exits with status 1.
- **server CPU ms/request**: user + system CPU time of the daap process (from
  `/proc/<pid>/stat`, read before and after each scenario) divided by the requests served.
  It excludes PostgreSQL's CPU time and has a resolution of 10 ms per scenario.
- **peak RSS**: `VmHWM` from `/proc/<pid>/status` once all wrk scenarios have run (before the
  schema scale phase).

Afterwards the server is stopped and the database dropped (also when the script fails), unless
`BENCH_KEEP_DB=1` asks to keep it for inspection.

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
| `BENCH_SKIP_SCALE` | unset | `1` skips the schema scale phase (`bench/schema_scale.py`) |
| `BENCH_KEEP_DB` | unset | `1` keeps the database `daap_bench_<pid>` afterwards (drop it yourself) |
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
        results = load(argv[2])
        print(table(results))
        scale = results.get("schema_scale") or {}
        if scale_sizes(scale) is not None and not scale.get("error"):
            print("\nschema scale: writes")
            print(scale_write_table(scale))
            print("\nschema scale: reads")
            print(scale_read_table(scale))
    elif len(argv) == 3 and argv[1] == "check":
        results = load(argv[2])
        failed = {n: s for n, s in results["scenarios"].items() if s["errors"]}
        for name, s in failed.items():
            print(
                f"{name}: {s['errors']} errors (non-2xx by status: {s['non2xx_by_status']}, "
                f"socket: {s['socket_errors']}); first: {s['sample_error']}",
                file=sys.stderr,
            )
        scale_error = (results.get("schema_scale") or {}).get("error")
        if scale_error:
            print(f"schema scale: {scale_error}", file=sys.stderr)
        return 1 if failed or scale_error else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
