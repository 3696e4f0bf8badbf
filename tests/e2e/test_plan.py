"""``plan`` against the lab: what it lists must equal what the lab holds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from carbonio_migrate.errors import ExitCode
from lab.lab import Lab
from lab.sample import dl_members
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def planned(lab: Lab) -> dict[str, Any]:
    result = run_cli("plan", "--json", "-c", str(lab.config_path))
    assert "Traceback" not in result.stderr
    # The sample organisation plants entries that need attention.
    assert result.returncode == ExitCode.NEEDS_ATTENTION, result.stderr
    plan: dict[str, Any] = json.loads(result.stdout)
    return plan


def test_accounts_are_the_enabled_people_with_mail(lab: Lab, planned: dict[str, Any]) -> None:
    org = lab.organisation
    enabled = {p.mail for p in org.mail_people if not p.disabled}
    disabled = {p.mail for p in org.mail_people if p.disabled}

    assert {a["address"] for a in planned["accounts"]} == enabled
    assert {a["address"] for a in planned["disabled"]} == disabled
    listed = [a["address"] for a in planned["accounts"]]
    assert listed == sorted(listed)  # in address order, not the directory's
    zoe = next(a for a in planned["accounts"] if a["address"] == "zoe.facade@example.io")
    assert set(zoe["aliases"]) == {"zoe@example.io", "zoe.facade@example.org"}
    assert zoe["attributes"]["displayName"].startswith("Zoë")


def test_entries_without_mail_are_reported(planned: dict[str, Any]) -> None:
    problems = "\n".join(planned["problems"])

    assert "uid=nora.quinn" in problems
    assert "has no mail address" in problems
    assert "cn=no-mail" in problems


def test_lists_come_from_groups_with_their_member_addresses(
    lab: Lab, planned: dict[str, Any]
) -> None:
    org = lab.organisation
    by_address = {entry["address"]: entry for entry in planned["lists"]}
    disabled = {p.mail for p in org.people if p.disabled}

    for group in org.groups:
        if group.mail is None:
            assert group.cn not in {entry["name"] for entry in planned["lists"]}
            continue
        # Disabled people are not migrated, so they cannot be members.
        assert set(by_address[group.mail]["members"]) == set(dl_members(org, group)) - disabled


def test_mailbox_counts_and_sizes_match_what_the_lab_delivered(
    lab: Lab, planned: dict[str, Any]
) -> None:
    for address, mailbox in planned["mailboxes"].items():
        folders = mailbox["folders"]
        assert sum(f["messages"] for f in folders) == lab.mail.messages[address]
        # RFC822.SIZE counts the bytes as stored, CRLF included, exactly as delivered.
        assert sum(f["size"] for f in folders) == lab.mail.sizes[address]
        names = {f["name"] for f in folders}
        assert set(lab.mail.folders[address]) <= names


def test_non_ascii_folders_show_their_unicode_names(planned: dict[str, Any]) -> None:
    names = {f["name"] for m in planned["mailboxes"].values() for f in m["folders"]}

    assert "Projets.Société" in names
    assert "Привет" in names
    assert "R&D" in names


def test_files_found_missing_and_unknown(lab: Lab, planned: dict[str, Any]) -> None:
    assert lab.files is not None
    without = set(lab.files.without_files)

    assert set(planned["calendars"]["missing"]) == without
    assert set(planned["contacts"]["missing"]) == without
    unknown = [path.rsplit("/", 1)[1] for path in planned["contacts"]["unknown"]]
    assert unknown == ["stranger@example.io.csv"]


def test_shares_and_files_are_said_to_be_out_of_reach(planned: dict[str, Any]) -> None:
    text = " ".join(planned["not_migrated"])

    assert "Shares (phase 3) cannot be migrated" in text
    assert "Carbonio Files (phase 4) cannot be migrated" in text


def test_the_table_output_names_accounts_and_totals(lab: Lab) -> None:
    result = run_cli("plan", "-c", str(lab.config_path))

    assert "zoe.facade@example.io" in result.stdout
    enabled = {p.mail for p in lab.organisation.mail_people if not p.disabled}
    total = sum(count for address, count in lab.mail.messages.items() if address in enabled)
    assert f"Mail: {total} messages" in result.stdout
    assert "Not migrated: Shares (phase 3)" in result.stdout
