#!/usr/bin/env python3
"""Summarise a `perf record --call-graph dwarf` profile of the daap server.

    perf script -i perf.data --no-inline -F tid,period,ip,sym,dso | profile.py summarise NAME

Prints JSON: where the server's CPU time went, by library (self time: the function on CPU),
the top functions by self time, and which of daap's own functions the time was spent under:
the innermost daap frame of each sample (so a sample in serde_json called from
`product_response` counts for `product_response`) and the share of samples in which each daap
function is on the stack at all (inclusive time).

Only samples of the daap process are recorded (perf record -p), so PostgreSQL's and wrk's CPU
time are not in it.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

# Crate (first path segment of a symbol) -> the group it is reported under.
GROUPS = {
    "daap": "daap (our code)",
    "tokio": "tokio", "mio": "tokio",
    "hyper": "hyper/http", "hyper_util": "hyper/http", "http": "hyper/http",
    "httparse": "hyper/http", "http_body": "hyper/http", "http_body_util": "hyper/http",
    "bytes": "hyper/http",
    "axum": "axum/tower", "axum_core": "axum/tower", "tower": "axum/tower",
    "tower_http": "axum/tower", "tower_service": "axum/tower", "tower_layer": "axum/tower",
    "futures_util": "axum/tower", "futures_core": "axum/tower", "matchit": "axum/tower",
    "utoipa_axum": "axum/tower",
    "sqlx": "sqlx", "sqlx_core": "sqlx", "sqlx_postgres": "sqlx",
    "serde": "serde", "serde_core": "serde", "serde_json": "serde", "itoa": "serde",
    "ryu": "serde", "serde_urlencoded": "serde", "serde_path_to_error": "serde",
    "tracing": "tracing", "tracing_core": "tracing", "tracing_subscriber": "tracing",
    "core": "Rust std", "alloc": "Rust std", "std": "Rust std", "hashbrown": "Rust std",
    "__rustc": "Rust std", "time": "time", "sha2": "sha2", "crossbeam_queue": "sqlx", "event_listener": "sqlx",
}

SAMPLE_HEADER = re.compile(r"^\s*(\d+)\s+(\d+)\s*$")
FRAME = re.compile(r"^\s*([0-9a-f]+)\s+(.*?)\s+\((.*)\)\s*$")


PRIMITIVE = re.compile(r"^([A-Z]|[iu](8|16|32|64|128|size)|f32|f64|bool|str|char|\[|\(|&|\*|dyn )")


def split_qualified(symbol: str) -> tuple[str, str] | None:
    """`<X as Trait>::f` -> (X, Trait); None for other symbols."""
    if not symbol.startswith("<"):
        return None
    depth = 0
    for i, ch in enumerate(symbol):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                inner = symbol[1:i]
                break
        elif depth == 1 and symbol.startswith(" as ", i):
            rest = symbol[i + 4:]
            end, d = 0, 1
            for j, c in enumerate(rest):
                d += (c == "<") - (c == ">")
                if d == 0:
                    end = j
                    break
            return symbol[1:i], rest[:end]
    else:
        return None
    return (inner, "") if inner else None


def crate_of(symbol: str) -> str:
    """The crate a symbol belongs to: the type's crate for `<T as Trait>::f` (the trait's when
    T is a type parameter or a primitive) and for `drop_in_place<T>`, otherwise the first path
    segment."""
    s = symbol
    drop = re.match(r"^core::ptr::drop_in_place<(.*)>$", s)
    if drop:
        s = drop.group(1)
    qualified = split_qualified(s)
    if qualified:
        ty, trait = qualified
        s = trait if PRIMITIVE.match(ty) and trait else ty
    s = s.lstrip("<&*( ").removeprefix("mut ").removeprefix("dyn ")
    if PRIMITIVE.match(s):
        return "core"
    return re.split(r"::|<|>| |;", s, maxsplit=1)[0]


def group_of(symbol: str, dso: str) -> str:
    if "kernel" in dso or dso.startswith("[k") or dso == "[vdso]":
        return "kernel"
    if "libc.so" in dso or "libm.so" in dso or "ld-linux" in dso:
        return "libc (malloc, memcpy, syscalls)"
    if symbol.startswith("ring_core_") or crate_of(symbol) in ("rustls", "ring"):
        return "rustls/ring (TLS to PostgreSQL)"
    if symbol in ("[unknown]", ""):
        return "unknown"
    return GROUPS.get(crate_of(symbol), crate_of(symbol))


def daap_function(symbol: str) -> str | None:
    """`daap::store::products::find_current` for its frames (async bodies are `{{closure}}`s);
    None for frames of other crates, including generic library code instantiated for daap's
    types (`<F as axum::handler::Handler<...>>` is axum's)."""
    if symbol.startswith("<F as axum::handler::Handler<"):
        # Our request handler's async body, inlined into axum's Handler::call: its own calls
        # (pool acquire, BEGIN, the store functions when they are inlined too) land here.
        return "request handler (inlined into axum Handler::call)"
    if not symbol.startswith(("daap::", "<daap::")):
        return None
    name = re.sub(r"(::)?\{\{closure\}\}", "", symbol)
    name = re.sub(r"::\{\{.*?\}\}", "", name)
    return name


def strip_generics(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def short(symbol: str) -> str:
    """A symbol without generic arguments and closure markers, for reading:
    `<tracing::instrument::Instrumented<T> as core::future::future::Future>::poll` becomes
    `tracing::instrument::Instrumented as Future::poll`."""
    drop = re.match(r"^core::ptr::drop_in_place<(.*)>$", symbol)
    if drop:
        return f"drop_in_place<{short(drop.group(1))}>"
    qualified = split_qualified(symbol)
    if qualified and qualified[1]:
        ty, trait = qualified
        rest = symbol[len(ty) + len(trait) + 6:]  # after "<ty as trait>"
        text = f"{strip_generics(ty)} as {strip_generics(trait).split('::')[-1]}{strip_generics(rest)}"
    else:
        text = strip_generics(symbol)
    return text.replace("::{{closure}}", "").replace("::::", "::").strip(": ") or symbol[:80]


def read_samples(lines) -> list[list[tuple[str, str]]]:
    samples, frames = [], None
    for line in lines:
        if SAMPLE_HEADER.match(line):
            if frames:
                samples.append(frames)
            frames = []
            continue
        m = FRAME.match(line)
        if m and frames is not None:
            frames.append((m.group(2).split("+0x")[0], m.group(3)))
    if frames:
        samples.append(frames)
    return samples


# What a sample with no daap frame was doing, by the first of these found on its stack.
OUTSIDE = (  # innermost first: middleware runs inside hyper's connection task
    ("return_to_pool", "sqlx: returning a connection to the pool (its ping to PostgreSQL)"),
    ("sqlx", "sqlx: other connection work"),
    ("axum::middleware", "routing and middleware around the handlers"),
    ("tower_http", "routing and middleware around the handlers"),
    ("axum::routing", "routing and middleware around the handlers"),
    ("hyper::proto", "hyper: reading, parsing and writing HTTP"),
    ("axum::serve", "axum: accepting connections"),
    ("tokio::runtime", "tokio: scheduling, waking and parking threads"),
)


def outside_kind(frames: list[tuple[str, str]]) -> str:
    for needle, label in OUTSIDE:
        if any(needle in symbol for symbol, _ in frames):
            return label
    return "other"


def summarise(samples: list[list[tuple[str, str]]], top: int = 15) -> dict:
    n = len(samples)
    pct = lambda count: round(100 * count / n, 1) if n else 0.0  # noqa: E731
    groups, self_symbols, innermost, inclusive = Counter(), Counter(), Counter(), Counter()
    callees, outside_kinds = Counter(), Counter()
    outside = 0
    for frames in samples:
        symbol, dso = frames[0]
        group = group_of(symbol, dso)
        groups[group] += 1
        self_symbols[(symbol, group)] += 1
        ours = [f for f in (daap_function(s) for s, _ in frames) if f]
        if ours:
            innermost[ours[0]] += 1
            # What our innermost function was calling: the frame just below it (towards the
            # leaf), e.g. sqlx's fetch_optional or serde_json's to_writer; async store functions
            # are often inlined into the handler, and this still says which library call costs.
            depth = next(i for i, (sym, _) in enumerate(frames) if daap_function(sym))
            callee = short(frames[depth - 1][0]) if depth > 0 else "(self)"
            callees[(ours[0], callee)] += 1
            for f in set(ours):
                inclusive[f] += 1
        else:
            outside += 1
            outside_kinds[outside_kind(frames)] += 1
    return {
        "samples": n,
        "self_by_group_percent": {g: pct(c) for g, c in groups.most_common()},
        "top_self": [{"symbol": s, "group": g, "percent": pct(c)}
                     for (s, g), c in self_symbols.most_common(top)],
        # Samples with no daap frame on the stack: the runtime, hyper's connection handling,
        # the middleware around the handler.
        "outside_daap_frames_percent": pct(outside),
        "outside_daap_frames_by_kind_percent": {k: pct(c) for k, c in outside_kinds.most_common()},
        "innermost_daap_frame": [{"function": f, "percent": pct(c)}
                                 for f, c in innermost.most_common(top)],
        "innermost_daap_frame_callee": [{"function": f, "calling": c, "percent": pct(n)}
                                        for (f, c), n in callees.most_common(top)],
        "daap_inclusive": [{"function": f, "percent": pct(c)}
                           for f, c in inclusive.most_common(top)],
    }


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] != "summarise":
        print(__doc__, file=sys.stderr)
        return 2
    result = summarise(read_samples(sys.stdin))
    result["scenario"] = sys.argv[2]
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
