"""A small HTTP client for daap: one keep-alive connection per thread (http.client).

Every answer is timed, and a broken connection becomes an answer with status 0 (or -1 for
a client-side timeout) instead of an exception, so load threads never die: the scenarios
count those as outcomes like any other.
"""
import http.client
import json
import socket
import time

CONNECTION_ERROR = 0
CLIENT_TIMEOUT = -1


class Answer:
    """One response (or the failure to get one), with its latency in seconds."""

    __slots__ = ("status", "headers", "body", "latency", "error", "started")

    def __init__(self, status, headers, body, latency, started, error=None):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body
        self.latency = latency
        self.started = started
        self.error = error

    def json(self):
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def etag(self):
        return self.header("etag")

    def problem(self):
        """`{title, detail, type}` of a problem document, or the raw body start."""
        doc = self.json()
        if isinstance(doc, dict):
            return {k: doc.get(k) for k in ("type", "title", "detail", "errorId") if k in doc}
        return {"raw": (self.body or b"")[:200].decode("utf-8", "replace"), "error": self.error}


class Client:
    """Keep-alive HTTP/1.1 to one daap; reconnects after any connection failure."""

    def __init__(self, host, port, timeout=60.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        hdrs = {"Accept": "application/json"}
        if headers:
            hdrs.update(headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        started = time.monotonic()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=data, headers=hdrs)
            resp = self.conn.getresponse()
            payload = resp.read()
            latency = time.monotonic() - started
            answer = Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                            payload, latency, started)
            if resp.will_close:
                self.close()
            return answer
        except socket.timeout as exc:
            self.close()
            return Answer(CLIENT_TIMEOUT, {}, b"", time.monotonic() - started, started,
                          error=f"client timeout: {exc}")
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Answer(CONNECTION_ERROR, {}, b"", time.monotonic() - started, started,
                          error=f"{type(exc).__name__}: {exc}")
