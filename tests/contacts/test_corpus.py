"""The contact corpus: exports of several programs and damaged files give exactly the expected
contacts and findings, and every format the tool writes arrives in the emulator intact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.calendars.events import Document
from carbonio_migrate.calendars.lines import Severity
from carbonio_migrate.carbonio.rest import RestClient
from carbonio_migrate.carbonio.soap import AdminClient
from carbonio_migrate.config import ContactFormatChoice
from carbonio_migrate.contacts.csvread import ContactsRead
from carbonio_migrate.contacts.writer import content_type, import_query, render, vcard_fields
from carbonio_migrate.run.contacts import _read
from lab.emulator import CarbonioEmulator

CORPUS = Path(__file__).parent.parent / "data" / "contacts"

# file: (records read, contacts kept, broken, [(severity, "where", "text in the message")])
EXPECTED: dict[str, tuple[int, int, int, list[tuple[Severity, str, str]]]] = {
    "apple-contacts.vcf": (1, 1, 0, []),
    "broken-rows.csv": (5, 2, 3, [
        (Severity.BROKEN, ":3", "contact with no usable field"),
        (Severity.BROKEN, ":4", "row left out"),
        (Severity.BROKEN, ":6", "a quoted field is never closed; lines 6-7 left out"),
    ]),
    "carbonio-native.csv": (1, 1, 0, [(Severity.NOTE, ":1", "Carbonio layout")]),
    "google-legacy.csv": (1, 1, 0, [(Severity.NOTE, ":1", "Google layout")]),
    "google.csv": (3, 2, 1, [(Severity.BROKEN, ":3", "contact with no usable field")]),
    "only-header.csv": (0, 0, 0, []),
    "outlook-semicolon.csv": (2, 2, 0, [(Severity.NOTE, ":1", "Outlook layout")]),
    "outlook-utf16.csv": (2, 2, 0, [(Severity.NOTE, ":1", "Outlook layout")]),
    "semicolon-generic.csv": (1, 1, 0, [
        (Severity.REPAIRED, ":1", "each column is kept as a custom field"),
    ]),
    "thunderbird-de-cp1252.csv": (2, 2, 0, [
        (Severity.REPAIRED, ":1", "not UTF-8; the file is read as Windows-1252"),
        (Severity.NOTE, ":1", "Thunderbird layout"),
    ]),
    "thunderbird.csv": (3, 3, 0, [(Severity.NOTE, ":1", "Thunderbird layout")]),
    "vcard-broken.vcf": (5, 2, 3, [
        (Severity.BROKEN, ":7", "BEGIN:VCARD is not closed before line 11"),
        (Severity.BROKEN, ":11", "vCard with no usable field"),
        (Severity.BROKEN, ":15", "line 18: cannot be read as NAME;PARAMETERS:VALUE"),
    ]),
    "vcard21-qp.vcf": (2, 2, 0, []),
    "vcard30-multi.vcf": (1, 1, 0, []),
    "vcard40.vcf": (1, 1, 0, []),
}  # fmt: skip

# Fields that must come out of particular files, exactly.
FIELDS = {
    "thunderbird.csv": {
        "firstName": "Anna",
        "company": "Example, S.p.A.",
        "email2": "anna.private@mail.example.org",
        "homeStreet": "Via Roma 1\nScala B",
        "birthday": "1980-03-15",
        "notes": "Likes tea.\nCall after 10.",
    },
    "thunderbird-de-cp1252.csv": {"lastName": "Müller", "homeStreet": "Königstraße 5"},
    "outlook-semicolon.csv": {
        "namePrefix": "Dr.",
        "workStreet": "29 bd Haussmann\nBât. A",
        "birthday": "1980-03-15",
        "notes": "Rendez-vous; mardi",
        "email2": "p.durand@mail.example.org",
    },
    "outlook-utf16.csv": {"company": "株式会社サンプル", "homeCity": "東京"},
    "google.csv": {
        "email": "lucia@studio.example.it",
        "email2": "l.bianchi@studio.example.it",
        "email3": "lucia@mail.example.org",
        "mobilePhone": "+39 347 1234567",
        "workFax": "+39 02 999",
        "workStreet": "Via Dante 3",
        "workURL": "https://studio.example.it",
    },
    "google-legacy.csv": {"fullName": "Marco Rossi", "company": "Rossi & Figli"},
    "carbonio-native.csv": {"homeStreet": "Corso Como 1\nScala C", "Favourite colour": "blue"},
    "vcard21-qp.vcf": {
        "fullName": "Jürgen Müller",
        "homeStreet": "Hauptstraße 1\nHinterhaus",
        "notes": "Erste Zeile\nzweite Zeile",
        "homeFax": "+49 89 999",
        "email2": "j.mueller@mail.example.de",
    },
    "vcard30-multi.vcf": {
        "email3": "jim@other.example.org",
        "company": 'Partner & Co. "Verdi"',
        "department": "Sales",
        "homeStreet": "1 Home Lane\nFlat 2",
        "notes": "Line one\nLine two, with comma",
    },
    "vcard40.vcf": {
        "mobilePhone": "+34-600-123-456",
        "birthday": "--04-15",
        "anniversary": "2010-06-12",
    },
    "apple-contacts.vcf": {"email": "taro@sample.example.com", "homeState": "東京都"},
}


def read(name: str) -> ContactsRead:
    return _read(Document(name, (CORPUS / name).read_bytes()))


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_and_findings(name: str) -> None:
    result = read(name)
    records, kept, broken, findings = EXPECTED[name]

    assert (result.read, len(result.contacts), result.broken) == (records, kept, broken)
    for severity, where, text in findings:
        assert any(
            f.severity == severity and f.where == name + where and text in f.message
            for f in result.findings
        ), f"{severity} {name}{where} {text!r} not in {result.findings}"
    assert len([f for f in result.findings if f.severity == Severity.BROKEN]) == broken


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_fields_of_each_exporter(name: str) -> None:
    first = read(name).contacts[0].fields

    assert {key: first.get(key) for key in FIELDS[name]} == FIELDS[name]


def test_photos_are_kept_from_every_vcard_version() -> None:
    for name in ("vcard21-qp.vcf", "vcard40.vcf", "apple-contacts.vcf"):
        photo = read(name).contacts[0].photo
        assert photo is not None and photo[1], name
    assert read("vcard40.vcf").contacts[0].photo == (
        "PNG",
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[CarbonioEmulator]:
    with CarbonioEmulator() as started:
        started.add_domain("example.io")
        started.add_admin("admin@example.io", "Admin-pass1")
        yield started


@pytest.mark.parametrize("kind", [ContactFormatChoice.CARBONIO_CSV, ContactFormatChoice.VCARD])
def test_every_kept_contact_arrives_with_its_fields(
    emulator: CarbonioEmulator, kind: ContactFormatChoice
) -> None:
    with AdminClient(emulator.admin_url, user="admin@example.io", password="Admin-pass1") as admin:
        rest = RestClient(emulator.admin_url, admin)
        for index, name in enumerate(sorted(EXPECTED)):
            contacts = read(name).contacts
            if not contacts:
                continue
            account = f"{kind}-{index}@example.io"
            emulator.add_account(account)
            rest.post(
                account, "Contacts", import_query(kind, "en_US"), render(kind, contacts),
                content_type(kind),
            )  # fmt: skip
            stored = sorted(sorted(c.items()) for c in emulator.store.contacts(account))
            sent = [c.fields for c in contacts]
            if kind == ContactFormatChoice.VCARD:
                sent = [_as_vcard_keeps(fields) for fields in sent]
                stored = [[item for item in c if item[0] != "fullName"] for c in stored]
                sent = [{k: v for k, v in c.items() if k != "fullName"} for c in sent]
            assert stored == sorted(sorted(c.items()) for c in sent), name
        rest.close()


def _as_vcard_keeps(fields: dict[str, str]) -> dict[str, str]:
    """The fields a vCard carries; custom columns have no vCard property and join the note."""
    kept = {key: value for key, value in fields.items() if vcard_fields(key)}
    extra = [f"{key}: {value}" for key, value in sorted(fields.items()) if not vcard_fields(key)]
    note = "\n".join(part for part in (fields.get("notes", ""), *extra) if part)
    return {**kept, "notes": note} if note else kept
