"""Alembic environment of the county database: always run with a connection handed over
by ``windowdesk.county.db.open_county`` (inside its transaction)."""

from alembic import context

from windowdesk.county.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only open_county runs migrations
    raise RuntimeError("The county's migrations run through windowdesk.county.db.open_county")

context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
