"""The command line: wiring only. Each command loads the configuration and calls a phase."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from carbonio_migrate import __version__, logs
from carbonio_migrate.config import DEFAULT_CONFIG_NAME, Settings, load_settings
from carbonio_migrate.config_template import Preset, render_template
from carbonio_migrate.errors import ExitCode, MigrateError

if TYPE_CHECKING:
    from carbonio_migrate.run.imports import PhaseResult

# Each command imports its phase when it runs: loading every phase's libraries up front
# would slow down every command, the quick ones (a no-op rerun, --help) most of all.

log = logging.getLogger("carbonio_migrate")

app = typer.Typer(
    name="carbonio-migrate",
    help="Move an organisation from a generic IMAP and LDAP/AD mail system to Carbonio.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

ConfigOption = Annotated[
    Path,
    typer.Option("--config", "-c", help="The configuration file.", show_default=True),
]


def _version(value: bool) -> None:
    if value:
        print(f"carbonio-migrate {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More detail: -v info, -vv debug.")
    ] = 0,
    version: Annotated[  # noqa: ARG001 - handled by its eager callback
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Move an organisation from a generic IMAP and LDAP/AD mail system to Carbonio.

    Start with `carbonio-migrate init`, edit migration.toml, then run `check` and `plan`.
    """
    logs.configure(verbose)


@app.command()
def init(
    preset: Annotated[
        str, typer.Option(help="The source directory: openldap or ad (Active Directory).")
    ] = "openldap",
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write it.")] = Path(
        DEFAULT_CONFIG_NAME
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented migration.toml to edit.

    Example: carbonio-migrate init --preset ad
    """
    if preset not in ("openldap", "ad"):
        raise MigrateError(f"unknown preset {preset!r}", remedy="use --preset openldap or ad")
    if output.exists() and not force:
        raise MigrateError(f"{output} already exists", remedy="use --force to overwrite it")
    chosen: Preset = "ad" if preset == "ad" else "openldap"
    output.write_text(render_template(chosen), encoding="utf-8")
    print(f"Wrote {output}. Edit it, then run: carbonio-migrate check -c {output}")


@app.command()
def check(config: ConfigOption = Path(DEFAULT_CONFIG_NAME)) -> None:
    """Reach every server and check the destination's requirements.

    Each line is OK, WARN or FAIL with what to do. Exit status 1 when something FAILs.

    Example: carbonio-migrate check -c migration.toml
    """
    from carbonio_migrate.report.console import show_findings
    from carbonio_migrate.run.check import Checker, Status
    from carbonio_migrate.run.connect import Connections

    settings = _settings(config)
    findings = Checker(settings, Connections(settings)).run()
    show_findings(Console(highlight=False, soft_wrap=True), findings)
    if any(finding.status == Status.FAIL for finding in findings):
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@app.command()
def plan(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Show who and what will move, changing nothing anywhere.

    Accounts and their new addresses, distribution lists, every mailbox's folders with
    message counts and sizes, the calendar and contact files found, and what cannot move.

    Example: carbonio-migrate plan --json > plan.json
    """
    from carbonio_migrate.report.console import show_plan
    from carbonio_migrate.report.json_output import dumps
    from carbonio_migrate.run.connect import Connections
    from carbonio_migrate.run.plan import make_plan

    settings = _settings(config)
    result = make_plan(settings, Connections(settings))
    if json:
        print(dumps(result))
    else:
        show_plan(Console(soft_wrap=True), result)
    if result.problems:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@app.command()
def provision(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the changes only.")] = False,
    write_commands: Annotated[
        Path | None,
        typer.Option("--write-commands", help="Write a carbonio prov -f file instead."),
    ] = None,
    update: Annotated[
        bool, typer.Option("--update", help="Also change existing accounts that differ.")
    ] = False,
    preview_autoprov: Annotated[
        bool,
        typer.Option("--preview-autoprov", help="Show what EAGER auto-provisioning would create."),
    ] = False,
) -> None:
    """Phase 1: auto-provisioning settings, accounts, aliases and distribution lists.

    Only what is missing on Carbonio is changed, so running it again is safe; existing
    accounts that differ from the directory are reported, and changed with --update.

    Example: carbonio-migrate provision --dry-run, then carbonio-migrate provision
    """
    from carbonio_migrate.report import provision as report_provision
    from carbonio_migrate.run import provision as provision_run
    from carbonio_migrate.run.connect import Connections
    from carbonio_migrate.state import StateStore

    settings = _settings(config)
    connections = Connections(settings)
    console = Console(highlight=False, soft_wrap=True)
    if preview_autoprov:
        report_provision.show_preview(
            console, provision_run.preview_autoprov(settings, connections)
        )
        return

    with connections.admin() as client:
        plan = provision_run.make_provision_plan(settings, connections, client, update=update)
        if dry_run:
            result = provision_run.ProvisionResult(plan)
            mode = "dry-run"
        elif write_commands:
            result = provision_run.write_plan(plan, write_commands, settings)
            mode = "commands"
        else:
            state = StateStore.open(settings.state_url)
            result = provision_run.apply_plan(plan, client, state, settings)
            mode = "live"
    report_provision.show_provision(console, result, mode=mode)
    if result.needs_attention:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@app.command("dl-commands")
def dl_commands(
    csv_file: Annotated[Path, typer.Argument(help="The dl_provisioning.csv file.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Turn dl_provisioning.csv into a safely quoted carbonio prov -f file.

    Each row (list address, description, name, members...) becomes a createDistributionList
    and an addDistributionListMember command. Bad rows are reported with their line.

    Example: carbonio-migrate dl-commands dl_provisioning.csv -o dl_provisioning.cmd
    """
    from carbonio_migrate.carbonio.prov import CommandFile
    from carbonio_migrate.provision.dl_csv import read_list_file
    from carbonio_migrate.provision.planner import QUIET_LIST

    found = read_list_file(csv_file)
    stream = output.open("w", encoding="utf-8", newline="\n") if output else sys.stdout
    commands = CommandFile(stream)
    for row in found.lists:
        attributes = [("displayName", row.name), ("description", row.description)]
        flat = [part for name, value in attributes if value for part in (name, value)]
        commands.add("cdl", row.address, *flat, *QUIET_LIST)
        if row.members:
            commands.add("adlm", row.address, *row.members)
    if output:
        commands.close()
    else:
        sys.stdout.write("exit\n")
    for problem in found.problems:
        print(f"carbonio-migrate: {problem}", file=sys.stderr)
    if found.problems:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Read and check everything; send nothing.")
]
WriteCommandsOption = Annotated[
    Path | None,
    typer.Option(
        "--write-commands",
        help="Write a carbonio prov -f file (sm ... postRestURL lines) and the files it posts.",
    ),
]
AccountOption = Annotated[
    list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
]
FromDavOption = Annotated[
    bool, typer.Option("--from-dav", help="Read from the [source.dav] server, not from files.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@app.command()
def mail(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    account: Annotated[
        list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Accounts copied at once.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be copied; change nothing.")
    ] = False,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include", help="Only folders matching this, e.g. 'Projects/*' (added to [mail])."
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave out folders matching this (added to [mail])."),
    ] = None,
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck",
            help="Look at every folder, even unchanged; send again what was lost or refused.",
        ),
    ] = False,
    json: JsonOption = False,
) -> None:
    """Phase 2-1: copy every account's mail, IMAP to IMAP; run it again to copy only changes.

    Exit status 0: complete; 1: something needs attention (refused messages, failed
    accounts); 2: the source changed during the run (run it again).

    Example: carbonio-migrate mail --workers 8, later carbonio-migrate mail for the delta
    """
    from carbonio_migrate.report import mail as mail_report
    from carbonio_migrate.report.json_output import dumps
    from carbonio_migrate.run import mail as mail_run
    from carbonio_migrate.run.connect import Connections

    settings = _settings(config)
    options = mail_run.MailOptions(
        accounts=tuple(account or ()),
        workers=workers,
        dry_run=dry_run,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
        recheck=recheck,
    )
    # With --json, standard output carries the JSON alone; progress goes to standard error.
    console = Console(highlight=False, soft_wrap=True, stderr=json)
    result = mail_run.run_mail(settings, Connections(settings), options, console=console)
    if json:
        print(dumps(mail_report.mail_report(result)))
    else:
        mail_report.show_summary(console, result)
    if result.exit_code != ExitCode.COMPLETE:
        raise typer.Exit(result.exit_code)


@app.command()
def verify(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    account: Annotated[
        list[str] | None, typer.Option("--account", "-a", help="Only this account (repeatable).")
    ] = None,
    content: Annotated[
        bool, typer.Option("--content", help="Also compare a hash of every message's content.")
    ] = False,
    folders: Annotated[
        bool, typer.Option("--folders", help="Show every folder's counts.")
    ] = False,
    include: Annotated[
        list[str] | None, typer.Option("--include", help="As for mail: only these folders.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="As for mail: not these folders.")
    ] = None,
    json: JsonOption = False,
) -> None:
    """Compare every account's mail on the source and on Carbonio, folder by folder.

    Counts, sizes, flags and INTERNALDATEs (and content with --content); every difference is
    listed with its reason. Exit status 1 when anything differs.

    Example: carbonio-migrate verify --account jdoe@example.com --content
    """
    from carbonio_migrate.report import verify as verify_report
    from carbonio_migrate.report.json_output import dumps
    from carbonio_migrate.run import verify as verify_run
    from carbonio_migrate.run.connect import Connections

    settings = _settings(config)
    options = verify_run.VerifyOptions(
        tuple(account or ()),
        content=content,
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
    )
    result = verify_run.run_verify(settings, Connections(settings), options)
    if json:
        print(dumps(verify_report.verification_report(result)))
    else:
        console = Console(highlight=False, soft_wrap=True)
        verify_report.show_verification(console, result, folders=folders)
    if result.exit_code != ExitCode.COMPLETE:
        raise typer.Exit(result.exit_code)


@app.command()
def calendars(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    dry_run: DryRunOption = False,
    write_commands: WriteCommandsOption = None,
    account: AccountOption = None,
    from_dav: FromDavOption = False,
    json: JsonOption = False,
) -> None:
    """Phase 2-2: each account's calendar (<account>.ics), checked, repaired, imported once.

    Broken events are reported with file and line and left out; missing time zones, UIDs and
    renamed domains are repaired. A rerun sends only new or changed events.

    Example: carbonio-migrate calendars --dry-run, then carbonio-migrate calendars
    """
    from carbonio_migrate.run import calendars as calendars_run
    from carbonio_migrate.run import imports as imports_run
    from carbonio_migrate.run.connect import Connections

    settings = _settings(config)
    use_dav = from_dav or (settings.source.dav is not None and settings.files.calendars is None)
    options = imports_run.Options(dry_run, write_commands, tuple(account or ()), use_dav=use_dav)
    result = calendars_run.import_calendars(settings, Connections(settings), options)
    _show_import(result, as_json=json)


@app.command()
def contacts(
    config: ConfigOption = Path(DEFAULT_CONFIG_NAME),
    dry_run: DryRunOption = False,
    write_commands: WriteCommandsOption = None,
    account: AccountOption = None,
    from_dav: FromDavOption = False,
    resend_uncertain: Annotated[
        bool,
        typer.Option(
            "--resend-uncertain",
            help="Send again the contacts of a batch that failed half-way in an earlier run.",
        ),
    ] = False,
    json: JsonOption = False,
) -> None:
    """Phase 2-3: each account's contacts (<account>.csv or .vcf), converted, imported once.

    Thunderbird, Outlook and Google CSV and vCard 2.1 to 4.0 are read; contacts are sent in
    the [imports] contact_format. Carbonio does not deduplicate contacts, so a rerun sends
    only contacts it has not sent before.

    Example: carbonio-migrate contacts --account jdoe@example.com
    """
    from carbonio_migrate.run import contacts as contacts_run
    from carbonio_migrate.run import imports as imports_run
    from carbonio_migrate.run.connect import Connections

    settings = _settings(config)
    use_dav = from_dav or (settings.source.dav is not None and settings.files.contacts is None)
    options = imports_run.Options(
        dry_run, write_commands, tuple(account or ()), use_dav, resend_uncertain
    )
    result = contacts_run.import_contacts(settings, Connections(settings), options)
    _show_import(result, as_json=json)


def _show_import(result: PhaseResult, *, as_json: bool) -> None:
    from carbonio_migrate.report.json_output import dumps
    from carbonio_migrate.run import imports as imports_run

    if as_json:
        print(dumps(result))
    else:
        console = Console(highlight=False, soft_wrap=True)
        imports_run.show_result(console, result, verbose=log.isEnabledFor(logging.INFO))
    if result.needs_attention:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


def _settings(config: Path) -> Settings:
    settings = load_settings(config)
    log.debug("Configuration read from %s", config)
    return settings


def main() -> None:
    """Entry point: runs the app and turns expected errors into a message and an exit code."""
    try:
        result = app(standalone_mode=False)
    except MigrateError as exc:
        print(f"carbonio-migrate: {logs.redact(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # a mistyped command line
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            print(f"carbonio-migrate: {exc.format_message()}", file=sys.stderr)
        sys.exit(ExitCode.CONFIG_OR_CONNECTION)
    except (KeyboardInterrupt, typer.Abort):
        print(
            "carbonio-migrate: interrupted; run the same command again to resume",
            file=sys.stderr,
        )
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # a bug: one line for the administrator, details at debug level
        log.debug("Unexpected error", exc_info=True)
        print(
            f"carbonio-migrate: internal error: {logs.redact(repr(exc))}\n"
            "  → run again with -vv for details, and report it",
            file=sys.stderr,
        )
        sys.exit(ExitCode.INTERNAL_ERROR)
    sys.exit(result if isinstance(result, int) else ExitCode.COMPLETE)
