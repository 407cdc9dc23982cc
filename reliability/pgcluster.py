"""A private, throwaway PostgreSQL 15 cluster for one scenario.

Never the machine's server on 5432: initdb in a temp dir, a free TCP port on 127.0.0.1 and
its socket in the temp dir. As root, every server command runs as `postgres` (PostgreSQL
refuses to run as root). Settings live in postgresql.conf so that `pg_ctl restart` keeps them.
"""
import os
import shutil
import socket
import subprocess
import time

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
AS_ROOT = os.geteuid() == 0


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 5432:
            return port


def _as_postgres(cmd):
    return ["runuser", "-u", "postgres", "--"] + cmd if AS_ROOT else cmd


def _chown(path):
    if AS_ROOT:
        shutil.chown(path, "postgres", "postgres")


class Cluster:
    """root holds the socket and the log; data (maybe a tmpfs mount point) the cluster."""

    def __init__(self, root, extra_conf=None):
        self.root = root
        self.data = os.path.join(root, "data")
        self.log = os.path.join(root, "postgres.log")
        self.port = free_port()
        self.extra_conf = extra_conf or {}

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args, check=True, timeout=120):
        cmd = _as_postgres([f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w", *args])
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout)

    def init(self):
        os.makedirs(self.data, exist_ok=True)
        _chown(self.root)
        _chown(self.data)
        os.chmod(self.data, 0o700)
        open(self.log, "a").close()
        _chown(self.log)
        subprocess.run(_as_postgres([f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"]),
                       check=True, capture_output=True, text=True)
        conf = {"port": self.port, "listen_addresses": "'127.0.0.1'",
                "unix_socket_directories": f"'{self.root}'", "max_connections": 100,
                "shared_buffers": "'64MB'", "logging_collector": "off"}
        conf.update(self.extra_conf)
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("\n# reliability/pgcluster.py\n")
            for key, value in conf.items():
                f.write(f"{key} = {value}\n")

    def start(self):
        return self.pg_ctl("start")

    def stop(self, mode="fast", check=True):
        return self.pg_ctl("stop", "-m", mode, check=check)

    def restart(self, mode="fast"):
        return self.pg_ctl("restart", "-m", mode)

    def running(self):
        return self.pg_ctl("status", check=False).returncode == 0

    def wait_accepting(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = subprocess.run([f"{PG_BIN}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port),
                                "-U", "postgres"], capture_output=True)
            if r.returncode == 0:
                return True
            time.sleep(0.05)
        return False

    def psql(self, sql, check=True):
        """Run SQL, return rows as lists of strings (tab-separated, unaligned)."""
        r = subprocess.run([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "postgres", "-d", "postgres", "-X", "-A", "-t", "-F", "\t",
                            "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True, check=check, timeout=120)
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def session(self):
        """An interactive psql (stdin pipe) for holding locks in an open transaction."""
        return subprocess.Popen([f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(self.port),
                                 "-U", "postgres", "-d", "postgres", "-X", "-q",
                                 "-v", "ON_ERROR_STOP=1"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)

    def destroy(self):
        if self.running():
            self.stop("immediate", check=False)
