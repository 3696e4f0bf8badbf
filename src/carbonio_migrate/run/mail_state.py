"""The mail copy's journal in the state store: folder map, UID map, intents, refusals.

Implements :class:`carbonio_migrate.mail.journal.Journal` on the ``folders`` and ``messages``
tables. Every recording method is one transaction, so a process killed between two calls
leaves the store exactly as the last finished call left it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from carbonio_migrate.mail.folders import FolderStatus
from carbonio_migrate.mail.journal import (
    FolderPlacement,
    FolderRecord,
    MessageRecord,
    MessageState,
)
from carbonio_migrate.state import StateStore

_MESSAGE_COLUMNS = (
    "folder_id, source_uid, state, destination_uid, fingerprint, size, flags, reason"
)
_UPSERT = (
    f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (folder_id, source_uid) DO UPDATE SET state = excluded.state,"
    " destination_uid = excluded.destination_uid, fingerprint = excluded.fingerprint,"
    " size = excluded.size, flags = excluded.flags, reason = excluded.reason"
)
_SET_STATUS = (
    "source_uidvalidity = ?, source_uidnext = ?, source_messages = ?, source_highestmodseq = ?"
)


class StateJournal:
    """One account's copy journal, kept in the state store."""

    def __init__(
        self, store: StateStore, account: str, source_account: str, *, read_only: bool = False
    ) -> None:
        self._store = store
        self._account_id = _account_id(store, account)
        if self._account_id is None and not read_only:
            self._account_id = store.account_id(account, source_address=source_account)
        self._folder_ids: dict[str, int] = {}

    def folders(self) -> dict[str, FolderRecord]:
        """Every folder recorded for the account, with its count of unconfirmed APPENDs."""
        rows = self._store.rows(
            "SELECT folders.*, (SELECT count(*) FROM messages WHERE messages.folder_id ="
            " folders.id AND messages.state = ?) AS pending FROM folders WHERE account_id = ?",
            (MessageState.INTENT.value, self._account_id),
        )
        found: dict[str, FolderRecord] = {}
        for row in rows:
            self._folder_ids[row["source_name"]] = row["id"]
            found[row["source_name"]] = FolderRecord(
                source_name=row["source_name"],
                destination_name=row["destination_name"],
                subscribed=bool(row["subscribed"]),
                source_uidvalidity=row["source_uidvalidity"],
                destination_uidvalidity=row["destination_uidvalidity"],
                status=_status(row),
                pending=int(row["pending"]),
            )
        return found

    def save_folders(self, placements: Sequence[FolderPlacement]) -> None:
        """Record (or update) where source folders go, in one transaction."""
        if not placements:
            return
        with self._store.transaction() as conn:
            for placement in placements:
                place = (placement.destination_name, placement.subscribed)
                folder_id = self._find(conn, placement.source_name)
                if folder_id is None:
                    folder_id = conn.execute(
                        "INSERT INTO folders (account_id, source_name, destination_name,"
                        " subscribed) VALUES (?, ?, ?, ?) RETURNING id",
                        (self._account_id, placement.source_name, *place),
                    ).fetchone()[0]
                    self._folder_ids[placement.source_name] = int(folder_id)
                else:
                    conn.execute(
                        "UPDATE folders SET destination_name = ?, subscribed = ? WHERE id = ?",
                        (*place, folder_id),
                    )
                if placement.finished is not None:
                    _set_status(conn, folder_id, placement.finished)

    def reset_folder(
        self, source_name: str, source_uidvalidity: int, destination_uidvalidity: int
    ) -> None:
        """Forget the folder's UID map and STATUS; note the UIDVALIDITYs from now on."""
        with self._store.transaction() as conn:
            folder_id = self._require(conn, source_name)
            conn.execute("DELETE FROM messages WHERE folder_id = ?", (folder_id,))
            conn.execute(
                "UPDATE folders SET source_uidvalidity = ?, destination_uidvalidity = ?,"
                " source_uidnext = NULL, source_messages = NULL, source_highestmodseq = NULL"
                " WHERE id = ?",
                (source_uidvalidity, destination_uidvalidity, folder_id),
            )

    def messages(self, source_name: str) -> dict[int, MessageRecord]:
        """The folder's message records by source UID."""
        folder_id = self._find(None, source_name)
        if folder_id is None:
            return {}
        rows = self._store.rows("SELECT * FROM messages WHERE folder_id = ?", (folder_id,))
        return {int(row["source_uid"]): _record(row) for row in rows}

    def record(self, source_name: str, records: Sequence[MessageRecord]) -> None:
        """Add or replace message records, all in one transaction."""
        if not records:
            return
        with self._store.transaction() as conn:
            folder_id = self._require(conn, source_name)
            conn.executemany(_UPSERT, [_row(folder_id, record) for record in records])

    def forget(self, source_name: str, source_uids: Sequence[int]) -> None:
        """Drop the records of messages the source no longer has, in one transaction."""
        if not source_uids:
            return
        with self._store.transaction() as conn:
            folder_id = self._require(conn, source_name)
            conn.executemany(
                "DELETE FROM messages WHERE folder_id = ? AND source_uid = ?",
                [(folder_id, uid) for uid in source_uids],
            )

    def finish_folder(self, source_name: str, status: FolderStatus) -> None:
        """Note the STATUS a complete pass started from: unchanged next time means skip.

        A map kept for another source UIDVALIDITY is void, and is deleted in the same write.
        """
        with self._store.transaction() as conn:
            folder_id = self._require(conn, source_name)
            recorded = conn.execute(
                "SELECT source_uidvalidity FROM folders WHERE id = ?", (folder_id,)
            ).fetchone()[0]
            if recorded is not None and recorded != status.uidvalidity:
                conn.execute("DELETE FROM messages WHERE folder_id = ?", (folder_id,))
            _set_status(conn, folder_id, status)

    def _find(self, conn: sqlite3.Connection | None, source_name: str) -> int | None:
        if source_name in self._folder_ids:
            return self._folder_ids[source_name]
        query = "SELECT id FROM folders WHERE account_id = ? AND source_name = ?"
        parameters = (self._account_id, source_name)
        if conn is None:
            found = self._store.value(query, parameters)
        else:
            row = conn.execute(query, parameters).fetchone()
            found = None if row is None else row[0]
        if found is not None:
            self._folder_ids[source_name] = int(found)
        return None if found is None else int(found)

    def _require(self, conn: sqlite3.Connection, source_name: str) -> int:
        folder_id = self._find(conn, source_name)
        if folder_id is None:
            raise KeyError(f"folder {source_name!r} was never recorded")
        return folder_id


def _account_id(store: StateStore, account: str) -> int | None:
    """The account's id in the store, without creating it."""
    found = store.value("SELECT id FROM accounts WHERE address = ?", (account,))
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
    rows = store.rows(
        "SELECT messages.state, count(*) FROM messages"
        " JOIN folders ON folders.id = messages.folder_id"
        " JOIN accounts ON accounts.id = folders.account_id"
        " WHERE accounts.address = ? GROUP BY messages.state",
        (account,),
    )
    counts = {str(state): int(count) for state, count in rows}
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
    sql = (
        "SELECT folders.source_name, messages.* FROM messages"
        " JOIN folders ON folders.id = messages.folder_id"
        " JOIN accounts ON accounts.id = folders.account_id WHERE accounts.address = ?"
    )
    parameters: list[str] = [account]
    if states:
        sql += f" AND messages.state IN ({', '.join('?' * len(states))})"
        parameters += [state.value for state in states]
    rows = store.rows(sql + " ORDER BY folders.source_name, messages.source_uid", parameters)
    for row in rows:
        yield RecordedMessage(row["source_name"], _record(row))


def _set_status(conn: sqlite3.Connection, folder_id: int, status: FolderStatus) -> None:
    conn.execute(
        f"UPDATE folders SET {_SET_STATUS} WHERE id = ?",
        (status.uidvalidity, status.uidnext, status.messages, status.highestmodseq, folder_id),
    )


def _status(row: sqlite3.Row) -> FolderStatus | None:
    if row["source_uidnext"] is None:
        return None
    return FolderStatus(
        uidvalidity=int(row["source_uidvalidity"] or 0),
        uidnext=int(row["source_uidnext"]),
        messages=int(row["source_messages"] or 0),
        highestmodseq=row["source_highestmodseq"],
    )


def _record(row: sqlite3.Row) -> MessageRecord:
    return MessageRecord(
        source_uid=int(row["source_uid"]),
        fingerprint=str(row["fingerprint"]),
        size=int(row["size"]),
        flags=tuple(str(row["flags"] or "").split()),
        state=MessageState(row["state"]),
        destination_uid=None if row["destination_uid"] is None else int(row["destination_uid"]),
        reason=row["reason"],
    )


def _row(folder_id: int, record: MessageRecord) -> tuple[object, ...]:
    return (
        folder_id,
        record.source_uid,
        record.state.value,
        record.destination_uid,
        record.fingerprint,
        record.size,
        " ".join(record.flags),
        record.reason,
    )
