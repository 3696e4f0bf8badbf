"""What a mail or verify run works on: the accounts, both IMAP servers, the folder rules and
the state store, chosen from the configuration and the command line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from carbonio_migrate.config import Settings
from carbonio_migrate.errors import MigrateError
from carbonio_migrate.mail.endpoint import MailServer
from carbonio_migrate.mail.folders import FolderRules
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.state import StateStore

PHASE = "mail"


@dataclass(frozen=True)
class MailAccount:
    """An account to copy: its destination address and its address on the source."""

    address: str
    source_address: str


def resolve_accounts(
    settings: Settings,
    connections: Connections,
    wanted: Sequence[str],
    store: StateStore | None = None,
) -> list[MailAccount]:
    """The accounts to work on: all of the directory's, or those named by either address.

    Named accounts that an earlier mail run already went through are taken from the state
    store, which spares a rerun the directory search; any other name is looked up there.
    """
    lowered = [name.strip().lower() for name in wanted]
    if lowered and store is not None:
        recorded = [MailAccount(*pair) for pair in store.phase_accounts(PHASE)]
        chosen = _choose(recorded, lowered)
        if chosen is not None:
            return chosen

    found = _directory_accounts(settings, connections)
    if not lowered:
        return found
    chosen = _choose(found, lowered)
    if chosen is None:
        missing = next(n for n in lowered if not _named(found, n))
        raise MigrateError(
            f"{missing} is not an account of the source directory",
            remedy="give the address as the directory or Carbonio knows it",
        )
    return chosen


def _directory_accounts(settings: Settings, connections: Connections) -> list[MailAccount]:
    from carbonio_migrate.directory.reader import read_directory  # only when needed: ldap3

    with connections.directory() as directory:
        snapshot = read_directory(settings, directory)
    people = list(snapshot.people)
    if settings.source.directory.include_disabled:
        people += snapshot.disabled
    return [MailAccount(person.address, person.source_address) for person in people]


def _named(accounts: Sequence[MailAccount], name: str) -> list[MailAccount]:
    return [a for a in accounts if name in (a.address, a.source_address)]


def _choose(accounts: Sequence[MailAccount], names: Sequence[str]) -> list[MailAccount] | None:
    """The accounts each name designates, in order; None when a name designates none."""
    chosen: list[MailAccount] = []
    for name in names:
        match = _named(accounts, name)
        if not match:
            return None
        chosen += [a for a in match if a not in chosen]
    return chosen


@dataclass
class MailWork:
    """What a mail or verify run works on: the accounts, both servers, the state store."""

    store: StateStore
    accounts: list[MailAccount]
    source: MailServer
    destination: MailServer


@contextmanager
def open_work(
    settings: Settings,
    connections: Connections,
    wanted: Sequence[str],
    accounts: Sequence[MailAccount] | None = None,
) -> Iterator[MailWork]:
    """The state store opened (and closed at the end), ``accounts`` or those ``wanted``."""
    store = StateStore.open(settings.state_url)
    try:
        chosen = (
            list(accounts)
            if accounts is not None
            else resolve_accounts(settings, connections, wanted, store)
        )
        yield MailWork(store, chosen, *mail_servers(connections))
    finally:
        store.close()


def folder_rules(
    settings: Settings, include: Sequence[str], exclude: Sequence[str]
) -> FolderRules:
    """The configuration's folder rules with those of the command line added."""
    return FolderRules(
        include=(*settings.mail.include, *include), exclude=(*settings.mail.exclude, *exclude)
    )


def mail_servers(connections: Connections) -> tuple[MailServer, MailServer]:
    """The source and destination IMAP servers, with their administrators' passwords."""
    return connections.source_imap(), connections.destination_imap()
