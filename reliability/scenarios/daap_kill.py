"""Scenario 2: daap killed with SIGKILL during writes.

Writers run; the daap process is killed (-9) mid-flight, restarted on the same database,
and the writers carry on; this repeats. A kill can lose an answer, never a write daap
acknowledged, and must never leave a partial version (a version row without the head moved,
a table revision beyond the head, current_tables disagreeing with the open revisions): the
database is checked directly as well as through the API.
"""
import time

from common import Result, Stage, fail_on_exception, log
from load import Ctx, setup_products, start_workers, stop_workers
from stats import summarize
from verify import statuses, verify

PRODUCTS = [f"kill_{i}" for i in range(4)]
MIX = {"get": 1, "meta": 4, "table": 5}


def run(env, quick):
    r = Result("daap_kill", "daap killed with SIGKILL during writes")
    fail_on_exception(r, lambda: _run(env, quick, r))
    return r


def _run(env, quick, r):
    kills, between = (3, 3) if quick else (6, 8)
    with Stage(env, "kill") as st:
        ctx = Ctx(st.daap.port, PRODUCTS)
        setup_products(st.daap.port, PRODUCTS, ctx.journal)
        t_start = time.monotonic()
        threads = start_workers(ctx, 16, MIX, seed=2)
        restarts = []
        for k in range(kills):
            time.sleep(between)
            acks_before = len(ctx.journal)
            t_kill = time.monotonic()
            st.daap.kill9()
            log(f"  kill -9 #{k + 1} after {acks_before} acks")
            t_ready = st.daap.start()
            restarts.append({"kill": k + 1, "acksBefore": acks_before,
                             "restartToReadySec": round(t_ready - t_kill, 2)})
        time.sleep(between)
        stuck = stop_workers(ctx, threads)
        t_end = time.monotonic()
        samples = ctx.stats.window()
        r.figures["load"] = summarize(samples, t_end - t_start)
        r.figures["restarts"] = restarts
        r.figures["examples"] = {str(k): v for k, v in ctx.stats.examples.items()}
        s5 = [s for s in samples if s.status >= 500]
        r.check("no 5xx (a kill drops connections; it must not make daap answer 5xx)",
                not s5, statuses(s5))
        lost = [s for s in samples if s.status <= 0]
        r.note(f"{len(lost)} requests lost their connection to the kills (expected; "
               f"their writes may or may not have committed, and are not in the journal)")
        r.check("load threads all finished", not stuck, f"stuck: {stuck}")
        api, db = verify(r, st, ctx)
        log(f"  acknowledged {db['dbAcked']}, found {db['dbFound']}")
