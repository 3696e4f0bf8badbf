"""The state store: what has been done for every account, folder, message and item.

State is the truth a rerun trusts. Each write is its own small transaction, so a process
killed at any moment loses at most the step it was taking. The store is a SQLite file beside
the configuration by default, in write-ahead-log mode so that a kill never corrupts it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from carbonio_migrate.errors import StateError

# The standard library's sqlite3 rather than an SQL toolkit: the toolkit took longer to import
# than a whole rerun that finds nothing to do, and the store needs only a dozen statements.

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR(64) PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
    id INTEGER PRIMARY KEY,
    address VARCHAR(320) NOT NULL UNIQUE,  -- on the destination
    source_address VARCHAR(320) NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS phases (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    phase VARCHAR(32) NOT NULL,
    status VARCHAR(16) NOT NULL,
    detail TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, phase)
);
CREATE TABLE IF NOT EXISTS folders (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    source_name TEXT NOT NULL,
    destination_name TEXT NOT NULL,
    subscribed BOOLEAN NOT NULL DEFAULT 0,
    -- The UIDVALIDITYs the UID map in messages holds for; a change on either side voids it.
    source_uidvalidity BIGINT,
    destination_uidvalidity BIGINT,
    -- The source's STATUS at the start of the last complete pass: unchanged, nothing to do.
    source_uidnext BIGINT,
    source_messages BIGINT,
    source_highestmodseq BIGINT,
    UNIQUE (account_id, source_name)
);
CREATE TABLE IF NOT EXISTS messages (
    folder_id INTEGER NOT NULL REFERENCES folders (id),
    source_uid BIGINT NOT NULL,
    -- "intent" (APPEND about to be sent, answer unknown), "copied", "present" (found there
    -- already), "refused" (with the destination's reason).
    state VARCHAR(8) NOT NULL,
    destination_uid BIGINT,  -- NULL until the destination confirmed it
    fingerprint VARCHAR(96) NOT NULL,  -- header hash and size, to match copies
    size BIGINT NOT NULL,
    flags TEXT NOT NULL DEFAULT '',  -- the source's, as last carried over
    reason TEXT,
    PRIMARY KEY (folder_id, source_uid)
);
CREATE INDEX IF NOT EXISTS messages_by_state ON messages (folder_id, state);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    kind VARCHAR(16) NOT NULL,  -- "event" or "contact"
    key TEXT NOT NULL,  -- the event's UID, or the contact's identity
    fingerprint VARCHAR(64) NOT NULL,
    -- "imported"; "written" to a command file; "uncertain" when the server failed mid-import.
    status VARCHAR(16) NOT NULL DEFAULT 'imported',
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, kind, key)
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    level VARCHAR(8) NOT NULL,
    phase VARCHAR(32) NOT NULL,
    account VARCHAR(320),
    location TEXT,  -- file:line, folder/UID, ...
    message TEXT NOT NULL,
    details TEXT  -- JSON
);
CREATE INDEX IF NOT EXISTS events_by_account ON events (account, phase);
"""


class PhaseStatus(StrEnum):
    """Where one account stands in one phase."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    ATTENTION = "attention"  # finished, with items that need the administrator
    FAILED = "failed"


@dataclass(frozen=True)
class Event:
    """One entry of the event log."""

    at: datetime
    level: str
    phase: str
    account: str | None
    location: str | None
    message: str


def timestamp() -> str:
    """Now, as the store writes times (UTC, ISO 8601)."""
    return datetime.now(UTC).isoformat(sep=" ")


class StateStore:
    """Progress of the migration, kept in a database; safe to share between threads.

    Each thread gets its own connection to the file; SQLite's locking and the busy timeout
    keep their writes apart.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @classmethod
    def open(cls, url: str) -> StateStore:
        """Open (and create or check the schema of) the store at a ``sqlite:///path`` URL."""
        store = cls(_sqlite_path(url))
        try:
            store._prepare_schema()
        except StateError:
            store.close()
            raise

        found = store.value("SELECT value FROM meta WHERE key = 'schema'")
        if int(found) != SCHEMA_VERSION:
            store.close()
            raise StateError(
                f"state store {url!r} has schema version {found}, this program uses "
                f"{SCHEMA_VERSION}",
                remedy="use the carbonio-migrate version that wrote it, or a new state file",
            )
        return store

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def _prepare_schema(self) -> None:
        with self._errors():
            self._connection().executescript(SCHEMA)  # each statement is idempotent
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT DO NOTHING",
                (str(SCHEMA_VERSION),),
            )

    # -- statements -----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = _connect(self.path)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back when it raises.

        Database errors come out as :class:`StateError`.
        """
        with self._errors():
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def rows(self, sql: str, parameters: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row a query answers, its columns readable by name."""
        with self._errors():
            return self._connection().execute(sql, parameters).fetchall()

    def value(self, sql: str, parameters: Sequence[Any] = ()) -> Any:
        """The first column of a query's first row, or None when it answers no row."""
        with self._errors():
            row = self._connection().execute(sql, parameters).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StateError(f"state store {self.path} cannot be used: {exc}") from None

    # -- accounts and phases ----------------------------------------------------------------

    def account_id(self, address: str, *, source_address: str | None = None) -> int:
        """The id of the account with this destination address, created on first use."""
        found = self.value("SELECT id FROM accounts WHERE address = ?", (address,))
        if found is not None:
            return int(found)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO accounts (address, source_address, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (address) DO NOTHING",
                (address, source_address or address, timestamp()),
            )
        return int(self.value("SELECT id FROM accounts WHERE address = ?", (address,)))

    def set_phase(
        self, address: str, phase: str, status: PhaseStatus, detail: str | None = None
    ) -> None:
        """Record where an account stands in a phase."""
        account = self.account_id(address)
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO phases (account_id, phase, status, detail, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id, phase) DO UPDATE SET"
                " status = excluded.status, detail = excluded.detail,"
                " updated_at = excluded.updated_at",
                (account, phase, str(status), detail, timestamp()),
            )

    def phase_status(self, address: str, phase: str) -> PhaseStatus | None:
        """Where an account stands in a phase; None when the phase never ran for it."""
        found = self.value(
            "SELECT status FROM phases JOIN accounts ON accounts.id = phases.account_id"
            " WHERE accounts.address = ? AND phases.phase = ?",
            (address, phase),
        )
        return PhaseStatus(found) if found else None

    def phase_accounts(self, phase: str) -> list[tuple[str, str]]:
        """(address, source address) of every account that has been through ``phase``."""
        rows = self.rows(
            "SELECT address, source_address FROM accounts"
            " JOIN phases ON phases.account_id = accounts.id"
            " WHERE phases.phase = ? ORDER BY address",
            (phase,),
        )
        return [(str(row["address"]), str(row["source_address"])) for row in rows]

    # -- the event log ------------------------------------------------------------------------

    def log(
        self,
        level: str,
        phase: str,
        message: str,
        *,
        account: str | None = None,
        location: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry to the event log."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO events (at, level, phase, account, location, message, details)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    timestamp(),
                    level,
                    phase,
                    account,
                    location,
                    message,
                    json.dumps(details) if details else None,
                ),
            )

    def events(self, *, phase: str | None = None, account: str | None = None) -> Iterator[Event]:
        """The event log in order, optionally for one phase or account."""
        sql = "SELECT at, level, phase, account, location, message FROM events WHERE 1 = 1"
        parameters: list[str] = []
        if phase:
            sql += " AND phase = ?"
            parameters.append(phase)
        if account:
            sql += " AND account = ?"
            parameters.append(account)
        for row in self.rows(sql + " ORDER BY id", parameters):
            at = datetime.fromisoformat(row["at"])
            yield Event(
                at, row["level"], row["phase"], row["account"], row["location"], row["message"]
            )


def _sqlite_path(url: str) -> str:
    """The file of a ``sqlite:///path`` URL (four slashes for an absolute path)."""
    scheme, separator, rest = url.partition("://")
    if scheme != "sqlite" or not separator:
        # TODO: a PostgreSQL store, for work spread over several hosts, is not supported yet;
        # until it is, every host would need its own file and its own share of the accounts.
        raise StateError(
            f"state store {url!r} cannot be used: only sqlite:///path URLs are supported",
            remedy="set run.state to a file path",
        )
    return rest.removeprefix("/") or ":memory:"


def _connect(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), rows readable by name.

    WAL keeps the file consistent when the process is killed; the busy timeout lets other
    writers finish first.
    """
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=ON")
    return connection
