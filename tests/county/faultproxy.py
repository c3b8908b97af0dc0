"""A fault-injecting HTTP proxy for tests, placed between desks and the county server.

Standard library only (``http.server`` + ``http.client``). Each request is forwarded to the
upstream server on a fresh connection, unless the fault drawn for it says otherwise::

    with FaultProxy(county_url, seed=7, faults={"drop_response": 0.2, "delay": 0.1}) as proxy:
        run_desk_against(proxy.url)
        proxy.set_faults({})          # heal the network
        run_desk_against(proxy.url)
    assert proxy.faults_seen()["drop_response"] > 0

Faults (probabilities per request; whatever is left over passes through):

``drop_request``   close the client connection without forwarding
``drop_response``  forward (the server commits), then close without answering
``truncate``       forward, answer the status, headers and half the body, then close
``duplicate``      forward the request twice and answer the second response
``delay``          sleep up to ``max_delay`` seconds, then forward
``reset``          close the client connection with a TCP RST (SO_LINGER 0), no forwarding
``status_502``     answer 502 Bad Gateway without forwarding
``status_503``     answer 503 Service Unavailable without forwarding
``reorder``        hold the request ``max_delay``..``2*max_delay`` seconds before forwarding,
                   so that requests arriving later from other threads overtake it.
Every fault is bounded in time; the upstream call times out after ``UPSTREAM_TIMEOUT``.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import socket
import struct
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

FAULTS = ("drop_request", "drop_response", "truncate", "duplicate", "delay", "reset",
          "status_502", "status_503", "reorder")
UPSTREAM_TIMEOUT = 10.0
IDLE_TIMEOUT = 30.0  # an idle keep-alive client connection is closed after this long.

# Connection-level headers that a proxy must not pass on (RFC 9110 section 7.6.1).
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "transfer-encoding", "upgrade",
})
_REASONS = {502: "Bad Gateway", 503: "Service Unavailable"}


def _check_faults(faults: dict[str, float] | None) -> dict[str, float]:
    faults = dict(faults or {})
    unknown = set(faults) - set(FAULTS)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {', '.join(FAULTS)}")
    if any(p < 0 for p in faults.values()) or sum(faults.values()) > 1.0 + 1e-9:
        raise ValueError(f"fault probabilities must be >= 0 and sum to at most 1: {faults}")
    return faults


class FaultProxy:
    """A threaded HTTP/1.1 proxy on a free 127.0.0.1 port that forwards to ``upstream``.

    Use it as a context manager (or call ``start()``/``close()``). ``log`` is a list of
    ``(method, path, fault)`` per request in the order the faults were drawn; ``path``
    excludes the query string and ``fault`` is None for a request passed through untouched.
    The draws come from ``random.Random(seed)``, two per request, so a given seed and
    request order always give the same faults.
    """

    def __init__(self, upstream: str, *, seed: int, faults: dict[str, float] | None = None,
                 max_delay: float = 0.3) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http(s) URL, not {upstream!r}")
        self._scheme, self._host = parts.scheme, parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._prefix = parts.path.rstrip("/")
        self.max_delay = max_delay
        self.log: list[tuple[str, str, str | None]] = []
        self._faults = _check_faults(faults)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the proxy is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def set_faults(self, faults: dict[str, float] | None) -> None:
        """Replace the fault probabilities from now on (``{}`` heals the network)."""
        checked = _check_faults(faults)
        with self._lock:
            self._faults = checked

    def faults_seen(self) -> Counter[str]:
        """How many times each fault has been applied so far."""
        with self._lock:
            return Counter(fault for _, _, fault in self.log if fault is not None)

    def start(self) -> Self:
        """Bind a free port and serve in a background thread (``__enter__`` calls this)."""
        if self._server is not None:
            raise RuntimeError("the proxy is already running")
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="faultproxy", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop accepting, disconnect clients and wait for every handler thread to end."""
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is None or thread is None:
            return
        server.shutdown()
        thread.join()
        server.disconnect_all()
        server.server_close()  # joins the handler threads (block_on_close)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _draw(self, method: str, path: str) -> tuple[str | None, float]:
        """Pick the fault for one request (None: pass through) and a fraction in [0, 1)."""
        with self._lock:
            roll, fraction = self._rng.random(), self._rng.random()
            chosen, total = None, 0.0
            for name in FAULTS:
                total += self._faults.get(name, 0.0)
                if roll < total:
                    chosen = name
                    break
            self.log.append((method, path, chosen))
        return chosen, fraction

    def _forward(self, method: str, target: str, headers: list[tuple[str, str]],
                 body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send one request upstream on a fresh connection; return its whole response."""
        cls = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=UPSTREAM_TIMEOUT)
        try:
            conn.putrequest(method, self._prefix + target, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(body or None)
            resp = conn.getresponse()
            return resp.status, resp.reason, resp.getheaders(), resp.read()
        finally:
            conn.close()


class _Server(ThreadingHTTPServer):
    """Non-daemon handler threads (joined on close) and a record of open client sockets."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def disconnect_all(self) -> None:
        """Wake every handler waiting on its client (e.g. an idle keep-alive connection)."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # a client going away is no error
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        """Read the request, draw its fault and act on it."""
        proxy = self.server.proxy
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "bad request body")
            return
        target = self.path
        if "://" in target:  # absolute-form request target: keep the path and query
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        fault, fraction = proxy._draw(self.command, target.partition("?")[0])
        if fault in ("drop_request", "reset"):
            self.close_connection = True
            if fault == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.rfile.close()  # drop the file's reference so the close below is real
                self.connection.close()
            return
        if fault in ("status_502", "status_503"):
            self._answer_canned(int(fault[-3:]), "injected fault")
            return
        if fault == "delay":
            time.sleep(fraction * proxy.max_delay)
        elif fault == "reorder":
            time.sleep((1.0 + fraction) * proxy.max_delay)
        headers = self._upstream_headers(body)
        try:
            response = proxy._forward(self.command, target, headers, body)
            if fault == "duplicate":
                response = proxy._forward(self.command, target, headers, body)
        except (OSError, http.client.HTTPException) as err:
            self._answer_canned(502, f"upstream error: {type(err).__name__}")
            return
        if fault == "drop_response":
            self.close_connection = True
            return
        raw_head, payload = self._encode_response(*response)
        if fault == "truncate":
            self.close_connection = True
            self.wfile.write(raw_head + payload[: len(payload) // 2] if payload
                             else raw_head[: len(raw_head) // 2])
            return
        self.wfile.write(raw_head + payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    def _read_body(self) -> bytes:
        """The request body: Content-Length or chunked (raises ValueError if malformed)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(1024).split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)  # CRLF after the chunk
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError(length)
        return self.rfile.read(length)

    def _upstream_headers(self, body: bytes) -> list[tuple[str, str]]:
        """The client's headers minus hop-by-hop ones, Host (http.client sets the upstream's)
        and Content-Length, which is set again for the body as read (and de-chunked)."""
        headers = [(k, v) for k, v in self.headers.items()
                   if k.lower() not in _HOP_BY_HOP | {"host", "content-length"}]
        if body or "Content-Length" in self.headers:
            headers.append(("Content-Length", str(len(body))))
        return headers

    def _encode_response(self, status: int, reason: str, headers: list[tuple[str, str]],
                         body: bytes) -> tuple[bytes, bytes]:
        """Status line and headers (hop-by-hop ones replaced), and the body to send."""
        bodiless = self.command == "HEAD" or status in (204, 304) or status < 200
        out = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP
               and (bodiless or k.lower() != "content-length")]
        if not bodiless:
            out.append(("Content-Length", str(len(body))))
        if self.close_connection:
            out.append(("Connection", "close"))
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in out]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), b"" if bodiless else body

    def _answer_canned(self, status: int, detail: str) -> None:
        title = f"{status} {_REASONS[status]}"
        body = f"<html><body><h1>{title}</h1><p>{detail}</p></body></html>\n".encode()
        headers = [("Content-Type", "text/html; charset=utf-8")]
        raw_head, payload = self._encode_response(status, _REASONS[status], headers, body)
        self.wfile.write(raw_head + payload)
