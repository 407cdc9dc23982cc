#!/usr/bin/env python3
"""Check that bench/seed.sql writes what the API writes.

    fidelity.py --base URL --database-url URL --product N --out RESULT.json

Reads seeded product `product_N` through the API, registers a copy `fidelity_check` with the
same metadata and creates the same tables one POST at a time (as the seed pretends happened),
then compares the two products' rows in the database: every version (seq, major, minor, bump,
changes, metadata) and every table revision (first_seq, end_seq, description, columns JSON),
ignoring ids, timestamps and authors. The copy is deleted afterwards. Exits 1 on a difference,
so that a change to what the API writes (a new `changes` format, a new column) fails the
benchmark instead of silently benchmarking different data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from schema_scale import BenchError, Client, Database

COPY = "fidelity_check"
# Registration fields, as the API names them; the response carries them all.
FIELDS = ["description", "domain", "dataProductOwner", "dataProductOwnerDisplayName",
          "dataProductMaintainer", "dataProductMaintainerDisplayName", "email", "status",
          "retentionPeriod", "dpiaRequired", "tags"]


def rows(db: Database, name: str) -> dict:
    """The product's rows as JSON, without what legitimately differs between two products.
    The product and version rows are taken whole (to_jsonb), so a column added by a later
    migration (the head columns of 0005, say) is compared too."""
    product = f"(SELECT id FROM data_products WHERE name = '{name}' AND deleted_at IS NULL)"
    ignored = "'product_id', 'created_at', 'created_by', 'created_by_name'"
    text = db.value(f"""
        SELECT jsonb_build_object(
            'product', (SELECT to_jsonb(p) - ARRAY['id', 'name', 'created_at', 'created_by',
                                                   'updated_at', 'updated_by']
                        FROM data_products p WHERE id = {product}),
            'versions', (SELECT jsonb_agg(to_jsonb(v) - ARRAY[{ignored}] ORDER BY seq)
                         FROM data_product_versions v WHERE product_id = {product}),
            'revisions', (SELECT jsonb_agg(to_jsonb(r) - 'product_id' ORDER BY table_name, first_seq)
                          FROM table_revisions r WHERE product_id = {product}))""")
    return json.loads(text)


def differences(a: object, b: object, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += differences(a.get(key), b.get(key), f"{where}/{key}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}/{i}")]
    return [] if a == b else [f"{where}: seed {json.dumps(a)[:200]} vs API {json.dumps(b)[:200]}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--product", type=int, default=7)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    seeded = f"product_{args.product:06d}"
    client, db = Client(args.base), Database(args.database_url)
    result: dict = {"seeded": f"dp:{seeded}", "copy": f"dp:{COPY}"}
    try:
        product, _, _ = client.expect("GET", f"/v1/data-products/dp:{seeded}:v1.0")
        body = {"name": COPY, **{k: product[k] for k in FIELDS if k in product}}
        client.expect("POST", "/v1/data-products", body, status=201)
        latest, _, _ = client.expect("GET", f"/v1/data-products/dp:{seeded}")
        for table in latest["schemas"]:  # name order, the seed's creation order
            schema, _, _ = client.expect("GET", f"/v1/schemas/dp:{seeded}:{table['name']}")
            # The seeded table descriptions name the seeded product's number: keep them as is.
            copy = {"tableDescription": schema["tableDescription"], "columns": schema["columns"]}
            client.expect("POST", f"/v1/schemas/dp:{COPY}:{table['name']}", copy, status=201)
        a, b = rows(db, seeded), rows(db, COPY)
        # The seeded descriptions mention the product's number, which the copy keeps: only the
        # name differs, and it is not in these rows.
        result["versions"] = len(a["versions"] or [])
        result["revisions"] = len(a["revisions"] or [])
        result["differences"] = differences(a, b)
    except (BenchError, OSError, KeyError, ValueError) as error:
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        try:
            client.request("DELETE", f"/v1/data-products/dp:{COPY}")
        except OSError:
            pass
        client.close()
    result["ok"] = not result.get("error") and not result.get("differences")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    if not result["ok"]:
        print(f"fidelity: the seed does not write what the API writes: "
              f"{result.get('error') or result['differences'][:5]}", file=sys.stderr)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
