"""A throwaway PostgreSQL cluster for the county tests, and a fresh database per test.

The clusters live under ``tempfile.mkdtemp`` (in /tmp) rather than pytest's tmp_path: as
root, PostgreSQL runs as an unprivileged user that /tmp/pytest-of-root (0700) keeps out.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from windowdesk.county.pgcluster import Cluster, ClusterError, find_pg_bin


@contextlib.contextmanager
def cluster_base_dir():
    """A temporary directory that PostgreSQL's user can pass through; removed afterwards,
    with any server a failed test left running in it stopped first."""
    base = Path(tempfile.mkdtemp(prefix="windowdesk-pg-"))
    try:
        base.chmod(0o711)
        yield base
    finally:
        for pid_file in base.glob("*/postmaster.pid"):
            with contextlib.suppress(ClusterError):
                Cluster.open(pid_file.parent).stop()
        shutil.rmtree(base, ignore_errors=True)


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
