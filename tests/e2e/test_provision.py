"""Phase 1 against the lab: live provisioning, reruns, command files and bad list rows."""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.config import load_settings
from carbonio_migrate.errors import ExitCode
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.provision import preview_autoprov
from lab.emulator.prov import run_prov_file
from lab.lab import DOMAIN, IMPORT_ADMIN, Lab
from lab.sample import dl_members
from tests.helpers import run_cli

CREATES = ("CreateAccountRequest", "AddAccountAliasRequest", "CreateDistributionListRequest")
ADDS = ("AddDistributionListMemberRequest",)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A small organisation without mail, and a destination of its own."""
    with Lab(tmp_path_factory.mktemp("provision-lab"), people=14, profile=None) as started:
        yield started


def expected_accounts(lab: Lab) -> dict[str, set[str]]:
    """Enabled people with mail, and the aliases each should get."""
    return {
        person.mail: set(person.alias_mails)
        for person in lab.organisation.mail_people
        if not person.disabled and person.mail
    }


def expected_lists(lab: Lab) -> dict[str, set[str]]:
    org = lab.organisation
    disabled = {p.mail for p in org.people if p.disabled}
    return {
        group.mail: set(dl_members(org, group)) - disabled for group in org.groups if group.mail
    }


def test_a_full_provision_creates_everything_and_a_rerun_nothing(lab: Lab) -> None:
    assert lab.emulator is not None
    store = lab.emulator.store
    store.reset_calls()

    first = run_cli("provision", "-c", str(lab.config_path))
    created = {name: store.calls[name] for name in CREATES + ADDS}
    store.reset_calls()
    second = run_cli("provision", "-c", str(lab.config_path))

    assert "Traceback" not in first.stderr + second.stderr
    # The sample plants a person without mail and a group without mail.
    assert first.returncode == ExitCode.NEEDS_ATTENTION, first.stdout
    accounts = expected_accounts(lab)
    assert set(store.account_names()) >= set(accounts)
    for address, aliases in accounts.items():
        account = store.account(address)
        assert account is not None
        assert set(account.attrs.get("zimbraMailAlias")) == aliases
    for address, members in expected_lists(lab).items():
        assert set(store.list_members(address)) == members, address
    assert created["CreateAccountRequest"] == len(accounts)
    assert created["CreateDistributionListRequest"] == len(expected_lists(lab))

    assert "Nothing to change" in second.stdout
    assert all(store.calls[name] == 0 for name in CREATES + ADDS)


def test_the_destination_accepts_logins_for_created_accounts(lab: Lab) -> None:
    assert lab.destination is not None and lab.certificates is not None
    run_cli("provision", "-c", str(lab.config_path))
    context = ssl.create_default_context(cafile=str(lab.certificates.ca_file))

    for address in expected_accounts(lab):
        with imaplib.IMAP4_SSL(
            "localhost", lab.destination.imaps_port, ssl_context=context
        ) as imap:
            imap.login(f"{address}*{IMPORT_ADMIN}", lab.passwords["import_admin"])
            status, _ = imap.select("INBOX", readonly=True)
            assert status == "OK"


def test_the_autoprov_preview_lists_the_accounts_the_direct_path_creates(lab: Lab) -> None:
    settings = load_settings(lab.config_path)

    (preview,) = preview_autoprov(settings, Connections(settings))

    assert preview.domain == DOMAIN
    assert {entry.address for entry in preview.accounts} == set(expected_accounts(lab))
    reasons = {dn.split(",")[0]: reason for dn, reason in preview.rejected}
    assert reasons["uid=nora.quinn"] == "has no mail address"
    assert all(
        reasons[f"uid={p.uid}"] == "is disabled" for p in lab.organisation.people if p.disabled
    )
    assert "(uid=*)" in preview.filter


def test_the_command_file_provisions_the_same_as_the_api(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with Lab(tmp_path_factory.mktemp("commands-lab"), people=10, profile=None) as fresh:
        assert fresh.emulator is not None
        commands = fresh.root / "provision.cmd"

        config = str(fresh.config_path)
        written = run_cli("provision", "--write-commands", str(commands), "-c", config)
        data = commands.read_bytes()
        result = run_prov_file(fresh.emulator, data)
        fresh.emulator.store.reset_calls()
        rerun = run_cli("provision", "-c", config)

        accounts = expected_accounts(fresh)
        lists = expected_lists(fresh)
        store = fresh.emulator.store

    assert written.returncode == ExitCode.NEEDS_ATTENTION, written.stdout + written.stderr
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\nexit\n")
    assert b"#" not in data.split(b"\n")[0][:1]
    assert fresh.passwords["carbonio_admin"].encode() not in data
    assert b"zimbraAutoProvLdapAdminBindPassword" not in data
    assert "is not in" in written.stdout  # the omitted secret is announced
    assert result.exit_status == 0, result.stderr
    assert result.stderr == ""
    assert set(store.account_names()) >= set(accounts)
    for address, members in lists.items():
        assert set(store.list_members(address)) == members
    assert all(store.calls[name] == 0 for name in CREATES + ADDS)
    assert rerun.returncode == ExitCode.NEEDS_ATTENTION


def test_bad_rows_of_the_list_file_are_reported_and_the_rest_provisioned(lab: Lab) -> None:
    assert lab.emulator is not None
    members = sorted(expected_accounts(lab))
    csv = lab.root / "lists.csv"
    csv.write_text(
        f'"quoted@{DOMAIN}","Sales, Marketing and more",Quoted,{members[0]},{members[1]},\n'
        "\n"
        f"broken-address,A list,Broken,{members[0]}\n"
        f"spaced@{DOMAIN},A description with several spaces,Spaced Name,{members[2]}\n"
        f"quoted@{DOMAIN},Duplicate,Again,{members[3]}\n",
        encoding="utf-8",
    )
    config = lab.root / "lists.toml"
    text = lab.config_path.read_text().replace(
        str(lab.root / "exports" / "dl_provisioning.csv"), str(csv)
    )
    config.write_text(text.replace("[provision]\n", "[provision]\nlists_from_directory = false\n"))

    result = run_cli("provision", "-c", str(config))

    store = lab.emulator.store
    assert result.returncode == ExitCode.NEEDS_ATTENTION
    assert set(store.list_members(f"quoted@{DOMAIN}")) == {members[0], members[1]}
    quoted = store.list_by_name(f"quoted@{DOMAIN}")
    assert quoted is not None
    assert quoted.attrs.first("description") == "Sales, Marketing and more"
    assert set(store.list_members(f"spaced@{DOMAIN}")) == {members[2]}
    spaced = store.list_by_name(f"spaced@{DOMAIN}")
    assert spaced is not None
    assert spaced.attrs.first("displayName") == "Spaced Name"
    assert f"{csv}:3: 'broken-address' is not a valid list address" in result.stdout
    assert f"{csv}:5: quoted@{DOMAIN} is already defined on line 1" in result.stdout


def test_dl_commands_prints_a_safe_prov_file(lab: Lab, tmp_path: Path) -> None:
    csv = tmp_path / "dl.csv"
    csv.write_text(
        'team@example.io,"Desc, with comma",Team \\ "Q",a@example.io,b@example.io,\n'
        "bad,x,y,a@example.io\n"
    )

    result = run_cli("dl-commands", str(csv))

    lines = result.stdout.splitlines()
    assert result.returncode == ExitCode.NEEDS_ATTENTION
    assert lines[0] == (
        '"cdl" "team@example.io" "displayName" "Team \\\\ \\"Q\\"" "description" '
        '"Desc, with comma" "zimbraDistributionListSendShareMessageToNewMembers" "FALSE"'
    )
    assert lines[1] == '"adlm" "team@example.io" "a@example.io" "b@example.io"'
    assert lines[-1] == "exit"
    assert f"{csv}:2: 'bad' is not a valid list address" in result.stderr


def test_existing_accounts_that_differ_are_reported_and_updated_on_request(lab: Lab) -> None:
    assert lab.emulator is not None
    store = lab.emulator.store
    run_cli("provision", "-c", str(lab.config_path))
    person = next(p for p in lab.organisation.mail_people if not p.disabled)
    account = store.account(person.mail or "")
    assert account is not None
    account.attrs.set("title", "Changed on Carbonio")

    reported = run_cli("provision", "-c", str(lab.config_path))
    kept = store.account(person.mail or "")
    assert kept is not None
    title_after_report = kept.attrs.first("title")
    updated = run_cli("provision", "--update", "-c", str(lab.config_path))

    assert f"{person.mail}: title is 'Changed on Carbonio' on Carbonio" in reported.stdout
    assert title_after_report == "Changed on Carbonio"
    assert "1 account(s) updated" in updated.stdout
    final = store.account(person.mail or "")
    assert final is not None
    assert final.attrs.first("title") == person.title


def test_dry_run_shows_changes_and_makes_none(tmp_path_factory: pytest.TempPathFactory) -> None:
    with Lab(tmp_path_factory.mktemp("dry-lab"), people=8, profile=None) as fresh:
        assert fresh.emulator is not None
        fresh.emulator.store.reset_calls()
        result = run_cli("provision", "--dry-run", "-c", str(fresh.config_path))
        calls = dict(fresh.emulator.store.calls)

    assert all(calls.get(name, 0) == 0 for name in (*CREATES, *ADDS, "ModifyDomainRequest"))
    for person in fresh.organisation.mail_people:
        if not person.disabled:
            assert f"create account {person.mail}" in result.stdout
    assert "create distribution list staff@example.io" in result.stdout


def test_random_passwords_are_written_once_to_a_private_file(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with Lab(tmp_path_factory.mktemp("password-lab"), people=8, profile=None) as fresh:
        assert fresh.destination is not None and fresh.certificates is not None
        text = fresh.config_path.read_text()
        fresh.config_path.write_text(
            text.replace("[provision]\n", '[provision]\npassword_policy = "random"\n')
        )
        run_cli("provision", "-c", str(fresh.config_path))
        run_cli("provision", "-c", str(fresh.config_path))
        passwords_file = fresh.root / "account-passwords.txt"
        mode = passwords_file.stat().st_mode & 0o777
        rows = [line.split("\t") for line in passwords_file.read_text().splitlines()]
        context = ssl.create_default_context(cafile=str(fresh.certificates.ca_file))
        address, password = rows[0]
        with imaplib.IMAP4_SSL(
            "localhost", fresh.destination.imaps_port, ssl_context=context
        ) as imap:
            status, _ = imap.login(address, password)

    expected = {p.mail for p in fresh.organisation.mail_people if not p.disabled}
    assert mode == 0o600
    assert sorted(address for address, _ in rows) == sorted(expected)  # once: not on the rerun
    assert status == "OK"


def test_nested_groups_flattened_on_request(tmp_path_factory: pytest.TempPathFactory) -> None:
    with Lab(tmp_path_factory.mktemp("flat-lab"), people=10, profile=None) as fresh:
        assert fresh.emulator is not None
        text = fresh.config_path.read_text()
        fresh.config_path.write_text(
            text.replace("[provision]\n", "[provision]\nflatten_nested_groups = true\n")
        )
        run_cli("provision", "-c", str(fresh.config_path))
        members = set(fresh.emulator.store.list_members("all-teams@example.io"))
        sales = set(fresh.emulator.store.list_members("sales@example.io"))

    assert "sales@example.io" not in members
    assert sales <= members
