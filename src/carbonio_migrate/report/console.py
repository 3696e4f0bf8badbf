"""Rendering findings and plans for a terminal (rich) or a pipe (plain text)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from carbonio_migrate.report.units import human_size
from carbonio_migrate.run.check import Finding, Status
from carbonio_migrate.run.plan import Plan

_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


def show_findings(console: Console, findings: list[Finding]) -> None:
    """One line a finding, ``STATUS subject: message``, and the fix under it."""
    for finding in findings:
        style = _STYLE[finding.status]
        console.print(
            f"[{style}]{finding.status.value:<4}[/] {finding.subject}: {finding.message}",
            highlight=False,
            markup=True,
        )
        if finding.remedy and finding.status != Status.OK:
            console.print(f"     → {finding.remedy}", highlight=False, markup=False)


def show_plan(console: Console, plan: Plan) -> None:
    """Accounts, lists, mailboxes, files and what cannot be migrated."""
    accounts = Table(title=f"Accounts ({len(plan.accounts)})", title_justify="left")
    for column in ("source", "destination", "name", "aliases", "folders", "messages", "size"):
        accounts.add_column(column)
    for person in plan.accounts:
        mailbox = plan.mailboxes.get(person.address)
        accounts.add_row(
            person.source_address,
            person.address,
            person.attributes.get("displayName", ""),
            ", ".join(person.aliases),
            str(len(mailbox.folders)) if mailbox else "?",
            str(mailbox.messages) if mailbox else "?",
            human_size(mailbox.size) if mailbox else "?",
        )
    console.print(accounts)
    if plan.disabled:
        names = ", ".join(person.address for person in plan.disabled)
        console.print(f"Disabled in the directory, not migrated ({len(plan.disabled)}): {names}")

    lists = Table(title=f"Distribution lists ({len(plan.lists)})", title_justify="left")
    for column in ("address", "name", "members", "from"):
        lists.add_column(column)
    for planned in plan.lists:
        lists.add_row(planned.address, planned.name, str(len(planned.members)), planned.origin)
    console.print(lists)

    _show_folders(console, plan)
    _show_files(console, plan)

    total_messages = sum(m.messages for m in plan.mailboxes.values())
    total_size = sum(m.size for m in plan.mailboxes.values())
    console.print(
        f"Mail: {total_messages} messages, {human_size(total_size)} in "
        f"{len(plan.mailboxes)} mailboxes"
    )
    for line in plan.not_migrated:
        console.print(f"Not migrated: {line}", highlight=False)
    for problem in plan.problems:
        console.print(f"[yellow]Attention:[/] {problem}", highlight=False)


def _show_folders(console: Console, plan: Plan) -> None:
    table = Table(title="Folders", title_justify="left")
    for column in ("account", "folder", "messages", "size", "largest"):
        table.add_column(column)
    for address, mailbox in plan.mailboxes.items():
        for folder in mailbox.folders:
            table.add_row(
                address,
                folder.name + (f" ({folder.special_use})" if folder.special_use else ""),
                str(folder.messages),
                human_size(folder.size),
                human_size(folder.largest),
            )
    console.print(table)


def _show_files(console: Console, plan: Plan) -> None:
    for label, found in (("Calendar files", plan.calendars), ("Contact files", plan.contacts)):
        if found is None:
            continue
        if found.folder is None:
            console.print(f"{label}: no folder configured")
            continue
        console.print(
            f"{label} in {found.folder}: {len(found.by_account)} accounts have one, "
            f"{len(found.missing)} have none"
            + (f" ({', '.join(found.missing)})" if found.missing else "")
        )
