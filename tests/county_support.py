"""A throwaway PostgreSQL cluster, a fresh database per test, and a real county server
process over it (fixtures, imported into ``conftest``).

The clusters live under ``tempfile.mkdtemp`` (in /tmp) rather than pytest's tmp_path: as
root, PostgreSQL runs as an unprivileged user that /tmp/pytest-of-root (0700) keeps out.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx
import pytest

from windowdesk.county.pgcluster import Cluster, ClusterError, find_pg_bin, throwaway_dir


def cluster_base_dir():
    """A temporary directory that PostgreSQL's user can pass through; removed afterwards,
    with any server a failed test left running in it stopped first."""
    return throwaway_dir("windowdesk-pg-")


@pytest.fixture
def pg_base_dir():
    """A temporary directory to create a cluster of one's own in (see cluster_base_dir)."""
    with cluster_base_dir() as base:
        yield base


@pytest.fixture(scope="session")
def pg_cluster():
    try:
        find_pg_bin()
    except ClusterError as err:
        pytest.fail(f"{err}\nThe test command (bash scripts/test.sh) installs PostgreSQL.", pytrace=False)
    with cluster_base_dir() as base, Cluster.create(base / "data", fast=True) as cluster:
        yield cluster


@pytest.fixture
def pg_url(pg_cluster):
    name = f"test_{uuid.uuid4().hex[:16]}"
    pg_cluster.create_database(name)
    yield pg_cluster.url(name)
    pg_cluster.drop_database(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerOutput:
    """Reads a server process's stdout (a pipe) in a thread of its own, to its end."""

    def __init__(self, stream):
        self._stream = stream
        self._chunks: list[bytes] = []
        self._thread = threading.Thread(target=self._read, name="county-output", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := self._stream.read1(65536):
                self._chunks.append(chunk)
        except (OSError, ValueError):  # closed under us when the server is stopped
            pass

    @property
    def reading(self) -> bool:
        return self._thread.is_alive()

    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")

    def join(self, timeout: float = 10) -> None:
        self._thread.join(timeout)


@dataclass
class County:
    """A county server process on 127.0.0.1 over its own database, with the demo county."""

    url: str
    database: str
    process: subprocess.Popen
    output: ServerOutput | None = None  # drained as it comes, so the server never blocks on its log

    def code(self, kind: str = "window", township: str = "QS") -> str:
        """A fresh enrollment code, as the county administrator would issue it."""
        from sqlalchemy.orm import Session

        from windowdesk.county.db import open_county
        from windowdesk.county.enrollment import issue_enroll_code

        engine = open_county(self.database)
        try:
            with Session(engine) as session, session.begin():
                return issue_enroll_code(session, township=township, kind=kind, now=datetime.now(timezone.utc))
        finally:
            engine.dispose()


def start_county(database: str, *extra: str, port: int | None = None) -> County:
    port = port or free_port()
    url = f"{'https' if '--cert' in extra else 'http'}://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "windowdesk.cli", "county", "serve", "--database", database,
         "--listen", f"127.0.0.1:{port}", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    output = ServerOutput(proc.stdout)
    for _ in range(200):
        try:
            if httpx.get(url + "/v1/health", timeout=1, verify=False).status_code == 200:
                return County(url, database, proc, output)
        except httpx.HTTPError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    proc.wait()
    output.join()
    proc.stdout.close()
    pytest.fail("the county server did not start:\n" + output.text())


def stop_county(county: County) -> None:
    county.process.terminate()
    try:
        county.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        county.process.kill()
        county.process.wait()
    if county.output is not None:
        county.output.join()
    county.process.stdout.close()


@pytest.fixture
def county_server(pg_url):
    """A county server process with the demo county (townships QS and HX, password demo123)."""
    from sqlalchemy.orm import Session

    from windowdesk.county.db import open_county
    from windowdesk.county.demo import build_demo_county

    engine = open_county(pg_url)
    with Session(engine) as session, session.begin():
        build_demo_county(session)
    engine.dispose()
    county = start_county(pg_url)
    yield county
    stop_county(county)
