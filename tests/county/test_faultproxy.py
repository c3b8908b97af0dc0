"""The fault-injecting proxy itself, against a tiny echoing upstream server."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.county.faultproxy import FaultProxy

COUNTY_TIME = "2024-05-06T07:08:09Z"


class _EchoHandler(BaseHTTPRequestHandler):
    """Echoes the request as JSON; ``?status=NNN`` picks the status. Counts POSTs."""

    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Upstream

    def log_message(self, format, *args):
        pass

    def _echo(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = self.server
        with upstream.lock:
            upstream.arrivals.append(self.path)
            if self.command == "POST":
                upstream.posts += 1
            posts = upstream.posts
        query = parse_qs(urlsplit(self.path).query)
        payload = json.dumps({
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "body": body.decode(),
            "posts": posts,
        }).encode()
        self.send_response(int(query.get("status", ["200"])[0]))
        self.send_header("Content-Type", "application/json")
        self.send_header("X-County-Time", COUNTY_TIME)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _echo


class _Upstream(ThreadingHTTPServer):
    daemon_threads = False

    def __init__(self):
        self.lock = threading.Lock()
        self.posts = 0
        self.arrivals: list[str] = []
        super().__init__(("127.0.0.1", 0), _EchoHandler)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def upstream():
    server = _Upstream()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def _client(proxy: FaultProxy) -> httpx.Client:
    return httpx.Client(base_url=proxy.url, timeout=5, trust_env=False)


def _post(client: httpx.Client, path: str = "/v1/push") -> httpx.Response:
    return client.post(path, json={"events": [1, 2]}, headers={"Authorization": "Bearer t0k"})


def test_pass_through_preserves_request_and_response(upstream):
    with FaultProxy(upstream.url, seed=1) as proxy, _client(proxy) as client:
        response = client.post("/v1/enroll?status=201&desk=a%20b", json={"code": "x"},
                               headers={"Authorization": "Bearer secret"})
        assert response.status_code == 201
        assert response.headers["X-County-Time"] == COUNTY_TIME
        assert response.headers["Content-Type"] == "application/json"
        echo = response.json()
        assert echo["method"] == "POST"
        assert echo["path"] == "/v1/enroll?status=201&desk=a%20b"
        assert echo["authorization"] == "Bearer secret"
        assert json.loads(echo["body"]) == {"code": "x"}
        pulled = client.get("/v1/pull", params={"since": "5"})  # reuses the connection
        assert pulled.status_code == 200
        assert pulled.json()["path"] == "/v1/pull?since=5"
        assert client.get("/v1/health?status=404").status_code == 404
    assert proxy.log == [("POST", "/v1/enroll", None), ("GET", "/v1/pull", None),
                         ("GET", "/v1/health", None)]
    assert proxy.faults_seen() == {}
    assert upstream.posts == 1


def test_drop_response_reaches_the_server_but_not_the_client(upstream):
    with FaultProxy(upstream.url, seed=1, faults={"drop_response": 1.0}) as proxy, \
            _client(proxy) as client:
        with pytest.raises(httpx.HTTPError):
            _post(client)
        assert upstream.posts == 1  # the server committed
        proxy.set_faults({})
        assert _post(client).json()["posts"] == 2
    assert proxy.faults_seen() == {"drop_response": 1}


def test_drop_request_never_reaches_the_server(upstream):
    with FaultProxy(upstream.url, seed=1, faults={"drop_request": 1.0}) as proxy, \
            _client(proxy) as client, pytest.raises(httpx.HTTPError):
        _post(client)
    assert upstream.posts == 0


def test_duplicate_sends_the_request_twice_and_answers_the_second(upstream):
    with FaultProxy(upstream.url, seed=1, faults={"duplicate": 1.0}) as proxy, \
            _client(proxy) as client:
        response = _post(client)
    assert response.status_code == 200
    assert response.json()["posts"] == 2
    assert upstream.posts == 2


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_truncate_gives_the_client_an_error(upstream, method):
    with FaultProxy(upstream.url, seed=1, faults={"truncate": 1.0}) as proxy, \
            _client(proxy) as client, pytest.raises(httpx.HTTPError):
        client.request(method, "/v1/push", json={"a": 1})
    assert upstream.posts == (1 if method == "POST" else 0)
    assert proxy.faults_seen() == {"truncate": 1}


@pytest.mark.parametrize("status", [502, 503])
def test_error_statuses_are_answered_without_forwarding(upstream, status):
    with FaultProxy(upstream.url, seed=1, faults={f"status_{status}": 1.0}) as proxy, \
            _client(proxy) as client:
        response = _post(client)
        assert response.status_code == status
        assert str(status) in response.text
        assert response.headers["Content-Type"].startswith("text/html")
        assert _post(client).status_code == status  # the connection stays usable
    assert upstream.posts == 0


def test_reset_gives_the_client_an_error(upstream):
    with FaultProxy(upstream.url, seed=1, faults={"reset": 1.0}) as proxy, \
            _client(proxy) as client:
        with pytest.raises(httpx.HTTPError):
            _post(client)
        with pytest.raises(httpx.HTTPError):
            client.get("/v1/pull")
    assert upstream.posts == 0


def test_delay_is_bounded_and_passes_through(upstream):
    with FaultProxy(upstream.url, seed=3, faults={"delay": 1.0}, max_delay=0.2) as proxy, \
            _client(proxy) as client:
        started = time.monotonic()
        for _ in range(5):
            assert _post(client).status_code == 200
        assert time.monotonic() - started < 5 * 0.2 + 2
    assert upstream.posts == 5


def test_reorder_lets_a_later_request_overtake(upstream):
    with FaultProxy(upstream.url, seed=1, faults={"reorder": 1.0}, max_delay=0.5) as proxy:
        results = {}

        def held():
            with _client(proxy) as client:
                results["held"] = client.get("/first").status_code

        thread = threading.Thread(target=held)
        thread.start()
        deadline = time.monotonic() + 5
        while not proxy.log and time.monotonic() < deadline:
            time.sleep(0.01)
        proxy.set_faults({})
        with _client(proxy) as client:
            assert client.get("/second").status_code == 200
        thread.join(5)
    assert results == {"held": 200}
    assert upstream.arrivals == ["/second", "/first"]
    assert [fault for _, _, fault in proxy.log] == ["reorder", None]


def _fault_sequence(upstream, seed: int) -> list[str | None]:
    faults = {"status_502": 0.2, "status_503": 0.2, "drop_request": 0.2, "duplicate": 0.1}
    with FaultProxy(upstream.url, seed=seed, faults=faults) as proxy, _client(proxy) as client:
        for _ in range(30):
            try:
                client.get("/v1/pull")
            except httpx.HTTPError:
                pass
    sequence = [fault for _, _, fault in proxy.log]
    assert len(sequence) == 30
    assert proxy.faults_seen() == {f: sequence.count(f) for f in set(sequence) - {None}}
    return sequence


def test_same_seed_gives_the_same_fault_sequence(upstream):
    first = _fault_sequence(upstream, seed=42)
    assert _fault_sequence(upstream, seed=42) == first
    assert _fault_sequence(upstream, seed=43) != first
    assert len(set(first)) >= 3


def test_set_faults_heals_the_network(upstream):
    every_fault = {"drop_request": 0.25, "reset": 0.25, "status_502": 0.25, "status_503": 0.25}
    with FaultProxy(upstream.url, seed=5, faults=every_fault) as proxy, _client(proxy) as client:
        for _ in range(5):
            try:
                assert _post(client).status_code >= 500
            except httpx.HTTPError:
                pass
        proxy.set_faults({})
        for _ in range(5):
            assert _post(client).status_code == 200
    assert upstream.posts == 5
    assert sum(proxy.faults_seen().values()) == 5
    assert [fault for _, _, fault in proxy.log[5:]] == [None] * 5


def test_bad_fault_settings_are_refused(upstream):
    with pytest.raises(ValueError):
        FaultProxy(upstream.url, seed=1, faults={"gremlins": 0.1})
    with pytest.raises(ValueError):
        FaultProxy(upstream.url, seed=1, faults={"delay": 0.7, "reset": 0.7})


def test_close_leaves_no_thread_even_with_an_idle_client_connection(upstream):
    before = set(threading.enumerate())
    with httpx.Client(timeout=5, trust_env=False) as client:
        proxy = FaultProxy(upstream.url, seed=1).start()
        url = proxy.url
        assert client.get(url + "/v1/health").status_code == 200  # kept alive in the pool
        started = time.monotonic()
        proxy.close()
        assert time.monotonic() - started < 2
        assert set(threading.enumerate()) <= before
        with pytest.raises(httpx.HTTPError):
            client.get(url + "/v1/health")
