"""Fixtures of the county tests (the PostgreSQL cluster and the county server process
are in ``tests/county_support.py``)."""

from __future__ import annotations

import pytest

from windowdesk.db.store import open_store
from windowdesk.sync.engine import enroll_desk


@pytest.fixture
def hall(county_server, tmp_path):
    desks = {}
    for name, kind in (("a", "window"), ("b", "window"), ("v", "village")):
        store = open_store(tmp_path / f"{name}.sqlite")
        enroll_desk(store, county_server.url, county_server.code(kind))
        desks[name] = store
    yield desks
    for store in desks.values():
        store.close()
