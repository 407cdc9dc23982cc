"""The load generator: threads that read and write a few products the way a careful client
does (If-Match from the last read, re-read on 412, If-None-Match: * on register) and journal
every write daap acknowledges.

Each write carries a unique token (in the description, or in the table description of table
`t`) so that the journal can later prove the acknowledged version holds exactly that write.
"""
import random
import string
import threading
import time

from client import Client
from journal import Journal, table_etag
from stats import Stats

TABLE = "t"


def product_fields(token, pad=0, rng=None):
    description = token if not pad else token + " " + _noise(rng, pad)
    return {"description": description, "domain": "HMPPS",
            "dataProductOwner": "jane.doe@justice.gov.uk",
            "dataProductOwnerDisplayName": "Jane Doe",
            "email": "reliability@justice.gov.uk", "status": "draft",
            "retentionPeriod": 3000, "dpiaRequired": False,
            "tags": {"sensitivity": "official"}}


def table_body(token, extra, pad=0, rng=None):
    """`extra` adds a column; dropping it again is a breaking change (a major version)."""
    description = token if not pad else (token + " " + _noise(rng, pad))[:2048]
    columns = [{"name": "id", "type": "bigint", "description": "Id"}]
    if extra:
        columns.append({"name": "extra", "type": "string", "description": "Extra"})
    return {"tableDescription": description, "columns": columns}


def _noise(rng, n):
    # Random letters defeat the lz4 compression of the stored text (migration 0006).
    return "".join(rng.choices(string.ascii_letters, k=n))


class Ctx:
    """What every worker of one run shares."""

    def __init__(self, port, products, journal=None, stats=None, pad=0, tag="w"):
        self.port = port
        self.products = products
        self.journal = journal or Journal()
        self.stats = stats or Stats()
        self.stop = threading.Event()
        self.pad = pad
        self.tag = tag


class Worker:
    def __init__(self, ctx, wid, seed=None):
        self.ctx = ctx
        self.wid = wid
        self.rng = random.Random(seed if seed is not None else wid)
        self.client = Client("127.0.0.1", ctx.port)
        self.seen = {}  # product -> (etag, tables)
        self.n = 0

    def token(self):
        self.n += 1
        return f"{self.ctx.tag}{self.wid}x{self.n}"

    def _do(self, op, method, path, body=None, headers=None):
        answer = self.client.request(method, path, body, headers)
        self.ctx.stats.record(op, answer, f"{method} {path}")
        return answer

    # -- operations -----------------------------------------------------------------
    def read(self, name):
        a = self._do("get", "GET", f"/v1/data-products/dp:{name}")
        if a.status == 200:
            doc = a.json() or {}
            tables = {s if isinstance(s, str) else s.get("name") for s in doc.get("schemas", [])}
            self.seen[name] = (a.etag, tables)
        elif a.status == 404:
            self.seen[name] = None
        return a

    def register(self, name):
        token = self.token()
        body = dict(product_fields(token, self.ctx.pad, self.rng), name=name)
        a = self._do("register", "POST", "/v1/data-products", body, {"If-None-Match": "*"})
        if a.status == 201:
            self.ctx.journal.ack(name, a.etag, (a.json() or {}).get("version"), "register", token)
            self.seen[name] = (a.etag, set())
        elif a.status == 412:
            self.read(name)
        return a

    def put_meta(self, name):
        etag = self._etag(name)
        if etag is None:
            return None
        token = self.token()
        a = self._do("put_meta", "PUT", f"/v1/data-products/dp:{name}",
                     product_fields(token, self.ctx.pad, self.rng), {"If-Match": etag})
        if a.status == 200:
            self.ctx.journal.ack(name, a.etag, (a.json() or {}).get("version"), "meta", token)
            self.seen[name] = (a.etag, self.seen[name][1])
        elif a.status in (412, 404):
            self.read(name)
        return a

    def put_table(self, name):
        etag = self._etag(name)
        if etag is None:
            return None
        tables = self.seen[name][1]
        token = self.token()
        body = table_body(token, self.rng.random() < 0.5, self.ctx.pad, self.rng)
        path = f"/v1/schemas/dp:{name}:{TABLE}"
        if TABLE in tables:
            a = self._do("put_table", "PUT", path, body, {"If-Match": table_etag(etag, TABLE)})
            ok = 200
        else:
            a = self._do("create_table", "POST", path, body, {"If-None-Match": "*"})
            ok = 201
        if a.status == ok:
            doc = a.json() or {}
            version = (doc.get("dataProduct") or {}).get("version")
            self.ctx.journal.ack(name, a.etag, version, "table", token, TABLE)
            self.seen[name] = (a.etag.split(":")[0] + '"', tables | {TABLE})
        elif a.status in (412, 404, 409):
            self.read(name)
        return a

    def delete_and_register(self, name):
        etag = self._etag(name)
        if etag is None:
            return None
        a = self._do("delete", "DELETE", f"/v1/data-products/dp:{name}", None, {"If-Match": etag})
        if a.status == 204:
            self.ctx.journal.ack(name, etag, None, "delete", None)
            self.seen[name] = None
            return self.register(name)
        if a.status in (412, 404):
            self.read(name)
        return a

    def _etag(self, name):
        """The tag of our last read; reads (and registers, if it is gone) when there is none."""
        if self.seen.get(name) is None:
            a = self.read(name)
            if a.status == 404:
                self.register(name)
                return None
            if a.status != 200:
                return None
        return self.seen[name][0]

    # -- the loop ---------------------------------------------------------------------
    def run(self, mix):
        ops = {"get": self.read, "meta": self.put_meta, "table": self.put_table,
               "delete": self.delete_and_register}
        names, weights = zip(*mix.items())
        while not self.ctx.stop.is_set():
            op = self.rng.choices(names, weights)[0]
            product = self.rng.choice(self.ctx.products)
            result = ops[op](product)
            if result is not None and result.status in (0, -1):
                time.sleep(0.05)  # the server is away: do not spin on refused connections
        self.client.close()


def start_workers(ctx, n, mix, seed=0):
    threads = []
    for i in range(n):
        w = Worker(ctx, i, seed=seed * 1000 + i)
        t = threading.Thread(target=w.run, args=(mix,), daemon=True, name=f"worker-{i}")
        t.start()
        threads.append(t)
    return threads


def stop_workers(ctx, threads, timeout=90):
    ctx.stop.set()
    for t in threads:
        t.join(timeout)
    return [t.name for t in threads if t.is_alive()]


def setup_products(port, products, journal, with_table=True):
    """Register each product (and its table `t`), journaling the acknowledgements."""
    ctx = Ctx(port, products, journal=journal, tag="setup")
    w = Worker(ctx, 0)
    for name in products:
        a = w.register(name)
        if a.status != 201:
            raise RuntimeError(f"could not register {name}: {a.status} {a.problem()}")
        if with_table:
            a = w.put_table(name)
            if a is None or a.status != 201:
                raise RuntimeError(f"could not create {name}:{TABLE}: {a and a.status}")
    w.client.close()
