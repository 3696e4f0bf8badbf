"""Phase 2-2: each account's calendar, checked, repaired, and imported into its Calendar."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from carbonio_migrate.calendars.dav import DavSource
from carbonio_migrate.calendars.events import AddressMap, Document, EventItem, read_calendar
from carbonio_migrate.calendars.lines import Component
from carbonio_migrate.calendars.writer import calendar_chunks
from carbonio_migrate.config import Settings
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.imports import Batch, Item, Options, PhaseResult, Prepared, run_phase
from carbonio_migrate.run.items import ItemKind

PHASE = "calendars"


class CalendarPhase:
    """Events go to the account's Calendar as iCalendar; Carbonio updates them by UID."""

    name = PHASE
    kind = ItemKind.EVENT
    folder = "Calendar"
    suffixes: tuple[str, ...] = (".ics",)
    updates_in_place = True
    query = "fmt=ics"
    content_type = "text/calendar; charset=utf-8"
    file_suffix = ".ics"

    def __init__(self, settings: Settings) -> None:
        self.address_map = AddressMap(settings.mapping.domains)

    def prepare(self, documents: Sequence[Document]) -> Prepared:
        """Read, check and repair the events of an account's documents."""
        read = read_calendar(documents, self.address_map)
        items = [Item(e.key, e.fingerprint, e.uid, e.where, e) for e in read.events]
        return Prepared(
            items, read.findings, read.read, read.broken, read.skipped, context=read.timezones
        )

    def batches(self, items: Sequence[Item], context: object) -> list[Batch]:
        """iCalendar bodies below Carbonio's streaming size, time zones first."""
        zones = cast(dict[str, Component], context or {})
        by_event = {id(item.payload): item for item in items}
        events = [cast(EventItem, item.payload) for item in items]
        return [
            Batch(chunk.body, tuple(by_event[id(event)] for event in chunk.events))
            for chunk in calendar_chunks(events, zones)
        ]

    def from_dav(self, dav: DavSource, account: str) -> list[Document]:
        """The account's calendars on the DAV server."""
        return dav.calendars(account)

    def notes(self, items: Sequence[Item]) -> list[str]:  # noqa: ARG002 - the protocol's
        """Nothing to add: every event property is carried."""
        return []


def import_calendars(
    settings: Settings, connections: Connections, options: Options
) -> PhaseResult:
    """Run phase 2-2 for every account (or those of ``options.accounts``)."""
    return run_phase(CalendarPhase(settings), settings, connections, options)
