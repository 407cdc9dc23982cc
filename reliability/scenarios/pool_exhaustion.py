"""Scenario 3: pool exhaustion behind a blocked database.

A small pool (4 connections, 500 ms acquire timeout) and another session holding
ACCESS EXCLUSIVE locks on the tables every request needs (in an open transaction, via psql),
while 64 clients fire reads and writes. The 4 requests that get a connection wait on the
lock; every other one must fail fast: 503 problem+json with Retry-After after about the
acquire timeout. Nothing may pile up: daap's PostgreSQL connections stay at the pool size,
its RSS (VmRSS) and thread count stay flat. Once the lock is released everything works.
"""
import threading
import time

from common import Result, Stage, fail_on_exception, log
from load import Ctx, setup_products, start_workers, stop_workers
from stats import percentile, summarize
from verify import statuses, verify

POOL, ACQUIRE_MS = 4, 500
PRODUCTS = [f"pool_{i}" for i in range(4)]
MIX = {"get": 1, "meta": 1, "table": 1}
LOCK = ("BEGIN;\nLOCK TABLE data_products, data_product_versions, table_revisions "
        "IN ACCESS EXCLUSIVE MODE;\n\\echo locked\n")
RSS_GROWTH_LIMIT_MIB = 32
BACKENDS_SQL = ("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND application_name <> 'psql'")


def run(env, quick):
    r = Result("pool_exhaustion", "Pool exhaustion / blocked database")
    fail_on_exception(r, lambda: _run(env, quick, r))
    return r


class Sampler(threading.Thread):
    """Every 0.25 s: daap's VmRSS and threads, its PostgreSQL backends, its TCP connections."""

    def __init__(self, st):
        super().__init__(daemon=True)
        self.st, self.stop, self.rows = st, threading.Event(), []

    def run(self):
        while not self.stop.is_set():
            backends = self.st.cluster.psql(BACKENDS_SQL, check=False)
            self.rows.append((time.monotonic(), self.st.daap.rss_kib(), self.st.daap.threads(),
                              int(backends[0][0]) if backends else None))
            self.stop.wait(0.25)

    def between(self, t0, t1):
        return [row for row in self.rows if t0 <= row[0] < t1]


def _run(env, quick, r):
    hold = 8 if quick else 40  # full: past the 30 s request timeout, to see what that does
    opts = {"acquire_timeout_ms": ACQUIRE_MS, "max_connections": POOL}
    with Stage(env, "pool", daap_opts=opts) as st:
        ctx = Ctx(st.daap.port, PRODUCTS)
        setup_products(st.daap.port, PRODUCTS, ctx.journal)
        sampler = Sampler(st)
        sampler.start()
        threads = start_workers(ctx, 64, MIX, seed=3)  # warm-up: allocator and pool at size
        time.sleep(3)
        t_lock0 = time.monotonic()
        session = st.cluster.session()
        session.stdin.write(LOCK)
        seen = []
        while not seen or "locked" not in seen[-1]:
            seen.append(session.stdout.readline())
            if not seen[-1]:
                raise RuntimeError(f"could not take the locks: {''.join(seen)!r}")
        t_lock = time.monotonic()
        log(f"  tables locked (waited {t_lock - t_lock0:.1f}s); holding {hold}s with 64 clients")
        time.sleep(hold)
        t_release = time.monotonic()  # before the ROLLBACK: nothing after it counts as locked
        session.stdin.write("ROLLBACK;\n\\q\n")
        session.stdin.flush()
        session.wait(30)
        log("  locks released")
        time.sleep(5)
        stuck = stop_workers(ctx, threads)
        time.sleep(2)
        t_end = time.monotonic()
        sampler.stop.set()
        sampler.join()
        _judge(r, ctx, sampler, t_lock0, t_lock, t_release, t_end, hold, stuck)
        verify(r, st, ctx)


def _judge(r, ctx, sampler, t_lock0, t_lock, t_release, t_end, hold, stuck):
    # Every request still running once the LOCK statement was sent: those that queued behind
    # it (or held a connection the lock then blocked) count too, however early they started.
    during = [s for s in ctx.stats.window(None, t_release) if s.started + s.latency >= t_lock0]
    after = ctx.stats.window(t_release + 2, None)
    s503 = [s for s in during if s.status == 503]
    lat503 = [s.latency * 1000 for s in s503]
    waited = [s for s in during if s.status != 503]
    r.figures["poolSize"], r.figures["acquireTimeoutMs"], r.figures["lockHeldSec"] = POOL, ACQUIRE_MS, hold
    r.figures["whileLocked"] = summarize(during, t_release - t_lock)
    r.figures["latency503Ms"] = {q: _r(percentile(lat503, q)) for q in (0, 50, 90, 99, 100)}
    r.figures["notFailedFast"] = {"count": len(waited), "statuses": statuses(waited),
                                  "maxLatencyMs": round(max((s.latency for s in waited), default=0) * 1000)}
    r.figures["afterRelease"] = summarize(after)
    r.figures["distinctAnswers"] = ctx.stats.distinct
    before = [row for row in sampler.rows if row[0] < t_lock0]
    locked = sampler.between(t_lock, t_release)
    end = sampler.rows[-3:]
    mib = lambda rows: [round(row[1] / 1024, 1) for row in rows if row[1]]
    rss = {"beforeMiB": max(mib(before[-4:]), default=None), "peakMiB": max(mib(locked), default=None),
           "afterMiB": max(mib(end), default=None)}
    r.figures["rss"] = rss
    r.figures["threads"] = {"before": before[-1][2] if before else None,
                            "peak": max((row[2] or 0 for row in locked), default=None),
                            "after": end[-1][2] if end else None}
    r.figures["daapBackendsWhileLocked"] = {"max": max((row[3] or 0 for row in locked), default=None),
                                            "min": min((row[3] or 0 for row in locked), default=None)}
    s5 = [s for s in during + after if s.status >= 500 and s.status != 503]
    r.check("no 5xx other than 503", not s5, statuses(s5))
    bad = [s for s in s503 if not (s.problem_json and s.retry_after)]
    r.check("every 503 is problem+json with Retry-After", not bad,
            f"of {len(s503)} 503s, {sum(not s.retry_after for s in s503)} lack Retry-After, "
            f"{sum(not s.problem_json for s in s503)} are not problem+json")
    p50, p99 = percentile(lat503, 50), percentile(lat503, 99)
    r.check(f"503s come after about the acquire timeout ({ACQUIRE_MS} ms, +500 ms)",
            bool(lat503) and ACQUIRE_MS * 0.9 <= p50 and p99 <= ACQUIRE_MS + 500,
            f"{len(s503)} 503s, p50 {_r(p50)} ms, p99 {_r(p99)} ms")
    r.check("requests that got a connection are bounded by the request timeout (30 s) + 5 s",
            all(s.latency <= 35 for s in waited), r.figures["notFailedFast"])
    r.check(f"daap's PostgreSQL connections stay at most the pool size ({POOL})",
            (r.figures["daapBackendsWhileLocked"]["max"] or 0) <= POOL,
            r.figures["daapBackendsWhileLocked"])
    ok_rss = (rss["peakMiB"] is not None and rss["beforeMiB"] is not None
              and rss["peakMiB"] - rss["beforeMiB"] <= RSS_GROWTH_LIMIT_MIB
              and rss["afterMiB"] - rss["beforeMiB"] <= RSS_GROWTH_LIMIT_MIB)
    r.check(f"RSS flat (peak and after within {RSS_GROWTH_LIMIT_MIB} MiB of before)", ok_rss, rss)
    bad_after = [s for s in after if s.status not in (200, 201, 304, 412)]
    r.check("after the release (+2 s) every request succeeds (or 412)", after and not bad_after,
            f"{len(after)} requests; bad: {statuses(bad_after)}")
    r.check("load threads all finished", not stuck, f"stuck: {stuck}")


def _r(x):
    return None if x is None else round(x, 1)
