"""The county database: its migrations build exactly the models' schema, and a database
the county must not use is refused and left untouched."""

from __future__ import annotations

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from windowdesk.core.errors import DomainError
from windowdesk.county import db
from windowdesk.county.db import CountyDatabaseError, open_county
from windowdesk.county.models import Base


def tables(url: str) -> set[str]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sqlalchemy.inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_models(pg_url):
    engine = open_county(pg_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert diff == []
    assert revision == db.head_revision() == "0002"
    assert tables(pg_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_the_engine_pools_and_pings(pg_url):
    engine = open_county(pg_url)
    try:
        assert engine.dialect.driver == "psycopg"
        assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._pre_ping) == (10, 20, True)
    finally:
        engine.dispose()


def test_opening_again_changes_nothing_and_a_plain_postgresql_url_is_accepted(pg_url):
    open_county(pg_url).dispose()
    engine = open_county(pg_url.replace("postgresql+psycopg://", "postgresql://"))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        engine.dispose()


def test_the_revisions_read_from_file_names_are_alembics():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config())
    assert db.known_revisions() == {rev.revision for rev in script.walk_revisions()}
    assert db.head_revision() == script.get_current_head()


def test_a_database_of_a_newer_county_server_is_refused_and_left_untouched(pg_url):
    open_county(pg_url).dispose()
    engine = sqlalchemy.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        conn.execute(text("CREATE TABLE from_the_future (note text)"))
    engine.dispose()
    before = tables(pg_url)
    with pytest.raises(CountyDatabaseError) as refused:
        open_county(pg_url)
    assert "0099" in str(refused.value) and "pass" not in str(refused.value).lower()
    assert tables(pg_url) == before


def test_a_database_of_another_program_is_refused_and_left_untouched(pg_url):
    engine = sqlalchemy.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE customers (name text)"))
    engine.dispose()
    with pytest.raises(CountyDatabaseError) as refused:
        open_county(pg_url)
    assert pg_url.rsplit("/", 1)[1] in str(refused.value)
    assert tables(pg_url) == {"customers"}


@pytest.mark.parametrize("url", ["sqlite:///county.sqlite", "not a url", ""])
def test_a_url_that_is_not_postgresql_is_refused(url):
    with pytest.raises(DomainError) as refused:
        open_county(url)
    assert "PostgreSQL" in str(refused.value) or "postgresql://" in str(refused.value)


def test_an_unreachable_database_is_a_clear_error_without_the_password(pg_cluster):
    url = f"postgresql+psycopg://windowdesk:secret@127.0.0.1:{pg_cluster.port}/no_such_database"
    with pytest.raises(CountyDatabaseError) as refused:
        open_county(url)
    message = str(refused.value)
    assert "no_such_database" in message and "secret" not in message
