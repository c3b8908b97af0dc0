"""Shared fixtures: real SQLite files in tmp_path, a desk set up like a real center,
and a fixed wall clock (the one edge we cannot have for real)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

pytest_plugins = ["qt_support", "county_support"]

from windowdesk.core.notices import ReceivedMaterial, complete_materials
from windowdesk.db.store import open_store
from windowdesk.services import setup
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.common import Actor
from windowdesk.services.uow import FixedClock, UnitOfWork

# Monday 2 March 2026, 09:30 in Beijing: a plain working week with no holiday nearby.
START = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)

STAFF = [
    ("zhangmin", "张敏", "clerk", ["MZ"]),
    ("lihua", "李华", "clerk", ["MZ", "CL"]),
    ("wangfang", "王芳", "clerk", ["SB"]),
    ("zhaolei", "赵磊", "clerk", ["GT"]),
    ("huangjun", "黄军", "supervisor", []),
    ("daiban01", "吴秀英", "agent", ["MZ", "SB"]),
]

MZ = Actor("zhangmin", "MZ")
MZ_B = Actor("lihua", "MZ")
SB = Actor("wangfang", "SB")
GT = Actor("zhaolei", "GT")

# A valid resident identity number (GB 11643 standard example) and another.
PERSON = ApplicantInput("李秀兰", "11010519491231002X", phone="13800138000", address="石门村")
PERSON2 = ApplicantInput("欧阳·建国", "430111198803150012", phone="0731-84112233", address="河东村")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "desk.sqlite"


@pytest.fixture
def store(db_path, clock):
    store = open_store(db_path, node_code="LJ03")
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in STAFF:
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
    yield store
    store.close()


@pytest.fixture
def run(store, clock):
    """Run a service in its own unit of work: ``run(service, *args, **kwargs)``."""

    def _run(service, *args, **kwargs):
        with UnitOfWork(store, clock) as uow:
            return service(uow, *args, **kwargs)

    return _run


def full_materials(item) -> list[ReceivedMaterial]:
    """Every required material, in the form the checklist asks for."""
    return complete_materials(item)


def event_count(store) -> int:
    with UnitOfWork(store, write=False) as uow:
        return uow.execute("SELECT count(*) FROM events").scalar_one()
