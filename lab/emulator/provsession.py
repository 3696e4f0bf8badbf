"""State and helpers of one `carbonio prov -f` run: output streams, requests, lookups, dumps.

Commands talk to the emulator through the same handlers as SOAP clients, as the node's system
admin, so that request counters and faults are what a real run would produce.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lab.emulator import faults
from lab.emulator.element import Element, scalar_text
from lab.emulator.faults import SoapFault
from lab.emulator.handlers import ACCOUNT_NS, ADMIN_NS, Caller, Context, invoke

if TYPE_CHECKING:
    from collections.abc import Iterator

    from lab.emulator.server import CarbonioEmulator

_NAMESPACES = frozenset({ADMIN_NS, ACCOUNT_NS, "urn:zimbraMail"})
SAFEGUARDED_ATTRS = frozenset({"zimbraserviceenabled", "zimbraserviceinstalled"})


@dataclass
class ProvResult:
    """What a `carbonio prov -f FILE` run printed and how it exited."""

    stdout: str
    stderr: str
    exit_status: int


class ArgError(Exception):
    """Arguments the command cannot use; prov prints the usage line and goes on."""


class ExitRun(Exception):
    """The run ends now with `status` (an `exit` line, or an aborting error)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Session:
    """One run: where output goes, whether an error happened, and how requests are sent."""

    def __init__(self, emulator: CarbonioEmulator, cwd: Path, lines: Iterator[str]) -> None:
        self.emulator = emulator
        self.store = emulator.store
        self.cwd = cwd
        self.lines = lines
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.error_occurred = False

    # -- output ----------------------------------------------------------------------------

    def print(self, text: str) -> None:
        """Write to stdout without a newline."""
        self.stdout.append(text)

    def println(self, text: str = "") -> None:
        """Write a line to stdout."""
        self.stdout.append(text + "\n")

    def print_error(self, text: str) -> None:
        """Write a line to stderr."""
        self.stderr.append(text + "\n")

    def report(self, fault: SoapFault) -> None:
        """`ERROR: code (message)` on stderr, as the prov loop prints a service exception."""
        cause = f" (cause: {fault.cause})" if fault.cause else ""
        self.print_error(f"ERROR: {fault.code} ({fault.reason}){cause}")

    # -- requests --------------------------------------------------------------------------

    def send(self, request: Element) -> Element:
        """Run a request through the handlers as the system admin; faults propagate."""
        admin_url, user_url = self.urls()
        ctx = Context(self.store, caller=Caller.system(), admin_url=admin_url, user_url=user_url)
        return invoke(ctx, request, None, _NAMESPACES)

    def urls(self) -> tuple[str, str]:
        """The emulator's admin and user base URLs ('' when it is not listening)."""
        try:
            return self.emulator.admin_url, self.emulator.user_url
        except KeyError:
            return "", ""

    def request(self, request_name: str, /, **attrs: str) -> Element:
        """A new admin request element."""
        return Element(request_name, ns=ADMIN_NS, attrs=dict(attrs))

    # -- lookups (as the command-line client does them, by id when the key looks like one) --

    def lookup(self, request_name: str, selector: str, key: str, **options: str) -> Element:
        """Get* request for an entry by name or id; return the entry element of the answer."""
        request = self.request(request_name, **options)
        request.add(selector, key, by="id" if is_uuid(key) else "name")
        entry = self.send(request).first(selector)
        if entry is None:
            raise faults.failure(f"{request_name} answered without <{selector}>")
        return entry

    # -- argument helpers ------------------------------------------------------------------

    def attr_pairs(self, args: list[str], offset: int, *, create: bool) -> list[tuple[str, str]]:
        """`name value` pairs after `offset`; an odd count is an argument error.

        Replacing a safeguarded multi-valued attribute on a modify command aborts the run.
        """
        rest = args[offset:]
        if len(rest) % 2:
            raise ArgError("not enough arguments")
        pairs = list(zip(rest[0::2], rest[1::2], strict=True))
        if any(name == "" for name, _ in pairs):
            self.print_error(
                'Exception in thread "main" java.lang.StringIndexOutOfBoundsException: '
                "index 0, length 0"
            )
            raise ExitRun(1)
        if not create:
            self._check_safeguarded(pairs)
        return pairs

    def _check_safeguarded(self, pairs: list[tuple[str, str]]) -> None:
        """A plain (replacing) name given once for a safeguarded attribute needs `-r`."""
        counts: dict[str, int] = {}
        for name, _ in pairs:
            if name.lower() in SAFEGUARDED_ATTRS:
                counts[name.lower()] = counts.get(name.lower(), 0) + 1
        if any(count == 1 for count in counts.values()):
            self.print_error(
                "error: cannot replace multi-valued attr value unless -r is specified"
            )
            raise ExitRun(2)

    # -- dumps -----------------------------------------------------------------------------

    def dump_attrs(self, attrs: dict[str, list[str]], wanted: list[str]) -> None:
        """`name: value` lines sorted by name (Java's TreeMap order), one per non-empty value.

        `wanted` names may carry `=value` to print only that value, as the client allows.
        """
        filters = _attr_filters(wanted)
        for name in sorted(attrs):
            if filters is not None and name.lower() not in filters:
                continue
            only = filters.get(name.lower(), set()) if filters is not None else set()
            for value in attrs[name]:
                if value and (not only or value in only):
                    self.println(f"{name}: {value}")


def _attr_filters(wanted: list[str]) -> dict[str, set[str]] | None:
    """Parse `attr` / `attr=value` arguments (lower-cased names) into a filter."""
    if not wanted:
        return None
    filters: dict[str, set[str]] = {}
    for spec in wanted:
        name, sep, value = spec.partition("=")
        values = filters.setdefault(name.lower(), set())
        if sep and value:
            values.add(value)
    return filters


def entry_attrs(entry: Element) -> dict[str, list[str]]:
    """The `a` children of an entry element as name -> values."""
    attrs: dict[str, list[str]] = {}
    for a in entry.all("a"):
        attrs.setdefault(a.get("n") or "", []).append(a.value)
    return attrs


def entry_attr(entry: Element, name: str) -> str:
    """An attribute of the entry element itself (`name`, `id`)."""
    return scalar_text(entry.attrs.get(name, ""))


def is_uuid(value: str) -> bool:
    """The client's test for "looks like an id": 36 characters with dashes in place."""
    return len(value) == 36 and all(value[i] == "-" for i in (8, 13, 18, 23))
