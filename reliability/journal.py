"""The client-side journal: every write daap acknowledged (2xx), with the version it said
it made, so that afterwards we can prove each acknowledged write is in the database.

An ETag is `"<product id>.<major>.<minor>"` (tables: `...:<table>"`): the internal product
id tells a product from an earlier, deleted one of the same name (src/http/preconditions.rs).
"""
import threading


def parse_etag(etag):
    """`"12.3.4"` or `"12.3.4:t"` -> (12, 3, 4); None when it is not one of ours."""
    if not etag:
        return None
    tag = etag.strip().strip('"').split(":", 1)[0]
    parts = tag.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def table_etag(product_etag, table):
    """The tag of a table read in the product version `product_etag` names."""
    return product_etag[:-1] + ":" + table + '"'


class Journal:
    """Thread-safe list of acknowledged writes.

    kind: `register` | `meta` | `table` | `delete`; token: the unique text the write put in
    the description (register/meta) or the table description (table)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.entries = []

    def ack(self, product, etag, version, kind, token, table=None):
        parsed = parse_etag(etag)
        entry = {"product": product, "etag": etag, "version": version, "kind": kind,
                 "token": token, "table": table,
                 "pid": parsed[0] if parsed else None,
                 "major": parsed[1] if parsed else None,
                 "minor": parsed[2] if parsed else None}
        with self._lock:
            self.entries.append(entry)
        return entry

    def writes(self):
        """Acknowledged writes that made a version (not deletes)."""
        with self._lock:
            return [e for e in self.entries if e["kind"] != "delete"]

    def __len__(self):
        with self._lock:
            return len(self.entries)
