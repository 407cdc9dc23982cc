"""What every scenario shares: progress lines, the result record, a fresh cluster + daap."""
import os
import shutil
import sys
import tempfile
import time

from daapproc import Daap
from pgcluster import Cluster

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


class Result:
    """One scenario's verdict: named checks (each pass/fail with a detail) and figures."""

    def __init__(self, name, title):
        self.name, self.title = name, title
        self.checks = []
        self.figures = {}
        self.notes = []

    def check(self, name, ok, detail=""):
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})
        log(f"  {'PASS' if ok else 'FAIL'} {name}{': ' + str(detail) if detail else ''}")
        return ok

    def note(self, text):
        self.notes.append(text)
        log(f"  note: {text}")

    @property
    def ok(self):
        return bool(self.checks) and all(c["ok"] for c in self.checks)

    def to_dict(self):
        return {"scenario": self.name, "title": self.title,
                "verdict": "PASS" if self.ok else "FAIL", "checks": self.checks,
                "figures": self.figures, "notes": self.notes}


class Stage:
    """A temp dir with a private cluster and a daap on it; cleaned up on exit."""

    def __init__(self, env, name, daap_opts=None, pg_conf=None, data_mount=None):
        self.env = env
        self.root = tempfile.mkdtemp(prefix=f"daap-rel-{name}-")
        os.chmod(self.root, 0o755)
        self.cluster = Cluster(self.root, extra_conf=pg_conf)
        self.data_mount = data_mount  # callable(path) that mounts the data dir, or None
        self.daap_opts = daap_opts or {}
        self.daap = None

    def __enter__(self):
        if self.data_mount:
            os.makedirs(self.cluster.data, exist_ok=True)
            self.data_mount(self.cluster.data)
        self.cluster.init()
        self.cluster.start()
        self.daap = Daap(self.env["daap_bin"], self.cluster.url, self.root, **self.daap_opts)
        self.daap.start()
        log(f"  cluster on port {self.cluster.port} ({self.root}), daap on {self.daap.port} "
            f"pid {self.daap.pid}")
        return self

    def __exit__(self, *exc):
        if self.daap:
            self.daap.stop()
        self.cluster.destroy()
        if self.env.get("keep"):
            log(f"  kept {self.root}")
            return False
        if self.data_mount:
            os.system(f"umount {self.cluster.data} 2>/dev/null")
        shutil.rmtree(self.root, ignore_errors=True)
        return False


def fail_on_exception(result, fn):
    try:
        fn()
    except Exception as exc:  # a scenario that crashes is a FAIL with its reason, not a hang
        import traceback
        traceback.print_exc(file=sys.stdout)
        result.check("scenario ran to completion", False, f"{type(exc).__name__}: {exc}")
