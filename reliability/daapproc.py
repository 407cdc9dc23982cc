"""Starting, stopping and killing the daap under test, and sampling its memory.

daap talks to the scenario's private cluster (DATABASE_URL), without authentication (not the
subject here) and without rate limits (the load would otherwise be throttled, not tested).
"""
import os
import signal
import subprocess
import time

from client import Client
from pgcluster import free_port


class Daap:
    def __init__(self, binary, database_url, workdir, acquire_timeout_ms=2000,
                 max_connections=16, extra_env=None):
        self.binary = binary
        self.port = free_port()
        self.workdir = workdir
        self.log = os.path.join(workdir, "daap.log")
        self.acquire_timeout_ms = acquire_timeout_ms
        self.max_connections = max_connections
        self.env = dict(os.environ)
        self.env.update({
            "DATABASE_URL": database_url,
            "DAAP_INSECURE_DISABLE_AUTH": "true",
            "DAAP_BIND": f"127.0.0.1:{self.port}",
            "DAAP_DATA_DIR": os.path.join(workdir, "daap-data"),
            "DAAP_RATE_LIMIT": "off",
            "DAAP_DB_MAX_CONNECTIONS": str(max_connections),
            "DAAP_DB_ACQUIRE_TIMEOUT_MS": str(acquire_timeout_ms),
            "RUST_LOG": "warn",
        })
        self.env.update(extra_env or {})
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def start(self, ready_timeout=60):
        logf = open(self.log, "ab")
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=logf,
                                     stderr=subprocess.STDOUT, cwd=self.workdir)
        logf.close()
        client = Client("127.0.0.1", self.port, timeout=5)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daap exited with {self.proc.returncode}; see {self.log}")
            if client.request("GET", "/health/ready").status == 200:
                client.close()
                return time.monotonic()
            time.sleep(0.05)
        raise RuntimeError(f"daap not ready after {ready_timeout}s; see {self.log}")

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()

    def rss_kib(self):
        """VmRSS of the daap process in KiB (None once it is gone)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def threads(self):
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def log_errors(self, limit=12):
        """Distinct ERROR/WARN lines of daap's log (timestamps and ids stripped), with counts:
        what daap itself said about the 500s and 503s the clients saw."""
        import re
        seen = {}
        try:
            with open(self.log, "rb") as f:
                for raw in f:
                    line = re.sub(r"\x1b\[[0-9;]*m", "", raw.decode("utf-8", "replace")).strip()
                    if " ERROR " not in line and " WARN " not in line:
                        continue
                    key = re.sub(r"^\S+\s+", "", line)  # the timestamp
                    key = re.sub(r"(error[._]?[iI]d|request_id)[=:]\s*\S+", r"\1=…", key)
                    key = re.sub(r"\b\d{2,}\b", "N", key)[:400]
                    seen[key] = seen.get(key, 0) + 1
        except OSError:
            return {}
        return dict(sorted(seen.items(), key=lambda kv: -kv[1])[:limit])

    def log_tail(self, lines=20):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace").splitlines()[-lines:]
        except OSError:
            return []
