"""What the state store knows of imported events and contacts: one row per item and account.

Carbonio's contact import adds a contact for every row it is sent, so this record is what
keeps a rerun from adding the same contact twice; for events it spares resending unchanged
ones. Each chunk's rows are written in one small transaction after the server accepted it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import SQLAlchemyError

from carbonio_migrate.errors import StateError
from carbonio_migrate.state import StateStore, items

_BATCH = 500  # keys per IN (...) list: well below every database's limit


class ItemKind(StrEnum):
    """What an item is."""

    EVENT = "event"
    CONTACT = "contact"


class ItemStatus(StrEnum):
    """What is known about an item's arrival."""

    IMPORTED = "imported"
    WRITTEN = "written"  # in a command file for the administrator to run
    UNCERTAIN = "uncertain"  # sent, but the server failed before saying how much it stored


@dataclass(frozen=True)
class KnownItem:
    """An item as last recorded."""

    fingerprint: str
    status: ItemStatus


def known_items(store: StateStore, account_id: int, kind: ItemKind) -> dict[str, KnownItem]:
    """Every recorded item of one kind for an account, by key."""
    query = select(items.c.key, items.c.fingerprint, items.c.status).where(
        items.c.account_id == account_id, items.c.kind == str(kind)
    )
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
    except SQLAlchemyError as exc:
        raise StateError(f"state store: items cannot be read ({exc})") from None
    return {row.key: KnownItem(row.fingerprint, ItemStatus(row.status)) for row in rows}


def record_items(
    store: StateStore,
    account_id: int,
    kind: ItemKind,
    entries: Iterable[tuple[str, str]],
    status: ItemStatus,
) -> None:
    """Record (key, fingerprint) pairs with a status, replacing earlier rows, atomically."""
    pairs = list(entries)
    if not pairs:
        return
    now = datetime.now(UTC)
    try:
        with store.engine.begin() as conn:
            for start in range(0, len(pairs), _BATCH):
                keys = [key for key, _ in pairs[start : start + _BATCH]]
                conn.execute(
                    delete(items).where(
                        items.c.account_id == account_id,
                        items.c.kind == str(kind),
                        items.c.key.in_(keys),
                    )
                )
            conn.execute(
                insert(items),
                [
                    {
                        "account_id": account_id,
                        "kind": str(kind),
                        "key": key,
                        "fingerprint": fingerprint,
                        "status": str(status),
                        "imported_at": now,
                    }
                    for key, fingerprint in pairs
                ],
            )
    except SQLAlchemyError as exc:
        raise StateError(f"state store: items cannot be recorded ({exc})") from None
