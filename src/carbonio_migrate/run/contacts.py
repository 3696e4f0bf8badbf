"""Phase 2-3: each account's contacts, converted and imported into its Contacts, once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from carbonio_migrate.calendars.dav import DavSource
from carbonio_migrate.calendars.events import Document
from carbonio_migrate.config import ContactFormatChoice, Settings
from carbonio_migrate.contacts.csvread import ContactsRead, read_contacts_csv
from carbonio_migrate.contacts.model import Contact, keyed
from carbonio_migrate.contacts.vcardread import read_vcards
from carbonio_migrate.contacts.writer import (
    content_type,
    dropped_fields,
    file_suffix,
    import_query,
    render,
    vcard_fields,
)
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.imports import Batch, Item, Options, PhaseResult, Prepared, run_phase
from carbonio_migrate.run.items import ItemKind

PHASE = "contacts"


class ContactPhase:
    """Contacts go to the account's Contacts in the configured format, a batch per request.

    Carbonio adds a contact for every one it is sent, so a contact that changed after it
    was imported is reported and not sent again.
    """

    name = PHASE
    kind = ItemKind.CONTACT
    folder = "Contacts"
    suffixes: tuple[str, ...] = (".csv", ".vcf")
    updates_in_place = False

    def __init__(self, settings: Settings) -> None:
        imports = settings.imports
        self.format = imports.contact_format
        self.per_request = imports.contacts_per_request
        self.query = import_query(self.format, imports.csvlocale)
        self.content_type = content_type(self.format)
        self.file_suffix = file_suffix(self.format)

    def prepare(self, documents: Sequence[Document]) -> Prepared:
        """Read every contact of the account's files (CSV or vCard, by content)."""
        # TODO: e-mail addresses in contacts keep their old domain; mapping.domains is applied
        # to calendars' attendees only, as an old domain often stays as an alias.
        prepared = Prepared()
        contacts: list[Contact] = []
        for document in documents:
            read = _read(document)
            contacts += read.contacts
            prepared.findings += read.findings
            prepared.read += read.read
            prepared.broken += read.broken
        prepared.items = [
            Item(key, contact.fingerprint(), key, contact.where, contact)
            for key, contact in keyed(contacts)
        ]
        return prepared

    def batches(self, items: Sequence[Item], context: object) -> list[Batch]:  # noqa: ARG002
        """Bodies of ``contacts_per_request`` contacts each."""
        batches = []
        for start in range(0, len(items), self.per_request):
            chunk = items[start : start + self.per_request]
            body = render(self.format, [cast(Contact, item.payload) for item in chunk])
            batches.append(Batch(body, tuple(chunk)))
        return batches

    def from_dav(self, dav: DavSource, account: str) -> list[Document]:
        """The account's address books on the DAV server."""
        return dav.address_books(account)

    def notes(self, items: Sequence[Item]) -> list[str]:
        """Fields the chosen format cannot carry, once per account."""
        contacts = [cast(Contact, item.payload) for item in items]
        notes = []
        dropped = dropped_fields(self.format, contacts)
        if dropped:
            notes.append(
                f"{', '.join(dropped)}: not carried by contact_format = {self.format}; "
                'use "carbonio-csv" or "vcard" to keep them'
            )
        custom = sorted({n for c in contacts for n in c.fields if not vcard_fields(n)})
        if self.format == ContactFormatChoice.VCARD and custom:
            notes.append(f"{', '.join(custom)}: no vCard property; written into the note")
        return notes


def _read(document: Document) -> ContactsRead:
    """A vCard file (by suffix or content) or a CSV file."""
    head = document.data[:64].lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    if document.name.lower().endswith(".vcf") or head.startswith(b"BEGIN:VCARD"):
        return read_vcards(document.name, document.data)
    return read_contacts_csv(document.name, document.data)


def import_contacts(settings: Settings, connections: Connections, options: Options) -> PhaseResult:
    """Run phase 2-3 for every account (or those of ``options.accounts``)."""
    return run_phase(ContactPhase(settings), settings, connections, options)
