"""Opening the county's PostgreSQL database: the engine, and the county's own Alembic
migrations (``county/migrations``) applied at every start.

A database written by a newer county server (a schema revision this one does not know),
or one that holds tables but was never a county database, is refused and left untouched.
Several server processes may start at once: the check and the upgrade run in one
transaction under an advisory lock, so only one of them migrates.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from windowdesk.core.errors import DomainError, ValidationError
from windowdesk.i18n import _

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_265_310_001  # pg_advisory_xact_lock key: one migrating process at a time
ENV_DATABASE = "WINDOWDESK_COUNTY_DATABASE"


class CountyDatabaseError(DomainError):
    """The county database cannot be used: unreachable, newer, or not a county database."""


def alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def known_revisions() -> set[str]:
    """The schema revisions of this county server (``0001_county_schema.py`` is ``0001``)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")}


def head_revision() -> str:
    return max(known_revisions())


def shown(url: str | URL) -> str:
    """The URL as it may be printed: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"


def county_url(url: str) -> URL:
    """``url`` checked to be PostgreSQL, with the psycopg 3 driver."""
    try:
        parsed = make_url((url or "").strip())
    except ArgumentError:
        raise ValidationError(_(
            "{url} is not a database URL; write it like postgresql://user@host:5432/county."
        ).format(url=url or "''")) from None
    if parsed.get_backend_name() != "postgresql":
        raise ValidationError(_(
            "The county database must be PostgreSQL ({url} is not); write its URL like "
            "postgresql://user@host:5432/county."
        ).format(url=shown(parsed)))
    return parsed.set(drivername="postgresql+psycopg")


def database_revision(conn: Connection) -> str | None:
    """The county schema revision of the database, ``None`` for an empty database."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables:
        if tables:
            raise CountyDatabaseError(_(
                "The database {url} holds tables but is not a WindowDesk county database; it was "
                "left untouched. Give the county an empty database of its own."
            ).format(url=shown(conn.engine.url)))
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _upgrade(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        revision = database_revision(conn)
        if revision is not None and revision not in known_revisions():
            raise CountyDatabaseError(_(
                "The database {url} was written by a newer WindowDesk county server (schema "
                "{revision}). Update WindowDesk to use it; the database was left untouched."
            ).format(url=shown(engine.url), revision=revision))
        if revision != head_revision():
            from alembic import command  # only when there is something to migrate

            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")


def open_county(url: str) -> Engine:
    """The engine of the county database at ``url``, its schema upgraded to this server's.

    Raises ``CountyDatabaseError`` (a ``DomainError``, its message for a person) when the
    database cannot be reached or must not be used."""
    parsed = county_url(url)
    try:
        engine = create_engine(parsed, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise CountyDatabaseError(_("The county database {url} cannot be used: {error}").format(
            url=shown(parsed), error=exc)) from None
    try:
        _upgrade(engine)
    except DomainError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise database_error(exc, parsed) from None
    return engine


def database_error(exc: SQLAlchemyError, url: str | URL) -> CountyDatabaseError:
    """A database failure said for a person: the URL (no password) and the driver's reason."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return CountyDatabaseError(_("The county database {url} cannot be used: {error}").format(
        url=shown(url), error=reason[0] if reason else type(exc).__name__))
