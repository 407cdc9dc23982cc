"""After a fault: is every acknowledged write there, and is every history whole?

Two views, deliberately independent:
- through the API: each live product's history (`/versions`, paged via nextLink) must be
  v1.0, then each minor/major bump in turn (no gap, no duplicate), and must contain every
  version the journal holds for that registration;
- straight from PostgreSQL (migrations 0001, 0002, 0005): for every registration, deleted
  ones too, versions are seq 1..current_seq with nothing beyond the head (no partial
  version), numbered by their bumps, the head copies its version, `current_tables` equals
  the open table revisions, and each journaled write's token is in the version it was
  acknowledged as.
"""
import urllib.parse

import time

from client import Client


def get_settled(client, path, tries=20):
    """GET, retrying briefly on 503 or a dropped connection: verification reads what is
    stored, once daap is back (how long it took to come back is checked elsewhere)."""
    for _ in range(tries):
        a = client.request("GET", path)
        if a.status not in (0, -1, 503):
            return a
        time.sleep(0.5)
    return a


def next_version(prev, bump):
    major, minor = prev
    return (major + 1, 0) if bump == "major" else (major, minor + 1)


def parse_version(text):
    major, minor = text.lstrip("v").split(".")
    return int(major), int(minor)


def numbering_problems(label, versions):
    """versions: [(major, minor, bump)] oldest first. Empty list when gap-free."""
    problems = []
    if not versions:
        return [f"{label}: no versions"]
    if versions[0][:2] != (1, 0) or versions[0][2] != "initial":
        problems.append(f"{label}: first version is {versions[0]}, not v1.0 initial")
    seen = set()
    for prev, cur in zip(versions, versions[1:]):
        want = next_version(prev[:2], cur[2])
        if cur[:2] != want:
            problems.append(f"{label}: v{prev[0]}.{prev[1]} then v{cur[0]}.{cur[1]} "
                            f"({cur[2]}), expected v{want[0]}.{want[1]}")
    for v in versions:
        if v[:2] in seen:
            problems.append(f"{label}: duplicate v{v[0]}.{v[1]}")
        seen.add(v[:2])
    return problems


def api_history(port, name, limit=1000):
    """Oldest-first [(major, minor, bump)] of the live product, or None when it is 404."""
    client = Client("127.0.0.1", port)
    path = f"/v1/data-products/dp:{name}/versions?limit={limit}"
    entries = []
    while path:
        a = get_settled(client, path)
        if a.status == 404:
            return None
        if a.status != 200:
            raise RuntimeError(f"GET {path}: {a.status} {a.problem()}")
        doc = a.json()
        entries.extend(doc["value"])
        path = doc.get("nextLink")
    client.close()
    return [parse_version(e["version"]) + (e["bump"],) for e in reversed(entries)]


def check_api(port, products, journal):
    """Gap-free histories through the API, containing every journaled version."""
    problems, acked, found = [], 0, 0
    live_pid = {}
    for name in products:
        client = Client("127.0.0.1", port)
        a = get_settled(client, f"/v1/data-products/dp:{urllib.parse.quote(name)}")
        client.close()
        if a.status == 200:
            live_pid[name] = int(a.etag.strip('"').split(".")[0])
        history = api_history(port, name)
        if history is None:
            continue
        problems += numbering_problems(f"dp:{name} (API)", history)
        have = {v[:2] for v in history}
        for e in journal.writes():
            if e["product"] == name and e["pid"] == live_pid.get(name):
                acked += 1
                if (e["major"], e["minor"]) in have:
                    found += 1
                else:
                    problems.append(f"dp:{name}: acknowledged {e['version']} ({e['kind']} "
                                    f"{e['token']}) missing from /versions")
    return {"apiAcked": acked, "apiFound": found, "apiProblems": problems}


def dump(cluster):
    products = cluster.psql(
        "SELECT id, name, current_seq, major, minor, deleted_at IS NOT NULL, "
        "array_to_string(current_tables, ','), split_part(description, ' ', 1) "
        "FROM data_products ORDER BY id")
    versions = cluster.psql(
        "SELECT product_id, seq, major, minor, bump, split_part(description, ' ', 1) "
        "FROM data_product_versions ORDER BY product_id, seq")
    revisions = cluster.psql(
        "SELECT product_id, table_name, first_seq, coalesce(end_seq, 0), "
        "split_part(table_description, ' ', 1) FROM table_revisions")
    return products, versions, revisions


def check_db(cluster, journal):
    """The PostgreSQL view: whole versions, consistent heads, every acknowledged token."""
    products, versions, revisions = dump(cluster)
    problems = []
    by_pid = {}
    for pid, seq, major, minor, bump, token in versions:
        by_pid.setdefault(int(pid), []).append((int(seq), int(major), int(minor), bump, token))
    revs = {}
    for pid, table, first, end, token in revisions:
        revs.setdefault(int(pid), []).append((table, int(first), int(end), token))
    for pid, name, cur, major, minor, deleted, tables, token in products:
        pid, cur = int(pid), int(cur)
        label = f"dp:{name} (id {pid}{', deleted' if deleted == 't' else ''})"
        rows = by_pid.get(pid, [])
        seqs = [r[0] for r in rows]
        if seqs != list(range(1, cur + 1)):
            problems.append(f"{label}: version seqs {_span(seqs)} but head current_seq {cur}")
        problems += numbering_problems(label, [(r[1], r[2], r[3]) for r in rows])
        head = next((r for r in rows if r[0] == cur), None)
        if head and (head[1], head[2], head[4]) != (int(major), int(minor), token):
            problems.append(f"{label}: head v{major}.{minor} {token!r} != version row "
                            f"v{head[1]}.{head[2]} {head[4]!r}")
        open_tables = sorted(t for t, first, end, _ in revs.get(pid, []) if end == 0)
        if sorted(filter(None, tables.split(","))) != open_tables:
            problems.append(f"{label}: current_tables {tables!r} != open revisions {open_tables}")
        for t, first, end, _ in revs.get(pid, []):
            if first > cur or end > cur:
                problems.append(f"{label}: table {t} revision [{first},{end or ''}) beyond head {cur}")
    # every acknowledged write, in the version it was acknowledged as
    vindex = {(int(p), int(ma), int(mi)): (int(s), tok) for p, s, ma, mi, _, tok in versions}
    rindex = {(int(p), t, int(f)): tok for p, t, f, _, tok in revisions}
    acked = found = 0
    missing = []
    for e in journal.writes():
        acked += 1
        v = vindex.get((e["pid"], e["major"], e["minor"]))
        ok = v is not None and (
            v[1] == e["token"] if e["kind"] in ("register", "meta")
            else rindex.get((e["pid"], e["table"], v[0])) == e["token"])
        if ok:
            found += 1
        else:
            missing.append(f"dp:{e['product']} id {e['pid']} {e['version']} {e['kind']} "
                           f"{e['token']}: {'no such version' if v is None else 'other content'}")
    return {"dbAcked": acked, "dbFound": found, "dbProblems": problems + missing[:50],
            "dbMissingCount": len(missing), "registrations": len(products),
            "versionsInDb": len(versions)}


def _span(seqs):
    return f"{seqs[0]}..{seqs[-1]} ({len(seqs)} rows)" if seqs else "none"
