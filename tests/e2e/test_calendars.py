"""Phase 2-2 on the lab: every event arrives with its fields, once, whatever the way in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.errors import ExitCode
from lab.emulator.prov import run_prov_file
from lab.lab import Lab
from tests.e2e.groupware import (
    accounts_with_files,
    destination,
    source_events,
    stored_events,
    write_config,
)
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A small organisation without mail: only its directory and export files matter here."""
    with Lab(tmp_path_factory.mktemp("calendars-lab"), people=14, profile=None) as started:
        yield started


def test_a_dry_run_counts_and_sends_nothing(lab: Lab, tmp_path: Path) -> None:
    with destination(lab) as emulator:
        config = str(write_config(lab, tmp_path, emulator))
        result = run_cli("calendars", "--dry-run", "--json", "-c", config)

        assert result.returncode == ExitCode.COMPLETE, result.stdout + result.stderr
        assert sum(emulator.rest_imports.values()) == 0
    accounts = json.loads(result.stdout)["accounts"]
    counts = {a["address"]: (a["read"], a["imported"]) for a in accounts}
    assert counts == {
        p.name.removesuffix(".ics"): (len(source_events(p)), len(source_events(p)))
        for p in _files(lab)
    }


def test_every_event_arrives_with_its_fields_and_a_rerun_sends_nothing(
    lab: Lab, tmp_path: Path
) -> None:
    with destination(lab) as emulator:
        config = str(write_config(lab, tmp_path, emulator))
        first = run_cli("calendars", "-c", config)
        stored = {a: stored_events(emulator, a) for a in accounts_with_files(lab, "calendars")}
        emulator.reset_calls()
        second = run_cli("calendars", "-c", config)
        again = {a: stored_events(emulator, a) for a in stored}
        imports_on_rerun = sum(emulator.rest_imports.values())

    assert first.returncode == ExitCode.COMPLETE, first.stdout + first.stderr
    for path in _files(lab):
        account = path.name.removesuffix(".ics")
        assert stored[account] == source_events(path), account
    assert second.returncode == ExitCode.COMPLETE
    assert imports_on_rerun == 0
    assert again == stored
    assert "No calendars data for 2 account(s)" in first.stdout
    assert "the account is disabled; not imported" in first.stdout


def test_the_lab_calendars_hold_what_the_fields_test_needs(lab: Lab) -> None:
    events = [e for p in _files(lab) for e in source_events(p).values()]

    assert any(e.get("RRULE") and e["EXDATE"] for e in events)  # a series with an exception
    assert any(not hasattr(e["DTSTART"], "hour") for e in events)  # all-day events
    assert any(not e.get("SUMMARY", b"").isascii() for e in events)
    assert any(key[1] for p in _files(lab) for key in source_events(p))  # moved occurrences


def test_a_command_file_imports_the_same_events(lab: Lab, tmp_path: Path) -> None:
    commands = tmp_path / "out" / "calendars.cmd"
    commands.parent.mkdir()
    with destination(lab) as unused:
        result = run_cli(
            "calendars", "--write-commands", str(commands), "-c",
            str(write_config(lab, tmp_path, unused)),
        )  # fmt: skip
        assert sum(unused.rest_imports.values()) == 0
    assert result.returncode == ExitCode.COMPLETE, result.stdout + result.stderr

    lines = commands.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "exit"
    assert all(line.startswith('sm "') and ' postRestURL "/Calendar?fmt=ics" "' in line
               for line in lines[:-1])  # fmt: skip
    with destination(lab) as emulator:
        ran = run_prov_file(emulator, commands.read_bytes(), cwd=commands.parent)
        assert ran.exit_status == 0 and not ran.stderr, ran.stderr
        for path in _files(lab):
            account = path.name.removesuffix(".ics")
            assert stored_events(emulator, account) == source_events(path)


def test_a_refused_account_is_reported_and_the_others_go_on(lab: Lab, tmp_path: Path) -> None:
    gone = accounts_with_files(lab, "calendars")[0]
    with destination(lab) as emulator:
        emulator.store.remove_account(gone)
        result = run_cli("calendars", "-c", str(write_config(lab, tmp_path, emulator)))
        others = [a for a in accounts_with_files(lab, "calendars") if a != gone]
        assert all(emulator.store.appointments(a) for a in others)

    assert result.returncode == ExitCode.NEEDS_ATTENTION
    assert f"FAILED {gone}: {gone}: REST import failed (HTTP 401): must authenticate" in (
        result.stdout
    )


def test_delegated_tokens_import_the_same(lab: Lab, tmp_path: Path) -> None:
    with destination(lab) as emulator:
        config = write_config(lab, tmp_path, emulator, '\n[imports]\nauth = "delegated"\n')
        result = run_cli("calendars", "-c", str(config))
        delegations = emulator.calls["DelegateAuthRequest"]
        account = accounts_with_files(lab, "calendars")[0]
        stored = stored_events(emulator, account)

    assert result.returncode == ExitCode.COMPLETE, result.stdout + result.stderr
    assert delegations == len(accounts_with_files(lab, "calendars"))
    assert stored == source_events(_file(lab, account))


def _files(lab: Lab) -> list[Path]:
    return [_file(lab, account) for account in accounts_with_files(lab, "calendars")]


def _file(lab: Lab, account: str) -> Path:
    return lab.root / "exports" / "calendars" / f"{account}.ics"
