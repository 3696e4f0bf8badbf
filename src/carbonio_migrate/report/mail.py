"""What the administrator reads after a mail run: the per-account table with every
refusal, rename and failure, the outcome line, and the same as JSON for scripts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from carbonio_migrate.errors import ExitCode
from carbonio_migrate.mail.copy import AccountResult
from carbonio_migrate.report.json_output import to_plain
from carbonio_migrate.report.units import human_size
from carbonio_migrate.run.mail import MailRun
from carbonio_migrate.run.mail_state import MessageTotals


def show_summary(console: Console, run: MailRun) -> None:
    """The per-account table, then every refusal, rename and failure, then the outcome."""
    title = "Mail (dry run: nothing was changed)" if run.dry_run else "Mail"
    table = Table(title=title, title_justify="left")
    copied = "Would copy" if run.dry_run else "Copied"
    for column in ("Account", copied, "Size", "Already there", "Refused", "Flags", "Status"):
        table.add_column(column, justify="left" if column in ("Account", "Status") else "right")
    for result in run.results:
        totals = run.totals.get(result.account, MessageTotals())
        table.add_row(*_summary_row(run, result, totals))
    console.print(table)

    for result in run.results:
        for target in result.renamed:
            if target.notes:
                why = "; ".join(target.notes)
                console.print(
                    f"{result.account}: folder {target.source.name!r} is {target.name!r} on "
                    f"Carbonio ({why})"
                )
            else:
                console.print(
                    f"{result.account}: folder {target.source.name!r} goes into Carbonio's "
                    f"{target.name} folder"
                )
        for folder, reason in result.excluded:
            console.print(f"{result.account}: folder {folder.name!r} not copied: {reason}")
        for problem in result.problems:
            console.print(f"{result.account}: {problem.describe()}")
        if result.error:
            console.print(f"{result.account}: FAILED: {result.error}")

    console.print(_outcome(run))


def _summary_row(run: MailRun, result: AccountResult, totals: MessageTotals) -> list[str]:
    copied, size = result.copied, result.copied_bytes
    if run.dry_run:
        copied, size = result.would_copy, result.would_copy_bytes
    return [
        result.account,
        str(copied),
        human_size(size),
        str(result.present),
        str(max(result.refused, totals.refused)),
        str(result.flags_changed),
        _status(run, result),
    ]


def _status(run: MailRun, result: AccountResult) -> str:
    """One word or two for where the account stands after this run."""
    if result.error:
        return "failed"
    if run.needs_attention(result):
        return "needs attention"
    if result.unchanged:
        return "unchanged"
    if result.source_changed:
        return "source changed"
    return "complete"


def mail_report(run: MailRun) -> dict[str, Any]:
    """The run as plain data for ``--json``: per account, what this run did and what the
    state store holds, with every refusal, rename, left-out folder and failure."""
    return {
        "exit_status": int(run.exit_code),
        "dry_run": run.dry_run,
        "elapsed": round(run.elapsed, 3),
        "accounts": [
            _account_report(run, r, run.totals.get(r.account, MessageTotals()))
            for r in run.results
        ],
    }


def _account_report(run: MailRun, result: AccountResult, totals: MessageTotals) -> dict[str, Any]:
    return {
        "account": result.account,
        "source_account": result.source_account,
        "status": _status(run, result),
        "copied": result.copied,
        "copied_bytes": result.copied_bytes,
        "already_there": result.present,
        "refused": max(result.refused, totals.refused),
        "flags_changed": result.flags_changed,
        "folders_created": result.folders_created,
        "would_copy": result.would_copy,
        "would_copy_bytes": result.would_copy_bytes,
        "retries": result.retries,
        "error": result.error,
        "recorded": to_plain(totals),
        "problems": [to_plain(problem) for problem in result.problems],
        "renamed": [
            {"source": t.source.name, "destination": t.name, "notes": list(t.notes)}
            for t in result.renamed
        ],
        "excluded": [{"folder": f.name, "reason": reason} for f, reason in result.excluded],
    }


def _outcome(run: MailRun) -> str:
    code = run.exit_code
    accounts = len(run.results)
    if run.dry_run:
        count = sum(result.would_copy for result in run.results)
        size = human_size(sum(result.would_copy_bytes for result in run.results))
        return f"{accounts} account(s): {count} messages ({size}) would be copied; dry run."
    copied = sum(result.copied for result in run.results)
    size = human_size(sum(result.copied_bytes for result in run.results))
    text = f"{accounts} account(s), {copied} messages ({size}) copied in {run.elapsed:.1f} s: "
    if code == ExitCode.COMPLETE:
        return text + "complete."
    if code == ExitCode.SOURCE_CHANGED:
        return text + "the source changed during the run; run mail again to pick it up."
    return text + "needs attention (see above); run mail again after fixing the causes."
