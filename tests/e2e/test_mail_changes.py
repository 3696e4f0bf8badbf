"""``mail`` on accounts made for each test: changes on the source, a destination filled by
another tool, UIDVALIDITY changes, refused messages, rules and dry runs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from rich.console import Console

from carbonio_migrate.config import Settings, load_settings
from carbonio_migrate.errors import ExitCode
from carbonio_migrate.mail.journal import Journal, MessageRecord
from carbonio_migrate.report.mail import show_summary
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail import MailOptions, MailRun, run_mail
from carbonio_migrate.run.mail_state import StateJournal, message_totals
from carbonio_migrate.run.mail_work import MailAccount
from carbonio_migrate.run.verify import VerifyOptions, run_verify
from carbonio_migrate.state import StateStore
from lab.dovecot import LabMessage
from lab.lab import Lab
from tests.mail.lab_mail import (
    LAYOUT,
    MAPPED,
    connect,
    expected_on_destination,
    mail_account,
    make_messages,
    settings_for,
    snapshot,
)

MESSAGES = sum(LAYOUT.values())


def copy(settings: Settings, address: str, **options: object) -> MailRun:
    return run_mail(
        settings,
        Connections(settings),
        MailOptions(**options),  # type: ignore[arg-type]
        console=Console(file=io.StringIO()),
        accounts=[MailAccount(address, address)],
    )


def saves(lab: Lab, address: str, previous: int | None = None) -> int:
    assert lab.destination is not None
    if previous is None:
        return lab.destination.count_saves(address)
    return lab.destination.count_saves(address, at_least=previous + 1, timeout=1.0)


def assert_same_mail(lab: Lab, address: str) -> None:
    source = snapshot(lab, "source", address)
    expected = expected_on_destination(source, MAPPED)
    assert snapshot(lab, "destination", address).folders == expected.folders


def test_new_mail_and_changed_flags_reach_the_next_run(lab: Lab, tmp_path: Path) -> None:
    assert lab.source is not None
    with mail_account(lab, "changes") as address:
        settings = settings_for(lab, tmp_path)
        assert copy(settings, address).exit_code == ExitCode.COMPLETE
        lab.source.deliver(address, "Projets.Société", make_messages(2, "new mail"))
        client = connect(lab, "source", address)
        client.select_folder("INBOX")
        client.set_flags([1], [b"\\Answered", b"$Label9"])
        client.set_flags([2], [b"$Label8"])
        client.logout()
        stored = saves(lab, address)

        run = copy(settings, address)

        (result,) = run.results
        assert run.exit_code == ExitCode.COMPLETE
        assert (result.copied, result.flags_changed) == (2, 2)
        assert saves(lab, address, stored) == stored + 2
        assert_same_mail(lab, address)
        again = copy(settings, address)
        assert again.results[0].unchanged and saves(lab, address, stored + 2) == stored + 2


def test_a_destination_filled_by_another_tool_gets_no_duplicates(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "prefilled") as address:
        source = connect(lab, "source", address)
        destination = connect(lab, "destination", address)
        destination.create_folder("Projets/Société")
        placed = 0
        for folder, target, share in (("INBOX", "INBOX", 2), ("Projets.Société", None, 1)):
            source.select_folder(folder, readonly=True)
            uids = source.search("ALL")
            fetched = source.fetch(uids[: len(uids) // share], ["FLAGS", "INTERNALDATE", "BODY[]"])
            for data in fetched.values():
                flags = [f for f in data[b"FLAGS"] if f != b"\\Recent"]
                destination.append(
                    target or "Projets/Société", data[b"BODY[]"], flags, data[b"INTERNALDATE"]
                )
                placed += 1
        source.logout()
        destination.logout()
        stored = saves(lab, address)

        run = copy(settings_for(lab, tmp_path), address)

        (result,) = run.results
        assert run.exit_code == ExitCode.COMPLETE
        assert (result.present, result.copied) == (placed, MESSAGES - placed)
        assert saves(lab, address, stored) == stored + MESSAGES - placed
        assert_same_mail(lab, address)


def test_a_changed_uidvalidity_on_either_side_copies_nothing_again(
    lab: Lab, tmp_path: Path
) -> None:
    assert lab.source is not None and lab.destination is not None
    with mail_account(lab, "validity") as address:
        settings = settings_for(lab, tmp_path)
        assert copy(settings, address).exit_code == ExitCode.COMPLETE
        lab.destination.doveadm("mailbox", "update", "-u", address, "--uid-validity", "7", "INBOX")
        lab.source.doveadm("mailbox", "update", "-u", address, "--uid-validity", "9", "Привет")
        lab.source.deliver(address, "INBOX", make_messages(1, "after the change"))
        stored = saves(lab, address)

        run = copy(settings, address)

        (result,) = run.results
        assert run.exit_code == ExitCode.COMPLETE
        # Both maps are void: everything is found by fingerprint; only the new one is sent.
        assert (result.copied, result.present) == (1, LAYOUT["INBOX"] + LAYOUT["Привет"])
        assert saves(lab, address, stored) == stored + 1
        assert_same_mail(lab, address)


def test_recheck_copies_again_what_the_destination_lost(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "recheck") as address:
        settings = settings_for(lab, tmp_path)
        assert copy(settings, address).exit_code == ExitCode.COMPLETE
        client = connect(lab, "destination", address)
        client.select_folder("Projets/Société")
        client.delete_messages([1, 2])
        client.expunge()
        client.logout()

        assert copy(settings, address).results[0].unchanged  # nothing changed on the source
        run = copy(settings, address, recheck=True)

        assert run.results[0].copied == 2
        assert_same_mail(lab, address)


def test_a_refused_message_is_listed_and_the_rest_copied(lab: Lab, tmp_path: Path) -> None:
    empty = LabMessage(b"", ("\\Seen",), datetime(2022, 5, 1, 8, 0, 0))
    with mail_account(lab, "refused", extra={"Привет": [empty]}) as address:
        settings = settings_for(lab, tmp_path)

        run = copy(settings, address)

        (result,) = run.results
        assert run.exit_code == ExitCode.NEEDS_ATTENTION
        assert (result.copied, result.refused) == (MESSAGES, 1)
        (problem,) = result.problems
        assert (problem.kind, problem.folder, problem.uid) == ("refused", "Привет", 3)
        assert "zero byte" in problem.reason
        console = Console(file=io.StringIO(), width=200)
        show_summary(console, run)
        assert "Привет UID 3 (0 bytes): refused by the destination" in console.file.getvalue()  # type: ignore[attr-defined]

        checked = run_verify(
            settings,
            Connections(settings),
            VerifyOptions(),
            accounts=[MailAccount(address, address)],
        )
        (verified,) = checked.results
        assert checked.exit_code == ExitCode.NEEDS_ATTENTION
        assert (verified.copied, verified.refused, verified.failed) == (MESSAGES, 1, 0)
        assert verified.copied + verified.present + verified.refused + verified.failed == (
            verified.source_messages
        )
        assert [d.kind for d in verified.differences] == ["refused"]

        again = copy(settings, address)
        assert again.results[0].unchanged  # nothing fetched, nothing sent again
        assert again.exit_code == ExitCode.NEEDS_ATTENTION


def test_a_full_mailbox_refuses_the_rest_and_recheck_sends_it_later(
    lab: Lab, tmp_path: Path
) -> None:
    assert lab.destination is not None
    with mail_account(lab, "quota") as address:
        settings = settings_for(lab, tmp_path)
        lab.destination.set_quota(address, 40_000)

        full = copy(settings, address)
        lab.destination.set_quota(address, None)
        again = copy(settings, address, recheck=True)

        (result,) = full.results
        refusals = [p for p in result.problems if p.kind == "refused"]
        assert full.exit_code == ExitCode.NEEDS_ATTENTION
        assert result.copied > 0 and result.refused == len(refusals) > 0
        assert result.copied + result.refused == MESSAGES
        assert all("OVERQUOTA" in p.reason and p.uid for p in refusals)
        assert again.exit_code == ExitCode.COMPLETE
        assert again.results[0].copied == result.refused
        assert_same_mail(lab, address)


def test_rules_leave_folders_out_and_say_so(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "rules") as address:
        run = copy(settings_for(lab, tmp_path), address, exclude=("Notes*", "Projets/*"))

        (result,) = run.results
        folders = snapshot(lab, "destination", address).folders
        assert "Notes_ 2024" not in folders and "Projets/Société" not in folders
        assert "Projets" in folders and "Привет" in folders
        assert {folder.name for folder, _ in result.excluded} == {"Notes: 2024", "Projets.Société"}
        assert result.copied == MESSAGES - LAYOUT["Notes: 2024"] - LAYOUT["Projets.Société"]


def test_rules_of_the_configuration_hold_for_mail_and_verify(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "configured") as address:
        settings = settings_for(lab, tmp_path)
        config = lab.write_config_copy(
            tmp_path / "rules.toml",
            {"run": {"state": settings.run.state or ""}, "mail": {"exclude": ["Notes*"]}},
        )
        configured = load_settings(config)

        run = copy(configured, address, exclude=("Projets/*",))
        checked = run_verify(
            configured,
            Connections(configured),
            VerifyOptions(exclude=("Projets/*",)),
            accounts=[MailAccount(address, address)],
        )

        excluded = {folder.name for folder, _ in run.results[0].excluded}
        assert excluded == {"Notes: 2024", "Projets.Société"}
        assert "Notes_ 2024" not in snapshot(lab, "destination", address).folders
        assert checked.exit_code == ExitCode.COMPLETE, checked.results[0]


def test_large_messages_travel_through_temporary_files(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "large", large=3) as address:
        run = copy(settings_for(lab, tmp_path, plain=True), address)

        assert run.exit_code == ExitCode.COMPLETE
        assert run.results[0].copied_bytes > 4_500_000
        assert_same_mail(lab, address)


def test_a_dry_run_changes_nothing_anywhere(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "dry") as address:
        settings = settings_for(lab, tmp_path)
        folders_before = set(snapshot(lab, "destination", address).folders)
        stored = saves(lab, address)

        run = copy(settings, address, dry_run=True)

        (result,) = run.results
        assert run.exit_code == ExitCode.COMPLETE
        assert result.planned == result.would_copy == MESSAGES and result.copied == 0
        assert result.folders_created == 5  # Projets, Projets/Société, Привет, Notes_ 2024, Empty
        assert saves(lab, address, stored) == stored
        assert set(snapshot(lab, "destination", address).folders) == folders_before
        store = StateStore.open(settings.state_url)
        assert message_totals(store, address).copied == 0
        assert store.phase_status(address, "mail") is None
        store.close()


def test_unsubscribed_folders_stay_unsubscribed(lab: Lab, tmp_path: Path) -> None:
    assert lab.source is not None
    with mail_account(lab, "subscriptions") as address:
        lab.source.create_folder(address, "Quiet.Corner", subscribe=False)
        client = connect(lab, "source", address)
        client.unsubscribe_folder("Quiet")
        client.logout()

        assert copy(settings_for(lab, tmp_path), address).exit_code == ExitCode.COMPLETE

        client = connect(lab, "destination", address)
        listed = {name for _, _, name in client.list_folders()}
        subscribed = {name for _, _, name in client.list_sub_folders()}
        client.logout()
        assert {"Quiet", "Quiet/Corner", "Projets/Société"} <= listed
        assert "Projets/Société" in subscribed
        assert not {"Quiet", "Quiet/Corner"} & subscribed


def test_starttls_and_the_master_user_login_work_too(lab: Lab, tmp_path: Path) -> None:
    assert lab.source is not None
    with mail_account(lab, "sessions") as address:
        settings = settings_for(
            lab,
            tmp_path,
            source={"tls": "starttls", "port": lab.source.imap_port, "login": "master-user"},
        )

        run = copy(settings, address)

        assert run.exit_code == ExitCode.COMPLETE, run.results[0].error
        assert_same_mail(lab, address)


def test_an_untrusted_certificate_stops_the_account_with_the_remedy(
    lab: Lab, tmp_path: Path
) -> None:
    with mail_account(lab, "untrusted") as address:
        system_cas = "/etc/ssl/certs/ca-certificates.crt"  # does not hold the lab's CA
        settings = settings_for(lab, tmp_path, destination={"ca_file": system_cas})

        run = copy(settings, address)

        (result,) = run.results
        assert run.exit_code == ExitCode.NEEDS_ATTENTION
        assert result.error is not None and "certificate not trusted" in result.error
        assert "ca_file" in result.error
        assert result.copied == 0


class DeliveringJournal(StateJournal):
    """The state journal, with new mail arriving in INBOX while the first messages are
    recorded: the source changes in the middle of a run."""

    def __init__(self, lab: Lab, store: StateStore, account: MailAccount) -> None:
        super().__init__(store, account.address, account.source_address)
        self.lab = lab
        self.address = account.address
        self.delivered = False

    def record(self, source_name: str, records: Sequence[MessageRecord]) -> None:
        super().record(source_name, records)
        if source_name == "INBOX" and not self.delivered:
            assert self.lab.source is not None
            self.lab.source.deliver(self.address, "INBOX", make_messages(1, "during the run"))
            self.delivered = True


def test_mail_arriving_during_the_run_says_run_again(lab: Lab, tmp_path: Path) -> None:
    with mail_account(lab, "arriving") as address:
        settings = settings_for(lab, tmp_path)
        journals: list[DeliveringJournal] = []

        def journal(store: StateStore, account: MailAccount, _read_only: bool) -> Journal:
            journals.append(DeliveringJournal(lab, store, account))
            return journals[-1]

        first = run_mail(
            settings,
            Connections(settings),
            MailOptions(),
            console=Console(file=io.StringIO()),
            accounts=[MailAccount(address, address)],
            journal_factory=journal,
        )
        second = copy(settings, address)

        assert journals[0].delivered
        assert first.exit_code == ExitCode.SOURCE_CHANGED
        assert first.results[0].source_changed
        assert second.exit_code == ExitCode.COMPLETE
        assert second.results[0].copied == 1
        assert_same_mail(lab, address)
