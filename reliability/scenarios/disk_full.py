"""Scenario 5: the database's disk fills up while daap writes.

The cluster's data directory is a small tmpfs (root can mount one here); writers send
large, incompressible descriptions, and a filler file takes the remaining space. What daap
answers while PostgreSQL cannot write is recorded verbatim (status, problem title, detail):
it must be a clear problem document (503-like), never a 500 and never SQL. Then the space is
freed, PostgreSQL restarted (or started, if it stopped itself), and every acknowledged write
must be there in a gap-free history.
"""
import os
import subprocess
import time

from common import Result, Stage, fail_on_exception, log
from load import Ctx, setup_products, start_workers, stop_workers
from stats import summarize
from verify import statuses, verify

SIZE = "64m"
GROWN = "128m"
PRODUCTS = [f"disk_{i}" for i in range(4)]
MIX = {"get": 1, "meta": 3, "table": 3}
LEAKS = ("SQLSTATE", "ERROR:", "pg_", "No space left", "could not", "relation ", "wal")
PG_CONF = {"max_wal_size": "'48MB'", "min_wal_size": "'32MB'"}


def mount_tmpfs(path):
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", path],
                   check=True, capture_output=True, text=True)


def run(env, quick):
    r = Result("disk_full", f"Disk pressure: the cluster on a {SIZE} tmpfs, filled while writing")
    if os.geteuid() != 0:
        r.check("can mount a tmpfs (needs root)", False, "not root: scenario impossible here")
        return r
    fail_on_exception(r, lambda: _run(env, quick, r))
    return r


def _df(path):
    s = os.statvfs(path)
    return {"sizeMiB": round(s.f_blocks * s.f_frsize / 2**20, 1),
            "freeMiB": round(s.f_bavail * s.f_frsize / 2**20, 1)}


def _run(env, quick, r):
    full_for = 8 if quick else 25
    with Stage(env, "disk", daap_opts={"acquire_timeout_ms": 2000}, pg_conf=PG_CONF,
               data_mount=mount_tmpfs) as st:
        data = st.cluster.data
        r.figures["filesystemAtStart"] = _df(data)
        ctx = Ctx(st.daap.port, PRODUCTS, pad=6000)
        setup_products(st.daap.port, PRODUCTS, ctx.journal)
        threads = start_workers(ctx, 8, MIX, seed=5)
        time.sleep(2)
        filler = os.path.join(data, "reliability-filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=256k"], capture_output=True)
        t_full = time.monotonic()
        log(f"  filesystem full: {_df(data)}; writing on for {full_for}s")
        time.sleep(full_for)
        t_free = time.monotonic()
        pg_alive = st.cluster.running()
        os.remove(filler)
        # As an operator would: grow the volume too. Freeing the filler alone left ~21 MiB,
        # which PostgreSQL's own WAL (min_wal_size) could fill again after the restart: it
        # then crash-looped on ENOSPC, and daap rightly answered 503 for minutes.
        subprocess.run(["mount", "-o", f"remount,size={GROWN}", data], check=True)
        log(f"  freed and grown: {_df(data)}; PostgreSQL was {'running' if pg_alive else 'DOWN'}")
        r.figures["postgresRunningWhenFull"] = pg_alive
        if pg_alive:
            st.cluster.restart("fast")
        else:
            st.cluster.start()
        st.cluster.wait_accepting()
        t_back = time.monotonic()
        time.sleep(5)
        stuck = stop_workers(ctx, threads)
        during = ctx.stats.window(t_full, t_free)
        after = ctx.stats.window(t_back + 2, None)
        r.figures["whileFull"] = summarize(during, t_free - t_full)
        r.figures["afterRestart"] = summarize(after)
        r.figures["distinctAnswers"] = ctx.stats.distinct
        r.figures["acks"] = len(ctx.journal)
        s5 = [s for s in during if s.status >= 500 and s.status != 503]
        r.check("no 500 (or other non-503 5xx) while the disk is full", not s5, statuses(s5))
        s503 = [s for s in during if s.status == 503]
        bad = [s for s in s503 if not (s.problem_json and s.retry_after)]
        r.check("every 503 is problem+json with Retry-After", not bad,
                f"of {len(s503)} 503s, {sum(not s.retry_after for s in s503)} lack Retry-After, "
                f"{sum(not s.problem_json for s in s503)} are not problem+json")
        leaks = [k for k in ctx.stats.distinct if any(w in k for w in LEAKS)]
        r.check("no SQL or server internals in problem details", not leaks, leaks[:3])
        bad_after = [s for s in after if s.status not in (200, 201, 304, 404, 412)]
        r.check("writes succeed again after freeing space and restarting PostgreSQL",
                after and not bad_after and any(200 <= s.status < 300 and s.op != "get" for s in after),
                statuses(bad_after))
        r.check("load threads all finished", not stuck, f"stuck: {stuck}")
        r.figures["postgresLogTail"] = _pg_log_errors(st.cluster.log)
        _still_serving(r, st)
        verify(r, st, ctx)


def _still_serving(r, st):
    """Once the load has stopped, daap must still answer; if not, record why (before the
    volume was grown on recovery, PostgreSQL sometimes refilled it with WAL and crash-looped:
    then daap answered 503 "the database is busy" for minutes)."""
    from client import Client
    c = Client("127.0.0.1", st.daap.port)
    tries = []
    for _ in range(5):
        a = c.request("GET", f"/v1/data-products/dp:{PRODUCTS[0]}")
        tries.append(a.status)
        if a.status == 200:
            break
        time.sleep(1)
    ok = tries[-1] == 200
    if not ok:
        port = st.cluster.port
        r.figures["stuckDiagnostics"] = {
            "getStatuses": tries,
            "healthReady": c.request("GET", "/health/ready").status,
            "psqlSelect1": st.cluster.psql("SELECT 1", check=False),
            "pgStatActivity": st.cluster.psql(
                "SELECT application_name, state, wait_event_type, wait_event, "
                "left(query, 80), round(extract(epoch from now() - state_change)) "
                "FROM pg_stat_activity WHERE backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()", check=False),
            "daapSocketsToPg": subprocess.run(
                f"ss -tnp state all '( dport = :{port} )' | grep 'pid={st.daap.pid},' | "
                "awk '{print $1}' | sort | uniq -c", shell=True, capture_output=True,
                text=True).stdout.split("\n"),
            "daapThreads": st.daap.threads(),
        }
    c.close()
    r.check("daap still serves once the load has stopped", ok,
            f"GET statuses {tries}; {r.figures.get('stuckDiagnostics', '')}")


def _pg_log_errors(path, n=8):
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if any(w in l for w in ("PANIC", "FATAL", "ERROR"))]
        return lines[-n:]
    except OSError:
        return []
