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


def test_the_revisions_read_from_file_names_are_alembics():
    """``open_store`` reads the known revisions from the migration files' names so that it
    need not import Alembic at every start; this keeps that reading honest."""
    from alembic.script import ScriptDirectory

    from windowdesk.db.store import alembic_config, head_revision, known_revisions

    script = ScriptDirectory.from_config(alembic_config())
    assert known_revisions() == {rev.revision for rev in script.walk_revisions()}
    assert head_revision() == script.get_current_head()
