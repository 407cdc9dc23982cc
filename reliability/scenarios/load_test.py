"""Scenario 4: load. 64 concurrent writers on 10 products, all conditional: metadata PUT and
table writes with If-Match, DELETE with If-Match followed by re-registration with
If-None-Match: *.

Correct concurrency means: no 5xx; every acknowledged write got its own version (ETags carry
the internal product id, so a re-registered name never reuses one); losers of a race get
412/409; and each product ends exactly as its last acknowledged write left it.
A 404 on a write is allowed only because of the deletes: RFC 9110 §13.2.1 puts "the
resource does not exist" before the precondition, so a write whose product was deleted since
it was read is a 404, not a 412.
"""
import time

from client import Client
from common import Result, Stage, fail_on_exception, log
from load import TABLE, Ctx, setup_products, start_workers, stop_workers
from stats import summarize
from verify import statuses, verify

PRODUCTS = [f"load_{i}" for i in range(10)]
MIX = {"meta": 4, "table": 4, "delete": 1}
WRITES = {"register", "put_meta", "put_table", "create_table", "delete"}


def run(env, quick):
    r = Result("load", "64 conditional writers on 10 products")
    fail_on_exception(r, lambda: _run(env, quick, r))
    return r


def _run(env, quick, r):
    duration = 15 if quick else 60
    with Stage(env, "load") as st:
        ctx = Ctx(st.daap.port, PRODUCTS)
        setup_products(st.daap.port, PRODUCTS, ctx.journal)
        t0 = time.monotonic()
        threads = start_workers(ctx, 64, MIX, seed=4)
        for i in range(duration // 5):
            time.sleep(5)
            log(f"  {len(ctx.stats.samples)} requests, {len(ctx.journal)} acks")
        time.sleep(duration % 5)
        stuck = stop_workers(ctx, threads)
        t1 = time.monotonic()
        samples = ctx.stats.window()
        summary = summarize(samples, t1 - t0)
        r.figures["load"] = summary
        r.figures["durationSec"] = duration
        r.figures["writers"] = 64
        r.figures["distinctAnswers"] = ctx.stats.distinct
        by = lambda pred: sum(1 for s in samples if pred(s.status))
        r.figures["totals"] = {"requests": len(samples), "2xx": by(lambda c: 200 <= c < 300),
                               "412": by(lambda c: c == 412), "409": by(lambda c: c == 409),
                               "404": by(lambda c: c == 404), "5xx": by(lambda c: c >= 500),
                               "ratePerSec": summary.get("ratePerSec"),
                               "p50Ms": summary["latencyMs"]["p50"], "p99Ms": summary["latencyMs"]["p99"]}
        log(f"  totals: {r.figures['totals']}")
        s5 = [s for s in samples if s.status >= 500 or s.status <= 0]
        r.check("zero 5xx (and no dropped connection)", not s5, statuses(s5))
        other = [s for s in samples if 400 <= s.status < 500 and s.status not in (404, 409, 412)]
        r.check("4xx only 412/409 (and 404 for a product deleted since it was read)", not other,
                statuses(other))
        keys = [(e["pid"], e["major"], e["minor"]) for e in ctx.journal.writes()]
        dups = len(keys) - len(set(keys))
        r.check("every acknowledged write got a distinct version", dups == 0 and None not in
                [k[0] for k in keys], f"{len(keys)} acks, {dups} duplicates")
        r.check("load threads all finished", not stuck, f"stuck: {stuck}")
        _final_state(r, st, ctx)
        verify(r, st, ctx)


def _final_state(r, st, ctx):
    """Each product's head equals the journal's last acknowledged write of its registration."""
    client = Client("127.0.0.1", st.daap.port)
    problems = []
    deletes = {e["pid"] for e in ctx.journal.entries if e["kind"] == "delete"}
    for name in ctx.products:
        mine = [e for e in ctx.journal.writes() if e["product"] == name]
        last_pid = max(e["pid"] for e in mine)
        a = client.request("GET", f"/v1/data-products/dp:{name}")
        if a.status == 404:
            if last_pid not in deletes:
                problems.append(f"dp:{name} is gone but its registration {last_pid} was never deleted")
            continue
        doc = a.json()
        pid = int(a.etag.strip('"').split(".")[0])
        acks = sorted((e for e in mine if e["pid"] == pid), key=lambda e: (e["major"], e["minor"]))
        if not acks:
            problems.append(f"dp:{name}: registration {pid} unknown to the journal")
            continue
        head = tuple(int(x) for x in doc["version"].lstrip("v").split("."))
        if head != (acks[-1]["major"], acks[-1]["minor"]):
            problems.append(f"dp:{name}: head {doc['version']} != last ack {acks[-1]['version']}")
        desc = [e for e in acks if e["kind"] in ("register", "meta")][-1]["token"]
        if doc["description"].split(" ", 1)[0] != desc:
            problems.append(f"dp:{name}: description {doc['description'][:20]!r} != last written {desc}")
        tables = [e for e in acks if e["kind"] == "table"]
        t = client.request("GET", f"/v1/schemas/dp:{name}:{TABLE}")
        got = (t.json() or {}).get("tableDescription", "").split(" ", 1)[0] if t.status == 200 else None
        want = tables[-1]["token"] if tables else None
        if got != want:
            problems.append(f"dp:{name}: table description {got!r} != last written {want!r}")
    client.close()
    r.check("final state of each product equals its last acknowledged write", not problems,
            problems[:5])
