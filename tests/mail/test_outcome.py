"""What a mail run reports: the exit status, and which flags a folder keeps."""

from __future__ import annotations

from carbonio_migrate.errors import ExitCode
from carbonio_migrate.mail.copy import AccountResult, Problem
from carbonio_migrate.mail.mailbox import SelectInfo, copyable_flags
from carbonio_migrate.run.mail import MailRun
from carbonio_migrate.run.mail_state import MessageTotals


def result(**changes: object) -> AccountResult:
    found = AccountResult("ann@example.io", "ann@old.example")
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def test_a_clean_run_is_complete() -> None:
    assert MailRun([result(copied=10), result(unchanged=True)]).exit_code == ExitCode.COMPLETE


def test_refusals_and_failures_need_attention_before_a_changed_source() -> None:
    refused = result(problems=[Problem("refused", "INBOX", "NO too big", 4, 50_000_000)])
    failed = result(error="gave up after 6 attempts")
    changed = result(source_changed=True)

    assert MailRun([changed]).exit_code == ExitCode.SOURCE_CHANGED
    assert MailRun([changed, refused]).exit_code == ExitCode.NEEDS_ATTENTION
    assert MailRun([failed]).exit_code == ExitCode.NEEDS_ATTENTION


def test_refusals_recorded_by_an_earlier_run_still_need_attention() -> None:
    run = MailRun([result(unchanged=True)])
    run.totals = {"ann@example.io": MessageTotals(copied=9, refused=1)}

    assert run.exit_code == ExitCode.NEEDS_ATTENTION


def test_a_folder_keeps_the_flags_its_permanentflags_allow() -> None:
    strict = SelectInfo(1, 1, 0, permanent_flags=frozenset({"\\seen", "\\flagged"}))
    open_ = SelectInfo(1, 1, 0, permanent_flags=frozenset({"\\seen", "\\*"}))
    unknown = SelectInfo(1, 1, 0)

    assert strict.accepts("\\Seen") and not strict.accepts("$Label1")
    assert open_.accepts("$Label1") and not open_.accepts("\\Draft")
    assert unknown.accepts("$Anything")
    assert copyable_flags(("\\Seen", "\\Recent", "$Label1")) == ("\\Seen", "$Label1")
