"""Scenario 1: PostgreSQL restarted under mixed load.

Readers and conditional writers (metadata PUT, table PUT/POST) run on a few products while
PostgreSQL is restarted three ways: `pg_ctl restart -m fast`, `pg_ctl restart -m immediate`
(crash recovery), and a stop with the server kept down for a while (an outage long enough to
see what clients get). During each outage daap must answer 503 problem+json with
Retry-After, never 500 and never hang past the acquire timeout; it must come back by itself;
and afterwards every acknowledged write must be in a gap-free history.
"""
import time

from common import Result, Stage, fail_on_exception, log
from load import Ctx, setup_products, start_workers, stop_workers
from stats import summarize
from verify import statuses as _statuses, verify

ACQUIRE_MS = 2000
SLACK_S = 3.0
RECOVERY_LIMIT_S = 10.0
PRODUCTS = [f"restart_{i}" for i in range(4)]
MIX = {"get": 4, "meta": 3, "table": 3}


def run(env, quick):
    r = Result("pg_restart", "PostgreSQL restarted under mixed load")
    fail_on_exception(r, lambda: _run(env, quick, r))
    return r


def _run(env, quick, r):
    threads_n = 16
    settle, down = (4, 3) if quick else (12, 10)
    with Stage(env, "restart", daap_opts={"acquire_timeout_ms": ACQUIRE_MS}) as st:
        ctx = Ctx(st.daap.port, PRODUCTS)
        setup_products(st.daap.port, PRODUCTS, ctx.journal)
        t_start = time.monotonic()
        threads = start_workers(ctx, threads_n, MIX, seed=1)
        events = []
        time.sleep(settle)
        for label, action in [
            ("restart -m fast", lambda: st.cluster.restart("fast")),
            ("restart -m immediate", lambda: st.cluster.restart("immediate")),
            (f"stop -m fast, down {down}s, start",
             lambda: (st.cluster.stop("fast"), time.sleep(down), st.cluster.start())),
        ]:
            log(f"  PostgreSQL: {label}")
            t0 = time.monotonic()
            action()
            st.cluster.wait_accepting()
            t_back = time.monotonic()
            events.append((label, t0, t_back))
            time.sleep(settle)
        stuck = stop_workers(ctx, threads)
        t_end = time.monotonic()
        log(f"  load stopped: {len(ctx.stats.samples)} requests, {len(ctx.journal)} acks")
        _judge(r, st, ctx, events, t_start, t_end, stuck)


def _judge(r, st, ctx, events, t_start, t_end, stuck):
    samples = ctx.stats.window()
    r.figures["load"] = summarize(samples, t_end - t_start)
    r.figures["threads"] = 16
    r.figures["acquireTimeoutMs"] = ACQUIRE_MS
    per_event = []
    for i, (label, t0, t_back) in enumerate(events):
        t_next = events[i + 1][1] if i + 1 < len(events) else t_end
        win = [s for s in samples if t0 <= s.started < t_next]
        first_ok = min((s.started + s.latency for s in win
                        if s.started >= t_back and 200 <= s.status < 300
                        and s.op != "get"), default=None)
        per_event.append({
            "event": label, "pgDownSec": round(t_back - t0, 2),
            "statuses": summarize(win)["byStatus"],
            "writeRecoverySecAfterPgBack": None if first_ok is None else round(first_ok - t_back, 2),
            "maxLatencyMs": round(max((s.latency for s in win), default=0) * 1000)})
    r.figures["events"] = per_event
    r.figures["examples"] = {str(k): v for k, v in ctx.stats.examples.items()}
    s500 = [s for s in samples if s.status >= 500 and s.status != 503]
    s503 = [s for s in samples if s.status == 503]
    bad503 = [s for s in s503 if not (s.problem_json and s.retry_after)]
    conn = [s for s in samples if s.status <= 0]
    other = [s for s in samples if s.status not in (200, 201, 304, 404, 412, 503) and 0 < s.status < 500]
    limit = ACQUIRE_MS / 1000 + SLACK_S
    slow = [s for s in samples if s.latency > limit]
    r.check("no 5xx other than 503", not s500,
            f"{len(s500)} answers: " + _statuses(s500))
    r.check("every 503 is problem+json with Retry-After", not bad503,
            f"of {len(s503)} 503s, {sum(not s.retry_after for s in s503)} lack Retry-After, "
            f"{sum(not s.problem_json for s in s503)} are not problem+json")
    r.check("no dropped connection or client timeout", not conn, f"{len(conn)}")
    r.check("no unexpected 4xx", not other, _statuses(other))
    r.check(f"no request slower than acquire timeout + {SLACK_S:.0f}s ({limit:.0f}s)", not slow,
            f"{len(slow)} slower; max {max((s.latency for s in samples), default=0):.2f}s")
    rec = [e["writeRecoverySecAfterPgBack"] for e in per_event]
    r.check(f"writes succeed again within {RECOVERY_LIMIT_S:.0f}s of PostgreSQL being back",
            all(x is not None and x <= RECOVERY_LIMIT_S for x in rec), f"seconds: {rec}")
    r.check("load threads all finished", not stuck, f"stuck: {stuck}")
    verify(r, st, ctx)

