"""What the administrator reads after ``verify``: per-account totals that close, folder
counts on request, every difference with its reason, and the same as JSON for scripts."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from carbonio_migrate.report.json_output import to_plain
from carbonio_migrate.run.verify import VerifyRun


def verification_report(run: VerifyRun) -> dict[str, Any]:
    """The comparison as plain data for ``--json``: totals, folders and every difference."""
    return {
        "exit_status": int(run.exit_code),
        "elapsed": round(run.elapsed, 3),
        "accounts": [{**to_plain(result), "equal": result.equal} for result in run.results],
    }


_TOTALS = ("copied", "present", "refused", "failed", "source_messages")


def show_verification(console: Console, run: VerifyRun, *, folders: bool = False) -> None:
    """Per-account totals (and, with ``folders``, per-folder counts), then every difference."""
    table = Table(title="Verify", title_justify="left")
    for column in ("Account", "Source", "Copied", "Already there", "Refused", "Failed", "Result"):
        table.add_column(column, justify="left" if column in ("Account", "Result") else "right")
    for result in run.results:
        outcome = "error" if result.error else "equal" if result.equal else "differs"
        table.add_row(
            result.account,
            str(result.source_messages),
            str(result.copied),
            str(result.present),
            str(result.refused),
            str(result.failed),
            outcome,
        )
    console.print(table)

    for result in run.results:
        if folders:
            for folder in result.folders:
                console.print(
                    f"{result.account}: {folder.destination} <- {', '.join(folder.sources)}: "
                    f"source {folder.source_messages} ({folder.source_bytes} bytes), "
                    f"destination {folder.destination_messages} "
                    f"({folder.destination_bytes} bytes)"
                )
        if result.error:
            console.print(f"{result.account}: could not be verified: {result.error}")
        for difference in result.differences:
            console.print(f"{result.account}: {difference.describe()}")

    totals = [sum(getattr(r, name) for r in run.results) for name in _TOTALS]
    console.print(
        f"Totals: {totals[0]} copied + {totals[1]} already there + {totals[2]} refused + "
        f"{totals[3]} failed = {sum(totals[:4])} of {totals[4]} source messages."
    )
    equal = sum(1 for result in run.results if result.equal)
    console.print(
        f"{equal} of {len(run.results)} account(s) equal on both sides "
        f"(checked in {run.elapsed:.1f} s)."
    )
