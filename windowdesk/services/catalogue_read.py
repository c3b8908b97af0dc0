"""Reading the current catalogue: the items a desk offers at intake."""

from __future__ import annotations

import json

from windowdesk.core.catalogue import ServiceItem
from windowdesk.services.uow import UnitOfWork

CACHE_KEY = "current_items"


def current_version(uow: UnitOfWork) -> str | None:
    row = uow.execute("SELECT version FROM catalogue_versions WHERE current = 1").first()
    return row[0] if row else None


def current_items(uow: UnitOfWork) -> tuple[ServiceItem, ...]:
    """Every item of the current catalogue version, in catalogue (file) order.

    Cached in ``uow.store.cache`` with the version it was read for, so installing a new
    catalogue version is noticed at the next call (one short query)."""
    version = current_version(uow)
    if version is None:
        return ()
    cached = uow.store.cache.get(CACHE_KEY)
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = uow.execute(
        "SELECT data FROM service_items WHERE version = :v ORDER BY rowid", {"v": version}
    ).all()
    items = tuple(ServiceItem.from_dict(json.loads(r[0])) for r in rows)
    uow.store.cache[CACHE_KEY] = (version, items)
    return items
