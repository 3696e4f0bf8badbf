"""Phase 2-3 on the lab: every contact arrives with its fields, exactly once, in every format."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.errors import ExitCode
from lab.emulator.prov import run_prov_file
from lab.lab import Lab
from tests.e2e.groupware import (
    accounts_with_files,
    canonical,
    destination,
    expected_contacts,
    write_config,
)
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A small organisation without mail: only its directory and export files matter here."""
    with Lab(tmp_path_factory.mktemp("contacts-lab"), people=14, profile=None) as started:
        yield started


def contact_file(lab: Lab, account: str) -> Path:
    return lab.root / "exports" / "contacts" / f"{account}.csv"


def test_every_contact_arrives_with_its_fields_once(lab: Lab, tmp_path: Path) -> None:
    accounts = accounts_with_files(lab, "contacts")
    with destination(lab) as emulator:
        config = str(write_config(lab, tmp_path, emulator))
        first = run_cli("contacts", "-c", config)
        stored = {a: canonical(emulator.store.contacts(a)) for a in accounts}
        emulator.reset_calls()
        second = run_cli("contacts", "--json", "-c", config)
        again = {a: canonical(emulator.store.contacts(a)) for a in accounts}
        imports_on_rerun = sum(emulator.rest_imports.values())

    # The stranger's file belongs to nobody in the directory: reported, so attention.
    assert first.returncode == ExitCode.NEEDS_ATTENTION, first.stdout + first.stderr
    assert "stranger@example.io.csv: contacts file for an unknown account" in first.stdout
    for account in accounts:
        assert stored[account] == canonical(expected_contacts(contact_file(lab, account)))
    several = {"email", "email2", "homeStreet", "workStreet", "mobilePhone", "workPhone"}
    assert any(several <= {key for key, _ in c} for a in stored for c in stored[a])
    assert any(not value.isascii() for a in stored for c in stored[a] for _, value in c)
    assert imports_on_rerun == 0
    assert again == stored
    totals = json.loads(second.stdout)["accounts"]
    assert sum(a["imported"] for a in totals) == 0
    assert sum(a["skipped"] for a in totals) == sum(len(v) for v in stored.values())


@pytest.mark.parametrize("contact_format", ["thunderbird-csv", "vcard"])
def test_the_other_formats_give_the_same_contacts(
    lab: Lab, tmp_path: Path, contact_format: str
) -> None:
    accounts = accounts_with_files(lab, "contacts")
    extra = f'\n[imports]\ncontact_format = "{contact_format}"\n'
    with destination(lab) as emulator:
        result = run_cli("contacts", "-c", str(write_config(lab, tmp_path, emulator, extra)))
        stored = {a: canonical(emulator.store.contacts(a)) for a in accounts}

    assert result.returncode == ExitCode.NEEDS_ATTENTION, result.stdout + result.stderr
    for account in accounts:
        assert stored[account] == canonical(expected_contacts(contact_file(lab, account)))


def test_carbonio_csv_works_where_the_named_csv_formats_did_not_load(
    lab: Lab, tmp_path: Path
) -> None:
    account = accounts_with_files(lab, "contacts")[0]
    expected = canonical(expected_contacts(contact_file(lab, account)))
    with destination(lab, broken_csv_formats=True) as emulator:
        run_cli("contacts", "-a", account, "-c", str(write_config(lab, tmp_path / "a", emulator)))
        ours = canonical(emulator.store.contacts(account))
    with destination(lab, broken_csv_formats=True) as emulator:
        extra = '\n[imports]\ncontact_format = "thunderbird-csv"\n'
        config = write_config(lab, tmp_path / "b", emulator, extra)
        run_cli("contacts", "-a", account, "-c", str(config))
        procedure_way = emulator.store.contacts(account)

    assert ours == expected
    # What the documented procedure's format gives on such a server: custom fields only.
    assert all("First Name" in c and "firstName" not in c for c in procedure_way)


def test_a_command_file_imports_the_same_contacts_and_is_not_written_twice(
    lab: Lab, tmp_path: Path
) -> None:
    accounts = accounts_with_files(lab, "contacts")
    commands = tmp_path / "out" / "contacts.cmd"
    commands.parent.mkdir()
    with destination(lab) as unused:
        config = str(write_config(lab, tmp_path, unused))
        run_cli("contacts", "--write-commands", str(commands), "-c", config)
        written = commands.read_text(encoding="utf-8")
        again = tmp_path / "out" / "again.cmd"
        run_cli("contacts", "--write-commands", str(again), "-c", config)
        assert sum(unused.rest_imports.values()) == 0

    assert written.splitlines()[-1] == "exit"
    assert len(written.splitlines()) == len(accounts) + 1
    assert again.read_text(encoding="utf-8") == "exit\n"
    with destination(lab) as emulator:
        ran = run_prov_file(emulator, commands.read_bytes(), cwd=commands.parent)
        assert ran.exit_status == 0 and not ran.stderr, ran.stderr
        for account in accounts:
            assert canonical(emulator.store.contacts(account)) == canonical(
                expected_contacts(contact_file(lab, account))
            )


def test_only_new_contacts_are_sent_and_a_changed_one_is_reported(
    lab: Lab, tmp_path: Path
) -> None:
    account = accounts_with_files(lab, "contacts")[0]
    folder = tmp_path / "contacts"
    folder.mkdir()
    source = folder / f"{account}.csv"
    shutil.copy(contact_file(lab, account), source)
    with destination(lab) as emulator:
        config = str(write_config(lab, tmp_path, emulator, contacts=folder))
        run_cli("contacts", "-a", account, "-c", config)
        before = len(emulator.store.contacts(account))

        rows = list(csv.reader(source.open(encoding="utf-8", newline="")))
        rows[1][8] = "+00 000 000"  # Home Phone of the first contact changes
        rows.append(["New", "Person", "New Person", "", "new.person@example.org"] + [""] * 33)
        with source.open("w", encoding="utf-8", newline="") as stream:
            csv.writer(stream).writerows(rows)
        rerun = run_cli("contacts", "-a", account, "--json", "-c", config)
        after = emulator.store.contacts(account)

    counts = json.loads(rerun.stdout)["accounts"][0]
    assert (counts["imported"], counts["skipped"]) == (1, before)
    assert len(after) == before + 1
    assert any(c.get("email") == "new.person@example.org" for c in after)
    assert any("changed since it was imported" in f["message"] for f in counts["findings"])


def test_a_batch_that_fails_half_way_is_never_sent_twice(lab: Lab, tmp_path: Path) -> None:
    account = max(
        accounts_with_files(lab, "contacts"),
        key=lambda a: len(expected_contacts(contact_file(lab, a))),
    )
    extra = "\n[imports]\ncontacts_per_request = 2\n"
    with destination(lab) as emulator:
        emulator.store.remove_account(account)
        emulator.add_account(account, zimbraContactMaxNumEntries="3")
        config = str(write_config(lab, tmp_path, emulator, extra))
        first = run_cli("contacts", "-a", account, "-c", config)
        second = run_cli("contacts", "-a", account, "-c", config)
        stored = emulator.store.contacts(account)

    assert first.returncode == second.returncode == ExitCode.NEEDS_ATTENTION
    assert "HTTP 500" in first.stdout and "TOO_MANY_CONTACTS" in first.stdout
    assert "--resend-uncertain" in second.stdout
    assert len(stored) == 3
    assert len(canonical(stored)) == len({tuple(c) for c in canonical(stored)})
