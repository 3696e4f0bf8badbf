"""What the state store knows of imported events and contacts: one row per item and account.

Carbonio's contact import adds a contact for every row it is sent, so this record is what
keeps a rerun from adding the same contact twice; for events it spares resending unchanged
ones. Each chunk's rows are written in one small transaction after the server accepted it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from carbonio_migrate.state import StateStore, timestamp


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
    rows = store.rows(
        "SELECT key, fingerprint, status FROM items WHERE account_id = ? AND kind = ?",
        (account_id, str(kind)),
    )
    return {row["key"]: KnownItem(row["fingerprint"], ItemStatus(row["status"])) for row in rows}


def record_items(
    store: StateStore,
    account_id: int,
    kind: ItemKind,
    entries: Iterable[tuple[str, str]],
    status: ItemStatus,
) -> None:
    """Record (key, fingerprint) pairs with a status, replacing earlier rows, atomically."""
    now = timestamp()
    rows = [
        (account_id, str(kind), key, fingerprint, str(status), now) for key, fingerprint in entries
    ]
    if not rows:
        return
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO items (account_id, kind, key, fingerprint, status, imported_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, kind, key) DO UPDATE SET"
            " fingerprint = excluded.fingerprint, status = excluded.status,"
            " imported_at = excluded.imported_at",
            rows,
        )
