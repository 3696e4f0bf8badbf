"""The mail copy's journal in the state store: folder map, UID map, intents, refusals.

Implements :class:`carbonio_migrate.mail.journal.Journal` on the ``folders`` and ``messages``
tables. Every recording method is one transaction, so a process killed between two calls
leaves the store exactly as the last finished call left it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Executable, Row, and_, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from carbonio_migrate.mail.folders import FolderStatus
from carbonio_migrate.mail.journal import (
    FolderPlacement,
    FolderRecord,
    MessageRecord,
    MessageState,
)
from carbonio_migrate.state import StateStore, accounts, folders, messages

# Bound parameters per statement stay well under every database's limit.
_CHUNK = 500


class StateJournal:
    """One account's copy journal, kept in the state store."""

    def __init__(
        self, store: StateStore, account: str, source_account: str, *, read_only: bool = False
    ) -> None:
        self._engine = store.engine
        self._account_id = _account_id(store, account)
        if self._account_id is None and not read_only:
            self._account_id = store.account_id(account, source_address=source_account)
        self._folder_ids: dict[str, int] = {}

    def folders(self) -> dict[str, FolderRecord]:
        """Every folder recorded for the account, with its count of unconfirmed APPENDs."""
        pending = (
            select(messages.c.folder_id, func.count().label("pending"))
            .where(messages.c.state == MessageState.INTENT.value)
            .group_by(messages.c.folder_id)
            .subquery()
        )
        query = (
            select(folders, func.coalesce(pending.c.pending, 0).label("pending"))
            .outerjoin(pending, pending.c.folder_id == folders.c.id)
            .where(folders.c.account_id == self._account_id)
        )
        found: dict[str, FolderRecord] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                self._folder_ids[row.source_name] = row.id
                found[row.source_name] = FolderRecord(
                    source_name=row.source_name,
                    destination_name=row.destination_name,
                    subscribed=bool(row.subscribed),
                    source_uidvalidity=row.source_uidvalidity,
                    destination_uidvalidity=row.destination_uidvalidity,
                    status=_status(row),
                    pending=int(row.pending),
                )
        return found

    def save_folders(self, placements: Sequence[FolderPlacement]) -> None:
        """Record (or update) where source folders go, in one transaction."""
        if not placements:
            return
        with self._engine.begin() as conn:
            for placement in placements:
                values: dict[str, object] = {
                    "destination_name": placement.destination_name,
                    "subscribed": placement.subscribed,
                }
                if placement.finished is not None:
                    values.update(_status_values(placement.finished))
                folder_id = self._find(conn, placement.source_name)
                if folder_id is not None:
                    conn.execute(update(folders).where(folders.c.id == folder_id).values(**values))
                    continue
                created = conn.execute(
                    insert(folders)
                    .values(
                        account_id=self._account_id, source_name=placement.source_name, **values
                    )
                    .returning(folders.c.id)
                ).scalar_one()
                self._folder_ids[placement.source_name] = int(created)

    def reset_folder(
        self, source_name: str, source_uidvalidity: int, destination_uidvalidity: int
    ) -> None:
        """Forget the folder's UID map and STATUS; note the UIDVALIDITYs from now on."""
        with self._engine.begin() as conn:
            folder_id = self._require(conn, source_name)
            conn.execute(delete(messages).where(messages.c.folder_id == folder_id))
            conn.execute(
                update(folders)
                .where(folders.c.id == folder_id)
                .values(
                    source_uidvalidity=source_uidvalidity,
                    destination_uidvalidity=destination_uidvalidity,
                    source_uidnext=None,
                    source_messages=None,
                    source_highestmodseq=None,
                )
            )

    def messages(self, source_name: str) -> dict[int, MessageRecord]:
        """The folder's message records by source UID."""
        with self._engine.connect() as conn:
            folder_id = self._find(conn, source_name)
            if folder_id is None:
                return {}
            rows = conn.execute(select(messages).where(messages.c.folder_id == folder_id))
            return {int(row.source_uid): _record(row) for row in rows}

    def record(self, source_name: str, records: Sequence[MessageRecord]) -> None:
        """Add or replace message records, all in one transaction."""
        if not records:
            return
        with self._engine.begin() as conn:
            folder_id = self._require(conn, source_name)
            rows = [_row(folder_id, record) for record in records]
            upsert = _upsert_statement(conn.dialect.name)
            if upsert is not None:
                conn.execute(upsert, rows)
                return
            for part in _chunks(records):
                uids = [record.source_uid for record in part]
                conn.execute(
                    delete(messages).where(
                        and_(messages.c.folder_id == folder_id, messages.c.source_uid.in_(uids))
                    )
                )
            conn.execute(insert(messages), rows)

    def forget(self, source_name: str, source_uids: Sequence[int]) -> None:
        """Drop the records of messages the source no longer has, in one transaction."""
        if not source_uids:
            return
        with self._engine.begin() as conn:
            folder_id = self._require(conn, source_name)
            for start in range(0, len(source_uids), _CHUNK):
                part = list(source_uids[start : start + _CHUNK])
                conn.execute(
                    delete(messages).where(
                        and_(messages.c.folder_id == folder_id, messages.c.source_uid.in_(part))
                    )
                )

    def finish_folder(self, source_name: str, status: FolderStatus) -> None:
        """Note the STATUS a complete pass started from: unchanged next time means skip.

        A map kept for another source UIDVALIDITY is void, and is deleted in the same write.
        """
        with self._engine.begin() as conn:
            folder_id = self._require(conn, source_name)
            recorded = conn.execute(
                select(folders.c.source_uidvalidity).where(folders.c.id == folder_id)
            ).scalar()
            if recorded is not None and recorded != status.uidvalidity:
                conn.execute(delete(messages).where(messages.c.folder_id == folder_id))
            conn.execute(
                update(folders).where(folders.c.id == folder_id).values(**_status_values(status))
            )

    def _find(self, conn: Connection, source_name: str) -> int | None:
        if source_name in self._folder_ids:
            return self._folder_ids[source_name]
        found = conn.execute(
            select(folders.c.id).where(
                folders.c.account_id == self._account_id, folders.c.source_name == source_name
            )
        ).scalar()
        if found is not None:
            self._folder_ids[source_name] = int(found)
        return None if found is None else int(found)

    def _require(self, conn: Connection, source_name: str) -> int:
        folder_id = self._find(conn, source_name)
        if folder_id is None:
            raise KeyError(f"folder {source_name!r} was never recorded")
        return folder_id


_UPDATED = ("state", "destination_uid", "fingerprint", "size", "flags", "reason")


@functools.cache
def _upsert_statement(dialect: str) -> Executable | None:
    """INSERT ... ON CONFLICT DO UPDATE where the database has it (one statement per batch)."""
    if dialect == "sqlite":
        statement: Any = sqlite_insert(messages)
    elif dialect == "postgresql":
        statement = postgresql_insert(messages)
    else:
        return None
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[messages.c.folder_id, messages.c.source_uid],
        set_={name: statement.excluded[name] for name in _UPDATED},
    )


def _account_id(store: StateStore, account: str) -> int | None:
    """The account's id in the store, without creating it."""
    with store.engine.connect() as conn:
        found = conn.execute(select(accounts.c.id).where(accounts.c.address == account)).scalar()
    return None if found is None else int(found)


@dataclass(frozen=True)
class MessageTotals:
    """An account's messages in the state store, by state."""

    copied: int = 0
    present: int = 0
    refused: int = 0
    pending: int = 0


def message_totals(store: StateStore, account: str) -> MessageTotals:
    """How many of an account's messages are copied, present, refused or unconfirmed."""
    query = (
        select(messages.c.state, func.count())
        .join(folders, folders.c.id == messages.c.folder_id)
        .join(accounts, accounts.c.id == folders.c.account_id)
        .where(accounts.c.address == account)
        .group_by(messages.c.state)
    )
    with store.engine.connect() as conn:
        counts = {str(state): int(count) for state, count in conn.execute(query)}
    return MessageTotals(
        copied=counts.get(MessageState.COPIED.value, 0),
        present=counts.get(MessageState.PRESENT.value, 0),
        refused=counts.get(MessageState.REFUSED.value, 0),
        pending=counts.get(MessageState.INTENT.value, 0),
    )


@dataclass(frozen=True)
class RecordedMessage:
    """A message record with its source folder, for reports and ``verify``."""

    folder: str
    record: MessageRecord


def recorded_messages(
    store: StateStore, account: str, *, states: Sequence[MessageState] | None = None
) -> Iterator[RecordedMessage]:
    """An account's message records (optionally only some states), folder by folder."""
    query = (
        select(folders.c.source_name, messages)
        .join(folders, folders.c.id == messages.c.folder_id)
        .join(accounts, accounts.c.id == folders.c.account_id)
        .where(accounts.c.address == account)
        .order_by(folders.c.source_name, messages.c.source_uid)
    )
    if states:
        query = query.where(messages.c.state.in_([state.value for state in states]))
    with store.engine.connect() as conn:
        for row in conn.execute(query):
            yield RecordedMessage(row.source_name, _record(row))


def _status_values(status: FolderStatus) -> dict[str, object]:
    return {
        "source_uidvalidity": status.uidvalidity,
        "source_uidnext": status.uidnext,
        "source_messages": status.messages,
        "source_highestmodseq": status.highestmodseq,
    }


def _status(row: Row[Any]) -> FolderStatus | None:
    if row.source_uidnext is None:
        return None
    return FolderStatus(
        uidvalidity=int(row.source_uidvalidity or 0),
        uidnext=int(row.source_uidnext),
        messages=int(row.source_messages or 0),
        highestmodseq=row.source_highestmodseq,
    )


def _record(row: Row[Any]) -> MessageRecord:
    return MessageRecord(
        source_uid=int(row.source_uid),
        fingerprint=str(row.fingerprint),
        size=int(row.size),
        flags=tuple(str(row.flags or "").split()),
        state=MessageState(row.state),
        destination_uid=None if row.destination_uid is None else int(row.destination_uid),
        reason=row.reason,
    )


def _row(folder_id: int, record: MessageRecord) -> dict[str, object]:
    return {
        "folder_id": folder_id,
        "source_uid": record.source_uid,
        "state": record.state.value,
        "destination_uid": record.destination_uid,
        "fingerprint": record.fingerprint,
        "size": record.size,
        "flags": " ".join(record.flags),
        "reason": record.reason,
    }


def _chunks(records: Sequence[MessageRecord]) -> Iterator[Sequence[MessageRecord]]:
    for start in range(0, len(records), _CHUNK):
        yield records[start : start + _CHUNK]
