"""The state store: what has been done for every account, folder, message and item.

State is the truth a rerun trusts. Each write is its own small transaction, so a process
killed at any moment loses at most the step it was taking. The store is a SQLite file beside
the configuration by default (write-ahead log, so a kill never corrupts it), or any SQLAlchemy
URL, such as PostgreSQL when several hosts share the work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

from carbonio_migrate.errors import StateError

SCHEMA_VERSION = 2

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", String(320), nullable=False, unique=True),  # on the destination
    Column("source_address", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

phases = Table(
    "phases",
    metadata,
    Column("account_id", ForeignKey("accounts.id"), primary_key=True),
    Column("phase", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("detail", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

folders = Table(
    "folders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("source_name", Text, nullable=False),
    Column("destination_name", Text, nullable=False),
    Column("subscribed", Boolean, nullable=False, default=False),
    # The UIDVALIDITYs the UID map in `messages` holds for; a change on either side voids it.
    Column("source_uidvalidity", BigInteger),
    Column("destination_uidvalidity", BigInteger),
    # The source's STATUS at the start of the last complete pass: unchanged means nothing to do.
    Column("source_uidnext", BigInteger),
    Column("source_messages", BigInteger),
    Column("source_highestmodseq", BigInteger),
    UniqueConstraint("account_id", "source_name"),
)

messages = Table(
    "messages",
    metadata,
    Column("folder_id", ForeignKey("folders.id"), primary_key=True),
    Column("source_uid", BigInteger, primary_key=True),
    # "intent" (APPEND about to be sent, answer unknown), "copied", "present" (found there
    # already), "refused" (with the destination's reason).
    Column("state", String(8), nullable=False),
    Column("destination_uid", BigInteger),  # NULL until the destination confirmed it
    Column("fingerprint", String(96), nullable=False),  # header hash and size, to match copies
    Column("size", BigInteger, nullable=False),
    Column("flags", Text, nullable=False, default=""),  # the source's, as last carried over
    Column("reason", Text),
    Index("messages_by_state", "folder_id", "state"),
)

items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # "event" or "contact"
    Column("key", Text, nullable=False),  # the event's UID, or the contact's identity
    Column("fingerprint", String(64), nullable=False),
    # "imported"; "written" to a command file; "uncertain" when the server failed mid-import.
    Column("status", String(16), nullable=False, default="imported"),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("account_id", "kind", "key"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("level", String(8), nullable=False),
    Column("phase", String(32), nullable=False),
    Column("account", String(320)),
    Column("location", Text),  # file:line, folder/UID, ...
    Column("message", Text, nullable=False),
    Column("details", Text),  # JSON
)

Index("events_by_account", events.c.account, events.c.phase)


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


def _now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """Progress of the migration, kept in a database; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> StateStore:
        """Open (and create or check the schema of) the store at a SQLAlchemy URL."""
        try:
            engine = create_engine(url)
        except (SQLAlchemyError, ValueError) as exc:
            raise StateError(f"state store {url!r} cannot be used: {exc}") from None

        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _tune_sqlite)

        store = cls(engine)
        store._prepare_schema(url)
        return store

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def _prepare_schema(self, url: str) -> None:
        try:
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                found = conn.execute(select(meta.c.value).where(meta.c.key == "schema")).scalar()
                if found is None:
                    conn.execute(insert(meta).values(key="schema", value=str(SCHEMA_VERSION)))
        except SQLAlchemyError as exc:
            raise StateError(
                f"state store {url!r} cannot be opened: {getattr(exc, 'orig', None) or exc}"
            ) from None

        if found is not None and int(found) != SCHEMA_VERSION:
            raise StateError(
                f"state store {url!r} has schema version {found}, this program uses "
                f"{SCHEMA_VERSION}",
                remedy="use the carbonio-migrate version that wrote it, or a new state file",
            )

    # -- accounts and phases ----------------------------------------------------------------

    def account_id(self, address: str, *, source_address: str | None = None) -> int:
        """The id of the account with this destination address, created on first use."""
        with self.engine.begin() as conn:
            found = conn.execute(
                select(accounts.c.id).where(accounts.c.address == address)
            ).scalar()
            if found is not None:
                return int(found)
            created = conn.execute(
                insert(accounts)
                .values(
                    address=address, source_address=source_address or address, created_at=_now()
                )
                .returning(accounts.c.id)
            ).scalar_one()
            return int(created)

    def set_phase(
        self, address: str, phase: str, status: PhaseStatus, detail: str | None = None
    ) -> None:
        """Record where an account stands in a phase."""
        account = self.account_id(address)
        values = {"status": str(status), "detail": detail, "updated_at": _now()}
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(phases)
                .where(phases.c.account_id == account, phases.c.phase == phase)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(insert(phases).values(account_id=account, phase=phase, **values))

    def phase_status(self, address: str, phase: str) -> PhaseStatus | None:
        """Where an account stands in a phase; None when the phase never ran for it."""
        query = (
            select(phases.c.status)
            .join(accounts, accounts.c.id == phases.c.account_id)
            .where(accounts.c.address == address, phases.c.phase == phase)
        )
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        return PhaseStatus(found) if found else None

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
        with self.engine.begin() as conn:
            conn.execute(
                insert(events).values(
                    at=_now(),
                    level=level,
                    phase=phase,
                    account=account,
                    location=location,
                    message=message,
                    details=json.dumps(details) if details else None,
                )
            )

    def events(self, *, phase: str | None = None, account: str | None = None) -> Iterator[Event]:
        """The event log in order, optionally for one phase or account."""
        query = select(events).order_by(events.c.id)
        if phase:
            query = query.where(events.c.phase == phase)
        if account:
            query = query.where(events.c.account == account)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield Event(row.at, row.level, row.phase, row.account, row.location, row.message)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL keeps the file consistent when the process is killed; wait for other writers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
