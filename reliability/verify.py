"""The verdict every fault ends with: API histories and the database both hold every
acknowledged write, gap-free (checks.py), recorded on the scenario's Result."""
import checks


def verify(r, st, ctx, label=""):
    r.figures["daapLogErrors"] = st.daap.log_errors()
    db = checks.check_db(st.cluster, ctx.journal)  # first: it needs PostgreSQL, not daap
    try:
        api = checks.check_api(st.daap.port, ctx.products, ctx.journal)
    except RuntimeError as exc:
        api = {"apiAcked": None, "apiFound": None, "apiProblems": [f"API unreadable: {exc}"]}
    r.figures["verification" + label] = {k: v for k, v in {**api, **db}.items()
                                         if not k.endswith("Problems")}
    r.check(f"API histories gap-free and hold every acknowledged version{label}",
            not api["apiProblems"] and api["apiAcked"] == api["apiFound"],
            f"acknowledged {api['apiAcked']}, found {api['apiFound']}; {api['apiProblems'][:5]}")
    r.check(f"database consistent and holds every acknowledged write{label}",
            not db["dbProblems"] and db["dbAcked"] == db["dbFound"],
            f"acknowledged {db['dbAcked']}, found {db['dbFound']}; {db['dbProblems'][:5]}")
    return api, db


def statuses(samples):
    """`{"<op> <status>": count}` as text, for check details."""
    out = {}
    for s in samples:
        key = f"{s.op} {s.status}"
        out[key] = out.get(key, 0) + 1
    return str(out)
