"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from windowdesk.db.models import Base
from windowdesk.db.store import open_store


def test_head_schema_matches_the_models(tmp_path):
    store = open_store(tmp_path / "m.sqlite", node_code="LJ03")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    store.close()
    assert diff == []
