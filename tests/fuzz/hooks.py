"""schemathesis hooks for daap's fuzz run (tests/fuzz/schemathesis.toml names this file).

Exception 4, column names: a table's column names must be unique, which JSON Schema cannot
say (`uniqueItems` compares whole columns, not their names). Generated table bodies with a
repeated name are dropped rather than sent; tests/api/schemas.rs covers the 422 for them.
"""

import re
import uuid

import schemathesis


@schemathesis.hook
def filter_body(context, body):
    operation = context.operation
    if operation is None or operation.path != "/v1/schemas/{id}":
        return True
    columns = body.get("columns") if isinstance(body, dict) else None
    if not isinstance(columns, list):
        return True
    names = [c.get("name") for c in columns if isinstance(c, dict) and isinstance(c.get("name"), str)]
    return len(names) == len(set(names))


# Exception 7, idempotency keys: a key reused with a different body is refused with 422, as the
# IETF draft prescribes, so the fuzzer's habit of drawing the same few keys for different
# registrations would be reported as valid requests refused. Every valid key it draws is
# replaced with a fresh UUID; invalid keys (negative cases) are sent as drawn.
# tests/api/idempotency.rs covers the replay and the 422.
_KEY = re.compile(r'^("[ !#-~]{1,255}"|[!#-~]([ !#-~]{0,253}[!#-~])?)$')


@schemathesis.hook
def map_headers(context, headers):
    if headers:
        for name in list(headers):
            if name.lower() == "idempotency-key" and isinstance(headers[name], str) and _KEY.match(headers[name]):
                headers[name] = str(uuid.uuid4())
    return headers


# Not an exception, a workaround: under CPython 3.11, hypothesis describing one of its own
# strategies (only for display) can hit a CPython bug, "SystemError: AST constructor recursion
# depth mismatch", which aborts the run. A description that cannot be made is shown as
# `lambda: <unknown>`, as hypothesis itself does when it cannot read a lambda's source.
def _describe_robustly():
    from hypothesis.internal import lambda_sources

    describe = lambda_sources._lambda_description

    def robust(f, *args, **kwargs):
        try:
            return describe(f, *args, **kwargs)
        except SystemError:
            return "lambda: <unknown>"

    lambda_sources._lambda_description = robust


_describe_robustly()
