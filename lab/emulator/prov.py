"""`carbonio prov -f FILE` against the emulator, as a Python function (reference 2).

Prints `prov> ` before every line read, reports service errors on stderr and goes on, ends
with status 0 at end of file and with 2 after `exit` if an error happened.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lab.emulator.faults import SoapFault
from lab.emulator.provcommands import COMMANDS, LDAP_ONLY
from lab.emulator.provlex import logical_lines, parse_line, physical_lines
from lab.emulator.provsession import ArgError, ExitRun, ProvResult, Session

if TYPE_CHECKING:
    from lab.emulator.server import CarbonioEmulator

__all__ = ["ProvResult", "parse_line", "run_prov_file"]

UNKNOWN_COMMAND = "Unknown command. Type: 'help commands' for a list"


def run_prov_file(
    emulator: CarbonioEmulator, text: str | bytes, *, cwd: Path | None = None
) -> ProvResult:
    """Run a command file; `cwd` is where `postRestURL` file paths are resolved."""
    if isinstance(text, bytes):
        # The file is read as UTF-8 with no BOM handling, so a BOM stays in the first token.
        text = text.decode("utf-8", errors="replace")
    lines = logical_lines(iter(physical_lines(text)))
    session = Session(emulator, cwd or Path.cwd(), lines)
    status = _loop(session)
    return ProvResult("".join(session.stdout), "".join(session.stderr), status)


def _loop(session: Session) -> int:
    """Read, tokenise and execute lines until end of file or `exit`."""
    while True:
        session.print("prov> ")
        line = next(session.lines, None)
        if line is None:
            return 0
        args = parse_line(line)
        if args and args[0].lower() == "prov":
            args = args[1:]
        if not args:
            continue
        try:
            _execute(session, args)
        except ExitRun as stop:
            return stop.status


def _execute(session: Session, args: list[str]) -> None:
    """Run one command; service errors are reported and remembered, argument errors not."""
    command = COMMANDS.get(args[0].lower())
    if command is None:
        session.println(UNKNOWN_COMMAND)
        return
    if command.ldap_only:
        session.println(f"{command.name} {LDAP_ONLY}\n")
        return

    given = len(args) - 1
    if not command.min_args <= given <= command.max_args:
        noun, verb = ("argument", "has") if given == 1 else ("arguments", "have")
        session.print_error(
            f"{command.name} is expecting {command.count_description()} arguments "
            f"but {given} {noun} {verb} been provided"
        )
        session.println(command.usage())
        return
    try:
        command.run(session, args)
    except SoapFault as fault:
        session.error_occurred = True
        session.report(fault)
    except ArgError:
        session.println(command.usage())
