"""``mail`` and ``verify`` on the lab's organisation, through the command line: an exact copy,
a rerun that appends nothing, and a lost state store that duplicates nothing."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.config import load_settings
from carbonio_migrate.errors import ExitCode
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail_work import MailAccount, mail_servers, resolve_accounts
from lab.lab import Lab
from tests.helpers import run_cli
from tests.mail.lab_mail import Snapshot, connect, expected_on_destination, snapshot

# Folder names of the sample organisation that land somewhere else on Carbonio.
RENAMED = {
    "Sent Items": "Sent",
    "Deleted Items": "Trash",
    "Spam": "Junk",
    "Notes: 2024": "Notes_ 2024",
}


def on_carbonio(name: str) -> str:
    """Where a sample folder goes: system folders by name, refused names renamed, "/"."""
    return RENAMED.get(name, name.replace(".", "/"))


@pytest.fixture(scope="module")
def accounts(lab: Lab) -> Iterator[list[MailAccount]]:
    settings = load_settings(lab.config_path)
    found = resolve_accounts(settings, Connections(settings), ())
    lab.add_destination_accounts(account.address for account in found)
    yield found
    lab.remove_destination_accounts(account.address for account in found)


@pytest.fixture(scope="module")
def config(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mail")
    return lab.write_config_copy(
        folder / "migration.toml", {"run": {"state": str(folder / "state.sqlite")}}
    )


@pytest.fixture(scope="module")
def before(lab: Lab, accounts: list[MailAccount]) -> dict[str, Snapshot]:
    return {a.address: snapshot(lab, "source", a.source_address) for a in accounts}


@pytest.fixture(scope="module")
def first_run(config: Path, before: dict[str, Snapshot]) -> subprocess.CompletedProcess[str]:
    return run_cli("mail", "-c", str(config))


def saves(lab: Lab, previous: int | None = None) -> int:
    """Messages the destination stored so far; with ``previous``, wait a moment for more."""
    assert lab.destination is not None
    if previous is None:
        return lab.destination.count_saves()
    return lab.destination.count_saves(at_least=previous + 1, timeout=1.0)


def test_mail_copies_every_account_and_says_complete(
    first_run: subprocess.CompletedProcess[str], accounts: list[MailAccount]
) -> None:
    assert "Traceback" not in first_run.stderr
    assert first_run.returncode == ExitCode.COMPLETE, first_run.stdout + first_run.stderr
    assert f"{len(accounts)} account(s)" in first_run.stdout
    assert "complete." in first_run.stdout
    assert "'Notes: 2024' is 'Notes_ 2024' on Carbonio" in first_run.stdout
    table = first_run.stdout.partition("Mail\n")[2]
    rows = [table.index(f"│ {address} ") for address in sorted(a.address for a in accounts)]
    assert rows == sorted(rows)  # the summary reads in the accounts' order


def test_every_folder_message_flag_and_date_arrives(
    lab: Lab,
    accounts: list[MailAccount],
    before: dict[str, Snapshot],
    first_run: subprocess.CompletedProcess[str],
) -> None:
    for account in accounts:
        source = before[account.address]
        expected = expected_on_destination(source, {n: on_carbonio(n) for n in source.folders})
        copied = snapshot(lab, "destination", account.address)

        assert copied.folders == expected.folders, account.address


def test_unicode_folders_empty_folders_and_duplicates_are_there(
    lab: Lab, accounts: list[MailAccount], first_run: subprocess.CompletedProcess[str]
) -> None:
    copied = [snapshot(lab, "destination", account.address) for account in accounts]
    names = {name for mailbox in copied for name in mailbox.folders}

    assert {"Projets/Société", "Привет", "R&D", "Archive/2023", "Old Stuff/Keep"} <= names
    assert {"Empty", "Projets", "Archive"} <= names
    assert not any("Sent Items" in mailbox.folders for mailbox in copied)
    duplicated = [
        digest
        for mailbox in copied
        for name in mailbox.folders
        for digest, count in mailbox.fingerprints(name).items()
        if count > 1
    ]
    assert len(duplicated) >= len(accounts)  # the sample plants exact duplicates everywhere


def test_subscriptions_are_mirrored(
    lab: Lab, accounts: list[MailAccount], first_run: subprocess.CompletedProcess[str]
) -> None:
    system = {"INBOX", "Sent", "Drafts", "Trash", "Junk"}  # the server subscribes these
    for account in accounts[:5]:
        source = connect(lab, "source", account.source_address)
        destination = connect(lab, "destination", account.address)
        subscribed = {on_carbonio(name) for _, _, name in source.list_sub_folders()} - system
        mirrored = {name for _, _, name in destination.list_sub_folders()} - system
        source.logout()
        destination.logout()

        assert mirrored == subscribed, account.address


def test_the_source_is_left_as_it_was(
    lab: Lab,
    accounts: list[MailAccount],
    before: dict[str, Snapshot],
    first_run: subprocess.CompletedProcess[str],
) -> None:
    for account in accounts:
        assert snapshot(lab, "source", account.source_address) == before[account.address]


def test_verify_finds_both_sides_equal(
    config: Path, accounts: list[MailAccount], first_run: subprocess.CompletedProcess[str]
) -> None:
    result = run_cli("verify", "--folders", "-c", str(config))

    assert result.returncode == ExitCode.COMPLETE, result.stdout + result.stderr
    assert f"{len(accounts)} of {len(accounts)} account(s) equal" in result.stdout
    assert "Projets/Société <- Projets.Société" in result.stdout
    assert "+ 0 refused + 0 failed" in result.stdout


def test_verify_compares_content_on_request(
    config: Path, accounts: list[MailAccount], first_run: subprocess.CompletedProcess[str]
) -> None:
    chosen = accounts[0].address
    result = run_cli("verify", "--content", "--account", chosen, "-c", str(config))

    assert result.returncode == ExitCode.COMPLETE, result.stdout + result.stderr
    assert "1 of 1 account(s) equal" in result.stdout


def test_a_rerun_on_an_unchanged_source_appends_nothing(
    lab: Lab, config: Path, first_run: subprocess.CompletedProcess[str]
) -> None:
    stored = saves(lab)

    rerun = run_cli("mail", "-c", str(config))

    assert rerun.returncode == ExitCode.COMPLETE, rerun.stdout + rerun.stderr
    assert saves(lab, stored) == stored
    assert "unchanged" in rerun.stdout
    assert ", 0 messages (0 B) copied" in rerun.stdout


def test_json_reports_carry_every_account_and_closing_totals(
    config: Path,
    accounts: list[MailAccount],
    before: dict[str, Snapshot],
    first_run: subprocess.CompletedProcess[str],
) -> None:
    rerun = run_cli("mail", "--json", "-c", str(config))
    verified = run_cli("verify", "--json", "-c", str(config))

    copied = json.loads(rerun.stdout)
    compared = json.loads(verified.stdout)
    assert copied["exit_status"] == rerun.returncode == ExitCode.COMPLETE
    assert sorted(a["account"] for a in copied["accounts"]) == sorted(a.address for a in accounts)
    assert {a["status"] for a in copied["accounts"]} == {"unchanged"}
    total = sum(mailbox.messages() for mailbox in before.values())
    assert sum(a["recorded"]["copied"] for a in copied["accounts"]) == total
    assert compared["exit_status"] == verified.returncode == ExitCode.COMPLETE
    for account in compared["accounts"]:
        assert account["equal"] and not account["differences"]
        closing = account["copied"] + account["present"] + account["refused"] + account["failed"]
        assert closing == account["source_messages"] > 0


def test_a_lost_state_store_duplicates_nothing(
    lab: Lab,
    config: Path,
    accounts: list[MailAccount],
    before: dict[str, Snapshot],
    first_run: subprocess.CompletedProcess[str],
) -> None:
    for path in config.parent.glob("state.sqlite*"):
        path.unlink()
    stored = saves(lab)

    rerun = run_cli("mail", "-c", str(config))

    assert rerun.returncode == ExitCode.COMPLETE, rerun.stdout + rerun.stderr
    assert saves(lab, stored) == stored
    total = sum(mailbox.messages() for mailbox in before.values())
    verified = run_cli("verify", "-c", str(config))
    assert verified.returncode == ExitCode.COMPLETE, verified.stdout
    assert f"Totals: 0 copied + {total} already there" in verified.stdout
    for account in accounts[:3]:
        copied = snapshot(lab, "destination", account.address)
        assert sum(Counter(copied.folders[n]).total() for n in copied.folders) == (
            before[account.address].messages()
        )


def test_uid_lists_read_with_esearch_match_plain_search(
    lab: Lab, accounts: list[MailAccount]
) -> None:
    settings = load_settings(lab.config_path)
    source, _ = mail_servers(Connections(settings))
    fullest = max(accounts, key=lambda a: lab.mail.messages.get(a.source_address, 0))

    async def read_both() -> tuple[bool, list[int], list[int]]:
        mailbox = await source.open(fullest.source_address)
        try:
            announced = mailbox.client.has("ESEARCH")
            await mailbox.examine(b"INBOX")
            extended = await mailbox.uids()
            mailbox.client.capabilities -= {"ESEARCH"}
            return announced, extended, await mailbox.uids()
        finally:
            await mailbox.logout()

    announced, extended, plain = asyncio.run(read_both())

    assert announced
    assert extended == plain and len(plain) > 1
