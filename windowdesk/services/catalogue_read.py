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


def current_item_names(uow: UnitOfWork) -> tuple[tuple[str, str, str], ...]:
    """(code, name, window) of every item of the current catalogue, in catalogue order:
    what a filter or a picker lists, without parsing every item (a county catalogue has
    hundreds, and the queue's filter is built at every start)."""
    version = current_version(uow)
    if version is None:
        return ()
    return tuple(tuple(r) for r in uow.execute(
        "SELECT code, name, window_code FROM service_items WHERE version = :v ORDER BY rowid", {"v": version}
    ).all())
