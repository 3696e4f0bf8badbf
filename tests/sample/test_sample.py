"""Tests of the lab's sample organisation: directory, LDIF, mailboxes and export files."""

from __future__ import annotations

import base64
import csv
import email
import hashlib
import io
import statistics
import tracemalloc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path

import icalendar
import pytest

from lab.sample import (
    BENCH,
    DEMO,
    FilesSummary,
    Group,
    Mailbox,
    Message,
    Organisation,
    Person,
    make_mailboxes,
    make_organisation,
    write_all_files,
    write_calendar,
)

MB = 1_000_000
# fmt: off
THUNDERBIRD_HEADER = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
    "Screen Name", "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number",
    "Home Address", "Home Address 2", "Home City", "Home State", "Home ZipCode", "Home Country",
    "Work Address", "Work Address 2", "Work City", "Work State", "Work ZipCode", "Work Country",
    "Job Title", "Department", "Organization", "Web Page 1", "Web Page 2", "Birth Year",
    "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes", "",
]
# fmt: on


@pytest.fixture(scope="module")
def org() -> Organisation:
    return make_organisation()


def parse_ldif(text: str) -> list[list[tuple[str, str]]]:
    """Records of (attribute, value) pairs; hand-written because ldap3 reads no LDIF."""
    unfolded = text.replace("\n ", "")
    records = []
    for block in unfolded.strip("\n").split("\n\n"):
        record = []
        for line in block.split("\n"):
            name, _, rest = line.partition(":")
            if rest.startswith(":"):
                record.append((name, base64.b64decode(rest[1:].strip()).decode("utf-8")))
            else:
                record.append((name, rest.strip()))
        records.append(record)
    return records


def values(record: list[tuple[str, str]], name: str) -> list[str]:
    return [value for attribute, value in record if attribute.lower() == name.lower()]


# Directory


def test_same_seed_gives_same_directory_and_another_seed_another(org: Organisation) -> None:
    again = make_organisation()
    other = make_organisation(seed=2)

    assert again == org
    assert again.to_ldif() == org.to_ldif()
    assert other.to_ldif() != org.to_ldif()


def test_people_are_unique_and_cover_the_reader_cases(org: Organisation) -> None:
    uids = [person.uid.lower() for person in org.people]
    mails = [m.lower() for p in org.people for m in p.mails] + [
        g.mail for g in org.groups if g.mail
    ]
    without_mail = [person for person in org.people if not person.mail]
    display_names = {person.display_name for person in org.people}

    assert len(org.people) == 40
    assert len(set(uids)) == len(uids)
    assert len(set(mails)) == len(mails)
    assert [p.uid for p in without_mail] == ["nora.quinn"]
    assert without_mail[0].mails == ()
    assert [p.uid for p in org.people if p.uid != p.uid.lower()] == ["Pierre.Durand"]
    assert {"Zoë Façade", "Jürgen Müller", "Анна Иванова", "山田 太郎"} <= display_names
    assert all(len(p.alias_mails) <= 2 for p in org.people)
    assert (
        1 <= sum(any(m.endswith("@example.org") for m in p.alias_mails) for p in org.people) <= 2
    )
    assert any(p.alias_mails for p in org.people if not p.uid.startswith(("zoe", "jurgen")))
    for person in org.people:
        if person.mail:
            assert person.mail == f"{person.uid.lower()}@example.io"


def test_about_a_tenth_of_the_people_are_disabled(org: Organisation) -> None:
    disabled = [person for person in org.people if person.disabled]

    assert len(disabled) == 4
    assert all(person.mail for person in disabled)


def test_passwords_are_random_and_kept_out_of_repr(org: Organisation) -> None:
    passwords = [person.password for person in org.people]

    assert len(set(passwords)) == len(passwords)
    assert all(len(password) >= 16 for password in passwords)
    assert passwords[0] not in repr(org.people[0])


def test_groups_have_members_one_lacks_mail_and_one_is_nested(org: Organisation) -> None:
    by_cn = {group.cn: group for group in org.groups}
    staff = by_cn["staff"]
    nested = by_cn["all-teams"]

    assert [group.cn for group in org.groups if group.mail is None] == ["no-mail"]
    assert len(staff.member_dns) == len(org.people)
    assert org.group_dn(by_cn["sales"]) in nested.member_dns
    assert org.group_dn(by_cn["engineering"]) in nested.member_dns
    assert isinstance(org.resolve(nested.member_dns[0]), Group)
    assert any("," in g.description and " " in g.description for g in org.groups)
    for group in org.groups:
        assert group.member_dns
        assert all(org.resolve(dn) is not None for dn in group.member_dns)


def test_big_group_grows_the_organisation_to_its_size() -> None:
    big_org = make_organisation(people=2500, big_group_members=3000)
    big = next(group for group in big_org.groups if group.cn == "big-list")
    people = [big_org.resolve(dn) for dn in big.member_dns]

    assert len(big_org.people) == 3000
    assert len(set(big.member_dns)) == 3000
    assert all(isinstance(person, Person) for person in people)
    assert big.mail == "big-list@example.io"


def test_too_small_an_organisation_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        make_organisation(people=3)


def test_ldif_holds_every_entry_with_its_attributes(org: Organisation) -> None:
    text = org.to_ldif()
    records = parse_ldif(text)
    by_dn = {values(record, "dn")[0]: record for record in records}

    assert len(records) == 2 + len(org.people) + len(org.groups)
    assert {"ou=people,dc=example,dc=io", "ou=groups,dc=example,dc=io"} <= set(by_dn)
    for person in org.people:
        record = by_dn[org.people_dn(person)]
        classes = values(record, "objectClass")
        assert "inetOrgPerson" in classes
        assert values(record, "uid") == [person.uid]
        assert values(record, "displayName") == [person.display_name]
        assert values(record, "mail") == list(person.mails)
        assert values(record, "userPassword") == [person.password]
        assert ("shadowAccount" in classes) is person.disabled
        assert values(record, "shadowExpire") == (["1"] if person.disabled else [])
    for group in org.groups:
        record = by_dn[org.group_dn(group)]
        assert {"groupOfNames", "extensibleObject"} <= set(values(record, "objectClass"))
        assert values(record, "mail") == ([group.mail] if group.mail else [])
        assert values(record, "member") == list(group.member_dns)
        assert values(record, "description") == [group.description]


def test_ldif_is_ascii_with_base64_for_non_ascii_values(org: Organisation) -> None:
    text = org.to_ldif()
    lines = text.split("\n")

    assert text.isascii()
    assert max(len(line) for line in lines) <= 76
    assert "cn:: " + base64.b64encode("山田 太郎".encode()).decode() in text
    assert "uid: Pierre.Durand" in text


def test_ldif_can_move_to_another_suffix_and_carry_it(org: Organisation) -> None:
    records = parse_ldif(org.to_ldif(base_dn="dc=acme,dc=test", include_base=True))
    dns = [values(record, "dn")[0] for record in records]
    members = [member for record in records for member in values(record, "member")]

    assert dns[0] == "dc=acme,dc=test"
    assert values(records[0], "dc") == ["acme"]
    assert all(dn.endswith(",dc=acme,dc=test") for dn in dns[1:] + members)


# DEMO mailboxes


@dataclass
class DemoScan:
    """Facts gathered in one pass over every DEMO message."""

    folders: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    empty: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)
    huge: list[str] = field(default_factory=list)
    duplicates: Counter[str] = field(default_factory=Counter)
    shared_ids: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    missing_ids: int = 0
    messages: int = 0
    total: int = 0
    problems: list[str] = field(default_factory=list)


def scan_demo(org: Organisation) -> DemoScan:
    scan = DemoScan()
    for mailbox in make_mailboxes(org, DEMO, seed=1):
        scan.folders[mailbox.address] = {f.path for f in mailbox.folders}
        scan.empty[mailbox.address] = {f.path for f in mailbox.folders if not f.messages}
        for folder in mailbox.folders:
            scan_folder(scan, mailbox, folder.path, folder.messages)
    return scan


def scan_folder(
    scan: DemoScan, mailbox: Mailbox, path: tuple[str, ...], messages: Sequence[Message]
) -> None:
    seen: set[tuple[bytes, tuple[str, ...], object]] = set()
    ids: dict[str, bytes] = {}
    for message in messages:
        data = message.data
        scan.messages += 1
        scan.total += len(data)
        where = f"{mailbox.address}/{'/'.join(path)}"
        if len(data) > 10 * MB:
            scan.huge.append(mailbox.address)
        key = (hashlib.sha256(data).digest(), message.flags, message.internaldate)
        if key in seen:
            scan.duplicates[mailbox.address] += 1
        seen.add(key)
        if data.count(b"\n") != data.count(b"\r\n") or data.count(b"\r") != data.count(b"\r\n"):
            scan.problems.append(f"{where}: bare CR or LF")

        parsed = email.message_from_bytes(data, policy=policy.default)
        if any(part.defects for part in parsed.walk()):
            scan.problems.append(f"{where}: MIME defects")
        if parsedate_to_datetime(parsed["Date"]) != message.internaldate:
            scan.problems.append(f"{where}: Date differs from INTERNALDATE")
        if not parsed["From"] or not parsed["To"] or not parsed["Subject"]:
            scan.problems.append(f"{where}: missing From, To or Subject")
        if path == ("Drafts",) and "\\Draft" not in message.flags:
            scan.problems.append(f"{where}: draft without \\Draft")
        for attachment in parsed.iter_attachments():
            if not attachment.get_content() or not attachment.get_filename():
                scan.problems.append(f"{where}: attachment without content or name")

        message_id = parsed["Message-ID"]
        if message_id is None:
            scan.missing_ids += 1
            if not parsed["Received"]:
                scan.problems.append(f"{where}: no Message-ID and no Received")
        elif message_id in ids and ids[message_id] != data:
            scan.shared_ids.append((mailbox.address, path))
        elif message_id is not None:
            ids[message_id] = data


@pytest.fixture(scope="module")
def small_org() -> Organisation:
    # Parsing every message is the slow part; a dozen accounts cover every DEMO case.
    return make_organisation(people=12)


@pytest.fixture(scope="module")
def demo(small_org: Organisation) -> DemoScan:
    return scan_demo(small_org)


def test_demo_messages_parse_with_crlf_and_consistent_headers(demo: DemoScan) -> None:
    assert demo.messages > 25 * 11
    assert demo.problems == []


def test_demo_has_mail_for_everyone_with_an_address(
    small_org: Organisation, demo: DemoScan
) -> None:
    assert set(demo.folders) == {person.mail for person in small_org.mail_people}
    assert any(person.disabled for person in small_org.mail_people)


def test_demo_folders_include_non_ascii_nested_and_empty_ones(demo: DemoScan) -> None:
    wanted = {("Projets", "Société"), ("Привет",), ("R&D",), ("Archive", "2023")}
    for address, paths in demo.folders.items():
        assert wanted <= paths, address
        assert {("Empty",), ("Old Stuff",)} <= demo.empty[address]
        assert ("Old Stuff", "Keep") in paths
        assert ("Old Stuff", "Keep") not in demo.empty[address]
        assert all("." not in name and "/" not in name for path in paths for name in path)


def test_demo_folder_names_vary_like_other_clients(demo: DemoScan) -> None:
    paths = list(demo.folders.values())

    assert sum(("Notes: 2024",) in folders for folders in paths) == 1
    assert sum({("Sent Items",), ("Deleted Items",)} <= folders for folders in paths) == 1
    assert any(("Spam",) in folders for folders in paths)
    assert all(("Junk",) in f or ("Spam",) in f for f in paths)


def test_demo_has_exactly_two_huge_messages_in_two_accounts(demo: DemoScan) -> None:
    assert len(demo.huge) == 2
    assert len(set(demo.huge)) == 2


def test_demo_has_duplicates_and_different_messages_sharing_an_id(demo: DemoScan) -> None:
    assert set(demo.duplicates) == set(demo.folders)
    assert all(count >= 2 for count in demo.duplicates.values())
    assert len(demo.shared_ids) == len(demo.folders)
    assert all(path == ("INBOX",) for _, path in demo.shared_ids)
    assert demo.missing_ids > 0


def test_demo_renders_one_message_at_a_time(org: Organisation) -> None:
    total = 0
    tracemalloc.start()
    try:
        for mailbox in make_mailboxes(org, DEMO, seed=1):
            total += sum(len(m.data) for folder in mailbox.folders for m in folder.messages)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert total > 80 * MB
    assert peak < total / 2


def test_demo_mail_is_deterministic_and_depends_on_the_seed(org: Organisation) -> None:
    def digest(seed: int) -> str:
        mailbox = next(make_mailboxes(org, DEMO, seed=seed))
        hasher = hashlib.sha256()
        for folder in mailbox.folders:
            hasher.update("/".join(folder.path).encode())
            for message in folder.messages:
                hasher.update(message.data + repr((message.flags, message.internaldate)).encode())
        return hasher.hexdigest()

    assert digest(1) == digest(1)
    assert digest(1) != digest(2)


def test_folder_messages_can_be_indexed_like_iterated(org: Organisation) -> None:
    inbox = next(make_mailboxes(org, DEMO, seed=1)).folders[0]
    iterated = list(inbox.messages)

    assert inbox.path == ("INBOX",)
    assert not isinstance(inbox.messages, list)
    assert len(inbox.messages) == len(iterated) > 0
    assert inbox.messages[0] == iterated[0]
    assert inbox.messages[-1] == iterated[-1]
    assert inbox.messages[1:3] == iterated[1:3]


# BENCH mailboxes


def test_bench_matches_the_benchmark_data_set(org: Organisation) -> None:
    """One lazy pass over all 10,020 messages, summing sizes and counting properties."""
    sizes: list[int] = []
    flags: Counter[str] = Counter()
    huge: Counter[str] = Counter()
    duplicates: Counter[str] = Counter()
    folder_counts = []
    without_id = 0
    for mailbox in make_mailboxes(org, BENCH, seed=1):
        folder_counts.append(len(mailbox.folders))
        for folder in mailbox.folders:
            seen = set()
            for message in folder.messages:
                data = message.data
                sizes.append(len(data))
                flags.update(message.flags)
                huge[mailbox.address] += len(data) > 10 * MB
                key = (hashlib.blake2b(data).digest(), message.flags, message.internaldate)
                duplicates[mailbox.address] += key in seen
                seen.add(key)
                head = data[: data.index(b"\r\n\r\n")]
                if b"\r\nMessage-ID:" not in head:
                    without_id += 1
                    assert b"\r\nReceived: from" in b"\r\n" + head
                if folder.path == ("Drafts",):
                    assert "\\Draft" in message.flags

    count = len(sizes)
    total = sum(sizes)
    assert count == 10_020
    assert folder_counts == [20, 20, 20, 20]
    assert abs(total - 737.5 * MB) / (737.5 * MB) < 0.03
    assert 7_500 < statistics.median(sizes) < 9_500
    assert abs(sum(2_000 <= s < 20_000 for s in sizes) / count - 0.803) < 0.01
    assert abs(sum(20_000 <= s < 100_000 for s in sizes) / count - 0.122) < 0.01
    assert abs(sum(100_000 <= s <= 2 * MB for s in sizes) / count - 0.074) < 0.01
    assert list(huge.values()) == [3, 3, 3, 3]
    assert list(duplicates.values()) == [5, 5, 5, 5]
    assert 0.003 < without_id / count < 0.007
    assert abs(flags["\\Seen"] / count - 0.75) < 0.03
    assert abs(flags["\\Answered"] / count - 0.12) < 0.02
    assert abs(flags["\\Flagged"] / count - 0.04) < 0.015
    assert abs(flags["$Forwarded"] / count - 0.03) < 0.01
    assert abs(flags["$Label1"] / count - 0.02) < 0.01


def test_bench_folders_follow_the_data_set(org: Organisation) -> None:
    mailbox = next(make_mailboxes(org, BENCH, seed=1))
    paths = {folder.path: len(folder.messages) for folder in mailbox.folders}
    wanted = {
        ("Archive", "2022"),
        ("Archive", "2024"),
        ("Projects", "Alpha", "Specs"),
        ("Clients", "Société Générale"),
        ("Привет мир",),
        ("日本語フォルダ",),
        ("R&D",),
        ("Old Stuff",),
    }

    assert wanted <= {path for path, count in paths.items() if count}
    assert paths[("Archive",)] == paths[("Projects", "Alpha")] == paths[("Empty Folder",)] == 0
    archive = next(f for f in mailbox.folders if f.path == ("Archive", "2022")).messages
    assert all(message.internaldate.year == 2022 for message in archive[:20])


# Files


@pytest.fixture(scope="module")
def written(
    org: Organisation, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, FilesSummary]:
    directory = tmp_path_factory.mktemp("files")
    return directory, write_all_files(org, directory, seed=1)


@pytest.fixture
def files(written: tuple[Path, FilesSummary]) -> Path:
    return written[0]


def test_files_are_deterministic(org: Organisation, files: Path, tmp_path: Path) -> None:
    write_all_files(org, tmp_path, seed=1)
    written = sorted(p.relative_to(files) for p in files.rglob("*") if p.is_file())

    assert written == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all((files / p).read_bytes() == (tmp_path / p).read_bytes() for p in written)


def test_dl_csv_lists_groups_with_mail_and_their_member_addresses(
    org: Organisation, files: Path
) -> None:
    raw = (files / "dl_provisioning.csv").read_bytes()
    rows = [row for row in csv.reader(io.StringIO(raw.decode("utf-8"))) if row]
    addresses = {org.people_dn(p): p.mail for p in org.people} | {
        org.group_dn(g): g.mail for g in org.groups
    }
    expected = [
        [
            g.mail,
            g.description,
            g.display_name,
            *[addresses[d] for d in g.member_dns if addresses[d]],
        ]
        for g in org.groups
        if g.mail
    ]

    assert b"\r" not in raw
    assert b'"Engineering, platform and operations"' in raw
    assert any(line.endswith(b",") for line in raw.splitlines())
    assert any(not line.endswith(b",") for line in raw.splitlines())
    assert [[cell for cell in row if cell] for row in rows] == expected
    all_teams = next(row for row in rows if row[0] == "all-teams@example.io")
    assert {"sales@example.io", "engineering@example.io"} <= set(all_teams)


def test_files_cover_all_accounts_but_two_plus_a_stranger(
    org: Organisation, written: tuple[Path, FilesSummary]
) -> None:
    files, summary = written
    calendars = {p.name.removesuffix(".ics") for p in (files / "calendars").iterdir()}
    contacts = {p.name.removesuffix(".csv") for p in (files / "contacts").iterdir()}
    addresses = {person.mail for person in org.mail_people}

    assert len(summary.without_files) == 2
    assert calendars == addresses - set(summary.without_files)
    assert contacts == calendars | {"stranger@example.io"}
    assert summary.unknown_accounts == ("stranger@example.io",)
    assert len(summary.calendars) == len(calendars)
    assert summary.dl_csv == files / "dl_provisioning.csv"


def test_calendars_parse_and_carry_a_series_with_exceptions(files: Path) -> None:
    paths = sorted((files / "calendars").iterdir())
    folded = False
    summaries: set[str] = set()
    for path in paths:
        raw = path.read_bytes()
        lines = raw.split(b"\r\n")
        calendar = icalendar.Calendar.from_ical(raw)
        events = list(calendar.walk("VEVENT"))
        masters = [e for e in events if e.get("RRULE") and e.get("EXDATE")]
        overrides = [e for e in events if e.get("RECURRENCE-ID")]

        assert raw.endswith(b"\r\n")
        assert b"\n" not in raw.replace(b"\r\n", b"")
        assert all(len(line) <= 75 for line in lines)
        assert raw.index(b"BEGIN:VTIMEZONE") < raw.index(b"BEGIN:VEVENT")
        assert 5 <= len(events) - len(overrides) <= 15
        assert len(masters) == 1
        assert [str(o["UID"]) for o in overrides] == [str(masters[0]["UID"])]
        excluded = masters[0]["EXDATE"].dts[0].dt
        moved = overrides[0]["RECURRENCE-ID"].dt
        assert excluded != moved
        assert str(excluded.tzinfo) == str(moved.tzinfo) == "Europe/Rome"
        assert any(type(e["DTSTART"].dt) is date for e in events)
        folded = folded or any(line.startswith(b" ") for line in lines)

        summaries |= {str(event["SUMMARY"]) for event in events}

    assert folded
    assert {"Встреча с клиентом", "Pranzo di lavoro; budget, Q3"} & summaries


def test_calendar_needs_an_address(org: Organisation, tmp_path: Path) -> None:
    nora = next(person for person in org.people if not person.mail)

    with pytest.raises(ValueError, match="no mail"):
        write_calendar(nora, tmp_path / "nora.ics", seed=1)


def test_contacts_are_thunderbird_csv_with_awkward_values(files: Path) -> None:
    rows_seen = 0
    notes = []
    for path in (files / "contacts").iterdir():
        text = path.read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header, contacts = rows[0], rows[1:]

        assert header == THUNDERBIRD_HEADER
        assert 5 <= len(contacts) <= 20
        assert all(len(row) == len(header) and row[-1] == "" for row in contacts)
        assert any(row[4] and row[5] for row in contacts)
        assert any(row[7] and row[8] and row[11] and row[12] and row[18] for row in contacts)
        rows_seen += len(contacts)
        notes += [row[36] for row in contacts if row[36]]

    assert rows_seen > 100
    assert any("\n" in note for note in notes)
    assert any('"' in note for note in notes)
