"""Calendars and contacts pulled from Radicale (CalDAV/CardDAV) arrive exactly as the
equivalent exported files do, signed in as the DAV administrator or as each account."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.errors import ExitCode
from lab.lab import Lab
from lab.radicale import ADMIN, Radicale
from tests.e2e.groupware import (
    accounts_with_files,
    canonical,
    destination,
    expected_contacts,
    source_events,
    stored_events,
    write_config,
)
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("dav-lab"), people=14, profile=None) as started:
        yield started


@pytest.fixture(scope="module")
def dav(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Radicale, Path]]:
    """Radicale holding every account's calendar and contacts, and the same contacts as
    vCard files (the lab exports contacts as CSV; CardDAV serves vCards)."""
    vcards = tmp_path_factory.mktemp("vcards")
    with Radicale(tmp_path_factory.mktemp("radicale"), lab.certificates) as server:
        for account in accounts_with_files(lab, "calendars"):
            server.add_user(account, secrets.token_urlsafe(12))
            calendar = lab.root / "exports" / "calendars" / f"{account}.ics"
            server.put_collection(account, "calendar", "calendar", calendar.read_bytes())
        for account in accounts_with_files(lab, "contacts"):
            source = lab.root / "exports" / "contacts" / f"{account}.csv"
            cards = "".join(
                vcard(contact, f"{account}-{n}")
                for n, contact in enumerate(expected_contacts(source))
            ).encode("utf-8")
            (vcards / f"{account}.vcf").write_bytes(cards)
            server.put_collection(account, "contacts", "addressbook", cards)
        yield server, vcards


def vcard(fields: dict[str, str], uid: str) -> str:
    """A vCard 3.0 written here, from Carbonio's fields, independently of the tool."""

    def text(value: str) -> str:
        for raw, escaped in (("\\", "\\\\"), (",", "\\,"), (";", "\\;"), ("\n", "\\n")):
            value = value.replace(raw, escaped)
        return value

    get = fields.get
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"UID:{uid}", f"FN:{text(get('fullName', ''))}"]
    lines.append(f"N:{text(get('lastName', ''))};{text(get('firstName', ''))};;;")
    if get("nickname"):
        lines.append(f"NICKNAME:{text(get('nickname', ''))}")
    lines += [f"EMAIL;TYPE=INTERNET:{fields[k]}" for k in ("email", "email2") if k in fields]
    for key, types in (
        ("workPhone", "WORK,VOICE"),
        ("homePhone", "HOME,VOICE"),
        ("mobilePhone", "CELL"),
        ("pager", "PAGER"),
        ("workFax", "WORK,FAX"),
    ):
        if key in fields:
            lines.append(f"TEL;TYPE={types}:{fields[key]}")
    for kind in ("home", "work"):
        parts = [get(f"{kind}{p}", "") for p in ("Street", "City", "State", "PostalCode")]
        if any(parts) or get(f"{kind}Country"):
            values = ";".join(text(p) for p in [*parts, get(f"{kind}Country", "")])
            lines.append(f"ADR;TYPE={kind.upper()}:;;{values}")
    if get("company") or get("department"):
        lines.append(f"ORG:{text(get('company', ''))};{text(get('department', ''))}")
    for key, name in (("jobTitle", "TITLE"), ("birthday", "BDAY"), ("notes", "NOTE")):
        if key in fields:
            lines.append(f"{name}:{text(fields[key])}")
    if "workURL" in fields:
        lines.append(f"URL;TYPE=WORK:{fields['workURL']}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


def dav_table(server: Radicale, lab: Lab, folder: Path, *, per_user: bool) -> str:
    """The [source.dav] table: the DAV administrator, or one 0600 password file per account."""
    assert lab.certificates is not None
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "dav-secret"
    secret.touch(mode=0o600)
    if per_user:
        secret.write_text(
            "".join(f"{name} {password}\n" for name, password in server.users.items()),
            encoding="utf-8",
        )
        login = f'user_passwords_file = "{secret}"'
    else:
        secret.write_text(server.admin_password, encoding="utf-8")
        login = f'user = "{ADMIN}"\npassword_file = "{secret}"'
    return (
        f'\n[source.dav]\nurl = "{server.url}{{account}}/"\n{login}\n'
        f'ca_file = "{lab.certificates.ca_file}"\n'
    )


def test_pulling_from_dav_gives_the_same_result_as_the_files(
    lab: Lab, dav: tuple[Radicale, Path], tmp_path: Path
) -> None:
    server, vcards = dav
    accounts = accounts_with_files(lab, "calendars")
    with destination(lab) as from_files, destination(lab) as from_dav:
        files_config = write_config(lab, tmp_path / "files", from_files, contacts=vcards)
        dav_config = write_config(
            lab,
            tmp_path / "dav",
            from_dav,
            dav_table(server, lab, tmp_path / "dav", per_user=False),
        )
        results = [
            run_cli(phase, *flags, "-c", str(config))
            for phase in ("calendars", "contacts")
            for config, flags in ((files_config, ()), (dav_config, ("--from-dav",)))
        ]
        for account in accounts:
            assert stored_events(from_dav, account) == stored_events(from_files, account)
            assert stored_events(from_dav, account)
        for account in accounts_with_files(lab, "contacts"):
            dav_contacts = canonical(from_dav.store.contacts(account))
            assert dav_contacts == canonical(from_files.store.contacts(account))
            source = lab.root / "exports" / "contacts" / f"{account}.csv"
            assert dav_contacts == canonical(expected_contacts(source))

    assert all(r.returncode == ExitCode.COMPLETE for r in results), [r.stdout for r in results]


def test_each_account_can_sign_in_as_itself(
    lab: Lab, dav: tuple[Radicale, Path], tmp_path: Path
) -> None:
    server, _ = dav
    account = accounts_with_files(lab, "calendars")[0]
    with destination(lab) as emulator:
        extra = dav_table(server, lab, tmp_path, per_user=True)
        config = write_config(lab, tmp_path, emulator, extra)
        result = run_cli("calendars", "--from-dav", "-a", account, "-c", str(config))
        stored = stored_events(emulator, account)

    assert result.returncode == ExitCode.COMPLETE, result.stdout + result.stderr
    expected = lab.root / "exports" / "calendars" / f"{account}.ics"
    assert stored == source_events(expected)
