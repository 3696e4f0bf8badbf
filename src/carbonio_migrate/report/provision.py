"""Console output of phase 1: the changes, what was refused, and what needs attention."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from carbonio_migrate.provision.autoprov import Preview
from carbonio_migrate.run.provision import ProvisionResult


def show_provision(console: Console, result: ProvisionResult, *, mode: str) -> None:
    """``mode`` is "dry-run", "commands" or "live"."""
    plan = result.plan
    if not plan.actions:
        console.print("Nothing to change: Carbonio already matches the directory.")
    elif mode == "dry-run":
        console.print(f"Would make {len(plan.actions)} change(s):")
        for action in plan.actions:
            console.print(f"  {action.describe()}", highlight=False, markup=False)
    elif mode == "live":
        kinds = Counter(type(action).__name__ for action in result.applied)
        summary = ", ".join(f"{count} {_label(kind)}" for kind, count in sorted(kinds.items()))
        console.print(f"Applied {len(result.applied)} change(s): {summary or 'none'}")

    for action, reason in result.failed:
        console.print(f"[red]Refused:[/] {action.describe()}: {reason}", highlight=False)
    for difference in plan.differences:
        console.print(f"Differs (use --update to apply): {difference}", highlight=False)
    for skipped in plan.skipped:
        console.print(f"Left out: {skipped}", highlight=False, markup=False)
    for problem in plan.problems:
        console.print(f"[yellow]Attention:[/] {problem}", highlight=False)
    for notice in result.notices:
        console.print(notice, highlight=False, markup=False)


def _label(kind: str) -> str:
    return {
        "CreateAccount": "account(s) created",
        "AddAlias": "alias(es) added",
        "ModifyAccount": "account(s) updated",
        "CreateList": "list(s) created",
        "AddMembers": "membership change(s)",
        "ModifyDomain": "domain setting change(s)",
        "ModifyServer": "server setting change(s)",
    }.get(kind, kind)


def show_preview(console: Console, previews: list[Preview]) -> None:
    """The accounts EAGER auto-provisioning would create, and the entries it would not."""
    for preview in previews:
        table = Table(
            title=f"EAGER auto-provisioning of {preview.domain}: {len(preview.accounts)} accounts",
            title_justify="left",
        )
        for column in ("account", "entry", "attributes"):
            table.add_column(column)
        for entry in preview.accounts:
            values = ", ".join(f"{k}={v}" for k, v in sorted(entry.attributes.items()))
            table.add_row(entry.address, entry.dn, values)
        console.print(table)
        console.print(f"Filter: {preview.filter}", highlight=False, markup=False)
        for dn, reason in preview.rejected:
            console.print(f"Not provisioned: {dn} {reason}", highlight=False, markup=False)
