"""Outcome counting: every answer's status and latency, with examples of the odd ones.

Samples are kept (start time, op, status, latency, headers that matter) so that scenarios can
cut them into windows: before, during and after a fault.
"""
import threading

EXAMPLES_PER_STATUS = 8


def percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q / 100.0 * (len(values) - 1)))))
    return values[k]


class Sample:
    __slots__ = ("started", "op", "status", "latency", "retry_after", "problem_json")

    def __init__(self, op, answer):
        self.started = answer.started
        self.op = op
        self.status = answer.status
        self.latency = answer.latency
        self.retry_after = answer.header("retry-after")
        ctype = answer.header("content-type") or ""
        self.problem_json = ctype.startswith("application/problem+json")


class Stats:
    def __init__(self):
        self._lock = threading.Lock()
        self.samples = []
        self.examples = {}  # status -> [ {op, path, problem} ]
        self.distinct = {}  # "status title: detail" -> count, for every answer but 2xx/412

    def record(self, op, answer, path=""):
        sample = Sample(op, answer)
        with self._lock:
            self.samples.append(sample)
            if answer.status not in (200, 201, 204, 304, 412):
                p = answer.problem()
                key = (f"{answer.status} {p.get('title', '')}: "
                       f"{p.get('detail', p.get('raw', '')) or answer.error or ''}")[:300]
                self.distinct[key] = self.distinct.get(key, 0) + 1
                ex = self.examples.setdefault(answer.status, [])
                if len(ex) < EXAMPLES_PER_STATUS:
                    ex.append({"op": op, "path": path, "latencyMs": round(answer.latency * 1000),
                               "retryAfter": sample.retry_after, "problem": answer.problem()})
        return sample

    def window(self, t0=None, t1=None):
        with self._lock:
            return [s for s in self.samples
                    if (t0 is None or s.started >= t0) and (t1 is None or s.started < t1)]


def summarize(samples, duration=None):
    """Counts per status and per op, latency percentiles (ms), request rate."""
    by_status, by_op = {}, {}
    for s in samples:
        by_status[str(s.status)] = by_status.get(str(s.status), 0) + 1
        op = by_op.setdefault(s.op, {})
        op[str(s.status)] = op.get(str(s.status), 0) + 1
    lat = [s.latency * 1000 for s in samples]
    out = {"requests": len(samples), "byStatus": by_status, "byOp": by_op,
           "latencyMs": {"p50": _r(percentile(lat, 50)), "p90": _r(percentile(lat, 90)),
                         "p99": _r(percentile(lat, 99)), "max": _r(max(lat) if lat else None)}}
    if duration:
        out["ratePerSec"] = round(len(samples) / duration, 1)
    return out


def _r(x):
    return None if x is None else round(x, 1)
