"""The plan: who and what will move, read from the source, with nothing changed anywhere."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from carbonio_migrate.config import Settings
from carbonio_migrate.directory.reader import DirectorySnapshot, Person, read_directory
from carbonio_migrate.errors import InputError, MigrateError
from carbonio_migrate.exports import (
    CALENDAR_SUFFIXES,
    CONTACT_SUFFIXES,
    ExportFiles,
    find_exports,
)
from carbonio_migrate.mail.endpoint import MailServer
from carbonio_migrate.mail.inventory import MailboxSummary, opened, summarise
from carbonio_migrate.provision.dl_csv import read_list_file
from carbonio_migrate.run.connect import Connections

log = logging.getLogger(__name__)

NOT_MIGRATED = (
    "Shares (phase 3) cannot be migrated: the source is not a Zextras-compatible platform, "
    "so users must share their folders again on Carbonio.",
    "Carbonio Files (phase 4) cannot be migrated from this kind of source: users upload "
    "their documents again.",
)


@dataclass(frozen=True)
class PlannedList:
    """A distribution list to create, and where it was defined."""

    address: str
    name: str
    members: tuple[str, ...]
    origin: str  # "directory <dn>" or "<file>:<line>"
    unknown_members: tuple[str, ...] = ()


@dataclass
class Plan:
    """Everything ``plan`` shows; ``problems`` count toward the exit status."""

    accounts: list[Person] = field(default_factory=list)
    disabled: list[Person] = field(default_factory=list)
    lists: list[PlannedList] = field(default_factory=list)
    mailboxes: dict[str, MailboxSummary] = field(default_factory=dict)
    calendars: ExportFiles | None = None
    contacts: ExportFiles | None = None
    problems: list[str] = field(default_factory=list)
    not_migrated: tuple[str, ...] = NOT_MIGRATED


def make_plan(settings: Settings, connections: Connections) -> Plan:
    """Read the directory, the mailboxes (EXAMINE only) and the export folders."""
    plan = Plan()
    with connections.directory() as directory:
        snapshot = read_directory(settings, directory)
    # In address order: the directory's own order reads as none in a table of hundreds.
    plan.accounts = sorted(snapshot.people, key=lambda person: person.address)
    plan.disabled = sorted(snapshot.disabled, key=lambda person: person.address)
    plan.problems += [f"{problem.dn}: {problem.message}" for problem in snapshot.problems]

    _plan_lists(settings, snapshot, plan)
    _plan_mailboxes(connections.source_imap(), settings.run.workers, plan)

    addresses = [person.address for person in plan.accounts]
    disabled = [person.address for person in plan.disabled]
    files = settings.files
    plan.calendars = find_exports(
        files.calendars, CALENDAR_SUFFIXES, addresses, settings.map_address, disabled
    )
    plan.contacts = find_exports(
        files.contacts, CONTACT_SUFFIXES, addresses, settings.map_address, disabled
    )
    for kind, found in (("calendar", plan.calendars), ("contacts", plan.contacts)):
        plan.problems += [f"{path}: {kind} file for an unknown account" for path in found.unknown]
    return plan


def _plan_lists(settings: Settings, snapshot: DirectorySnapshot, plan: Plan) -> None:
    """Lists from directory groups with a mail address, then from dl_provisioning.csv."""
    for group in snapshot.groups:
        if not group.address:
            plan.problems.append(f"{group.dn}: group without a mail address is not migrated")
            continue
        members, unknown = snapshot.member_addresses(group)
        plan.lists.append(
            PlannedList(
                group.address,
                group.display_name or group.name,
                tuple(members),
                f"directory {group.dn}",
                tuple(unknown),
            )
        )

    path = settings.files.distribution_lists
    if path is None:
        return
    from_directory = {planned.address for planned in plan.lists}
    found = read_list_file(path, settings.map_address)
    plan.problems += [str(problem) for problem in found.problems]
    for row in found.lists:
        if row.address in from_directory:
            continue  # the directory's group describes the same list
        plan.lists.append(
            PlannedList(row.address, row.name, row.members, f"{path.name}:{row.line}")
        )


def _plan_mailboxes(server: MailServer, workers: int, plan: Plan) -> None:
    """Count every mailbox's folders, messages and bytes, several accounts at a time."""
    for address, result in asyncio.run(_inventory(server, workers, plan.accounts)):
        if isinstance(result, MailboxSummary):
            plan.mailboxes[address] = result
        else:
            plan.problems.append(str(InputError(address, result.message)))


async def _inventory(
    server: MailServer, workers: int, people: list[Person]
) -> list[tuple[str, MailboxSummary | MigrateError]]:
    """Each person's mailbox summary, or why it could not be read, in the order given."""
    limit = asyncio.Semaphore(workers)

    async def inventory(person: Person) -> tuple[str, MailboxSummary | MigrateError]:
        async with limit:
            try:
                async with opened(server, person.source_address) as mailbox:
                    return person.address, await summarise(mailbox, person.source_address)
            except MigrateError as exc:
                return person.address, exc

    return list(await asyncio.gather(*(inventory(person) for person in people)))
