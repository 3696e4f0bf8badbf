"""Driving phases 2-2 and 2-3: per-account jobs that read, compare with the state, and send.

For each account the phase reads its documents (exported files or the DAV server), keeps what
the state store does not already hold unchanged, and sends that through Carbonio's REST
import in batches, recording each accepted batch at once; or writes the batches and
``sm ... postRestURL`` lines to a command file; or, with a dry run, only counts. Accounts run
in parallel; one account's failure is reported with Carbonio's message and the others go on.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from carbonio_migrate import logs
from carbonio_migrate.calendars.dav import DavSource
from carbonio_migrate.calendars.events import Document
from carbonio_migrate.calendars.lines import Finding, Severity
from carbonio_migrate.carbonio.prov import quote
from carbonio_migrate.carbonio.rest import RestClient, RestError
from carbonio_migrate.config import Credentials, Settings
from carbonio_migrate.directory.reader import Person, read_directory
from carbonio_migrate.errors import ConfigError, MigrateError
from carbonio_migrate.exports import find_exports
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.items import ItemKind, ItemStatus, known_items, record_items
from carbonio_migrate.secrets import obtain_password
from carbonio_migrate.state import PhaseStatus, StateStore
from carbonio_migrate.tls import client_context

log = logging.getLogger(__name__)

_SAFE_NAME = re.compile(r"[^A-Za-z0-9@._+-]")
_SHOWN_PER_ACCOUNT = 20


# -- what a phase provides ------------------------------------------------------------------------


@dataclass
class Item:
    """One event or contact ready to send, with its identity and fingerprint."""

    key: str
    fingerprint: str
    group: str  # items of one group travel together (an event series)
    where: str  # file:line
    payload: object


@dataclass
class Prepared:
    """What a phase made of one account's documents."""

    items: list[Item] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    read: int = 0
    broken: int = 0
    skipped: int = 0
    context: object = None  # what the phase needs again to write batches (time zones)


@dataclass(frozen=True)
class Batch:
    """One body for one REST import, and the items in it."""

    body: bytes
    items: tuple[Item, ...]


class Phase(Protocol):
    """Calendars or contacts: how to read documents and how to send items."""

    name: str  # "calendars" or "contacts"
    kind: ItemKind
    folder: str  # the Carbonio folder imported into
    suffixes: tuple[str, ...]  # of the exported files
    updates_in_place: bool  # whether sending a changed item updates it on Carbonio
    query: str  # the REST query string
    content_type: str
    file_suffix: str

    def prepare(self, documents: Sequence[Document]) -> Prepared:
        """Read and check an account's documents."""
        ...

    def batches(self, items: Sequence[Item], context: object) -> list[Batch]:
        """Bodies to send for ``items`` (``context`` comes from prepare())."""
        ...

    def from_dav(self, dav: DavSource, account: str) -> list[Document]:
        """An account's documents from the DAV server (its source address)."""
        ...

    def notes(self, items: Sequence[Item]) -> list[str]:
        """Things to tell about a whole account's items (fields a format cannot carry)."""
        ...


# -- results --------------------------------------------------------------------------------------


@dataclass
class AccountResult:
    """Counts and findings of one account."""

    address: str
    read: int = 0
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    broken: int = 0
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def needs_attention(self) -> bool:
        """Whether something was left out or failed."""
        return bool(self.broken or self.error)


@dataclass
class PhaseResult:
    """The whole run: every account, the files nobody owns, and the accounts without data."""

    phase: str
    mode: str  # "live", "dry-run" or "commands"
    accounts: list[AccountResult] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    without_data: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """Whether the exit status should say so."""
        return bool(self.unknown) or any(a.needs_attention for a in self.accounts)

    def total(self, name: str) -> int:
        """The sum of one count over the accounts."""
        return sum(int(getattr(account, name)) for account in self.accounts)


# -- where the documents come from ----------------------------------------------------------------


@dataclass
class Source:
    """Each account's documents, from files or from the DAV server."""

    accounts: list[Person]
    load: Callable[[Person], list[Document]]
    unknown: list[str]
    without_data: list[str]
    notices: list[str]
    dav: DavSource | None = None


def file_source(
    settings: Settings, phase: Phase, people: list[Person], ignored: list[Person]
) -> Source:
    """Documents from the export folder: ``<account>.<suffix>``, account names mapped."""
    folder = settings.files.calendars if phase.kind == ItemKind.EVENT else settings.files.contacts
    if folder is None:
        raise ConfigError(
            f"no {phase.name} folder is configured",
            problems=[f"set files.{phase.name} in the configuration, or configure [source.dav]"],
        )
    by_address = _address_lookup(settings, people)
    found = find_exports(
        folder,
        phase.suffixes,
        [p.address for p in people],
        lambda stem: by_address.get(settings.map_address(stem), settings.map_address(stem)),
        ignored=[p.address for p in ignored],
    )
    paths = found.by_account
    notices = [f"{path.name}: the account is disabled; not imported" for path in found.skipped]
    return Source(
        accounts=[p for p in people if p.address in paths],
        load=lambda person: [Document(p.name, p.read_bytes()) for p in paths[person.address]],
        unknown=[f"{path}: {phase.name} file for an unknown account" for path in found.unknown],
        without_data=found.missing,
        notices=notices,
    )


def _address_lookup(settings: Settings, people: list[Person]) -> dict[str, str]:
    """Any address of a person (source, alias, destination) -> the destination account."""
    lookup: dict[str, str] = {}
    for person in people:
        for address in (*person.aliases, settings.map_address(person.source_address)):
            lookup.setdefault(address, person.address)
        lookup[person.address] = person.address
    return lookup


def dav_source(settings: Settings, connections: Connections, people: list[Person]) -> Source:
    """Documents from the CalDAV/CardDAV server, as its administrator or as each account."""
    dav = settings.source.dav
    if dav is None:
        raise ConfigError("no [source.dav] server is configured")
    verify = client_context(dav.ca_file, verify=dav.verify_tls, what="the DAV server")
    if dav.user is not None:
        client = DavSource(dav, password=connections.password(dav, "source.dav"), verify=verify)
    else:
        client = DavSource(
            dav, user_passwords=_user_passwords(dav.user_passwords_file), verify=verify
        )
    return Source(
        accounts=list(people),
        load=lambda _p: [],
        unknown=[],
        without_data=[],
        notices=[],
        dav=client,
    )


def _user_passwords(path: Path | None) -> dict[str, str]:
    """``address password`` lines of a 0600 file (checked like every password file)."""
    text = obtain_password(Credentials(password_file=path), key="source.dav.user_passwords_file")
    passwords = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            address, _, password = line.strip().partition(" ")
            password = password.strip() or line.strip().partition("\t")[2].strip()
            logs.register_secret(password)
            passwords[address.lower()] = password
    return passwords


# -- the run --------------------------------------------------------------------------------------


@dataclass
class Options:
    """What the command line asked for."""

    dry_run: bool = False
    write_commands: Path | None = None
    accounts: tuple[str, ...] = ()
    use_dav: bool = False
    resend_uncertain: bool = False


def run_phase(
    phase: Phase, settings: Settings, connections: Connections, options: Options
) -> PhaseResult:
    """Read the directory, find each account's data, and import it (or write or count it)."""
    mode = "dry-run" if options.dry_run else "commands" if options.write_commands else "live"
    result = PhaseResult(phase.name, mode)
    with connections.directory() as directory:
        snapshot = read_directory(settings, directory)
    people = _chosen(snapshot.people, options.accounts)

    source = (
        dav_source(settings, connections, people)
        if options.use_dav
        else file_source(settings, phase, people, snapshot.disabled)
    )
    result.unknown, result.without_data = source.unknown, source.without_data
    result.notices += source.notices
    store = StateStore.open(settings.state_url)
    try:
        with _sender(settings, connections, options) as sender:
            result.accounts = _run_accounts(phase, source, store, sender, settings.run.workers)
    finally:
        if source.dav is not None:
            source.dav.close()
        store.close()
    if source.dav is not None:
        result.without_data = [a.address for a in result.accounts if not a.read and not a.error]
        result.accounts = [a for a in result.accounts if a.read or a.error]
    if options.write_commands:
        result.notices.append(
            f"Wrote {options.write_commands}: copy it and the folder "
            f"{_files_folder(options.write_commands).name} to the Carbonio node and run, in "
            f"that folder: carbonio prov -f {options.write_commands.name}"
        )
    return result


def _chosen(people: list[Person], wanted: tuple[str, ...]) -> list[Person]:
    """The people named with --account (all when none is named)."""
    if not wanted:
        return people
    names = {name.lower() for name in wanted}
    chosen = [p for p in people if p.address in names or p.source_address.lower() in names]
    missing = names - {p.address for p in chosen} - {p.source_address.lower() for p in chosen}
    if missing:
        raise ConfigError(
            "unknown account(s): " + ", ".join(sorted(missing)),
            problems=["name accounts by their address, as carbonio-migrate plan lists them"],
        )
    return chosen


def _run_accounts(
    phase: Phase, source: Source, store: StateStore, sender: _Sender, workers: int
) -> list[AccountResult]:
    """Every account, several at a time, with a progress bar on a terminal."""
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(f"{phase.name}", total=len(source.accounts))

        def job(person: Person) -> AccountResult:
            try:
                return _run_account(phase, source, person, store, sender)
            finally:
                progress.advance(task)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return list(pool.map(job, source.accounts))


def _run_account(
    phase: Phase, source: Source, person: Person, store: StateStore, sender: _Sender
) -> AccountResult:
    """Read, compare and send one account's data; problems end up in its result."""
    result = AccountResult(person.address)
    store.set_phase(person.address, phase.name, PhaseStatus.RUNNING)
    try:
        documents = (
            phase.from_dav(source.dav, person.source_address)
            if source.dav is not None
            else source.load(person)
        )
        prepared = phase.prepare(documents)
        result.read, result.broken, result.skipped = (
            prepared.read,
            prepared.broken,
            prepared.skipped,
        )
        result.findings += prepared.findings
        _send(phase, person.address, prepared, store, sender, result)
    except (MigrateError, OSError) as exc:
        result.error = logs.redact(str(exc))

    _record_outcome(phase, store, result)
    return result


def _send(
    phase: Phase,
    address: str,
    prepared: Prepared,
    store: StateStore,
    sender: _Sender,
    result: AccountResult,
) -> None:
    """Send what is new (and changed, where Carbonio can update it), batch by batch."""
    account_id = store.account_id(address)
    known = known_items(store, account_id, phase.kind)
    new, changed, groups = set(), set(), set()
    items = prepared.items
    for item in items:
        earlier = known.get(item.key)
        if earlier is None or (earlier.status == ItemStatus.UNCERTAIN and sender.resend_uncertain):
            new.add(item.key)
        elif earlier.status == ItemStatus.UNCERTAIN:
            result.skipped += 1
            result.findings.append(Finding(item.where, _UNCERTAIN, Severity.SKIPPED))
            continue
        elif earlier.fingerprint == item.fingerprint:
            result.skipped += 1
            continue
        elif phase.updates_in_place:
            changed.add(item.key)
        else:
            # TODO: a changed contact is reported, not updated; updating needs its Carbonio id
            # (SearchRequest as the user, then ModifyContactRequest), which REST does not give.
            result.skipped += 1
            result.findings.append(Finding(item.where, _CHANGED, Severity.SKIPPED))
            continue
        groups.add(item.group)

    # A series travels whole, so Carbonio never sees an occurrence without its master.
    to_send = [item for item in items if item.group in groups]
    if not to_send:
        return
    result.findings += [Finding(address, note, Severity.REPAIRED) for note in phase.notes(to_send)]
    for batch in phase.batches(to_send, prepared.context):
        sender.send(phase, address, account_id, batch, store)
        result.imported += sum(1 for item in batch.items if item.key in new)
        result.updated += sum(1 for item in batch.items if item.key in changed)


_UNCERTAIN = (
    "a contact whose import failed half-way in an earlier run is not sent again, so that it "
    "cannot be duplicated; check the account, then rerun with --resend-uncertain"
)
_CHANGED = (
    "a contact changed since it was imported; Carbonio's import cannot update a contact "
    "(sending it again would add a second one), so it is left as it is on Carbonio"
)


def _record_outcome(phase: Phase, store: StateStore, result: AccountResult) -> None:
    """The account's phase status and its findings in the state store's event log."""
    if result.error:
        status = PhaseStatus.FAILED
    elif result.broken:
        status = PhaseStatus.ATTENTION
    else:
        status = PhaseStatus.DONE
    store.set_phase(result.address, phase.name, status, result.error)
    if result.error:
        store.log("error", phase.name, result.error, account=result.address)
    for finding in result.findings:
        if finding.severity != Severity.NOTE:
            level = "error" if finding.severity == Severity.BROKEN else "warning"
            store.log(
                level, phase.name, finding.message, account=result.address, location=finding.where
            )


# -- sending, writing or counting -----------------------------------------------------------------


class _Sender:
    """Where batches go: Carbonio's REST import, a command file, or nowhere (dry run)."""

    def __init__(self, rest: RestClient | None, commands: _CommandWriter | None, options: Options):
        self.rest = rest
        self.commands = commands
        self.resend_uncertain = options.resend_uncertain

    def send(
        self, phase: Phase, address: str, account_id: int, batch: Batch, store: StateStore
    ) -> None:
        """Deliver one batch and record its items; raise RestError when Carbonio refuses."""
        entries = [(item.key, item.fingerprint) for item in batch.items]
        if self.commands is not None:
            # TODO: written items count as sent, so a later live run skips them even if the
            # administrator never ran the file; only deleting the state store undoes that.
            self.commands.add(phase, address, batch.body)
            record_items(store, account_id, phase.kind, entries, ItemStatus.WRITTEN)
            return
        if self.rest is None:
            return
        try:
            self.rest.post(address, phase.folder, phase.query, batch.body, phase.content_type)
        except RestError as exc:
            if not phase.updates_in_place and not exc.nothing_stored:
                # Some of these contacts may be stored: never send them again on their own.
                record_items(store, account_id, phase.kind, entries, ItemStatus.UNCERTAIN)
            raise
        record_items(store, account_id, phase.kind, entries, ItemStatus.IMPORTED)


@contextmanager
def _sender(settings: Settings, connections: Connections, options: Options) -> Iterator[_Sender]:
    """The sender for the mode, with its clients closed at the end."""
    if options.dry_run:
        yield _Sender(None, None, options)
    elif options.write_commands is not None:
        writer = _CommandWriter(options.write_commands)
        try:
            yield _Sender(None, writer, options)
        finally:
            writer.close()
    else:
        destination = settings.destination
        verify = client_context(
            destination.ca_file, verify=destination.verify_tls, what="Carbonio's REST import"
        )
        with (
            connections.admin() as admin,
            RestClient(
                destination.rest_url or destination.admin_url,
                admin,
                auth=settings.imports.auth,
                verify=verify,
                timeout=max(destination.timeout, 300.0),
            ) as rest,
        ):
            yield _Sender(rest, None, options)


class _CommandWriter:
    """A ``carbonio prov -f`` file of ``sm ACCOUNT postRestURL PATH FILE`` lines, and the files.

    The data files go into a folder beside the command file; their names come from the
    account address with every unusual character replaced, so no name leaves the folder.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.folder = _files_folder(path)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        self._stream = path.open("w", encoding="utf-8", newline="\n")
        self._lock = threading.Lock()
        self._numbers: dict[str, int] = {}

    def add(self, phase: Phase, address: str, body: bytes) -> None:
        """Write one batch's file and the line that imports it."""
        with self._lock:
            number = self._numbers.get(address, 0) + 1
            self._numbers[address] = number
            name = f"{safe_file_name(address)}.{number}{phase.file_suffix}"
            target = self.folder / name
            if target.resolve().parent != self.folder.resolve():
                raise MigrateError(f"{address}: no safe file name for it")
            target.write_bytes(body)
            rest_path = f"/{phase.folder}?{phase.query}"
            relative = f"{self.folder.name}/{name}"
            self._stream.write(
                f"sm {quote(address)} postRestURL {quote(rest_path)} {quote(relative)}\n"
            )

    def close(self) -> None:
        """End with ``exit`` so that prov's exit status reports any failed line."""
        self._stream.write("exit\n")
        self._stream.close()


def _files_folder(path: Path) -> Path:
    """The folder beside a command file that holds its data files."""
    return path.parent / f"{path.stem}-files"


def safe_file_name(address: str) -> str:
    """A file name for an account: letters, digits and ``@._+-`` only, never . or .., with a
    digest of the original when anything had to be replaced (so two names never collide)."""
    cleaned = _SAFE_NAME.sub("_", address).lstrip(".")
    if cleaned != address or not cleaned:
        digest = hashlib.sha256(address.encode("utf-8")).hexdigest()[:8]
        cleaned = f"{cleaned[:64]}-{digest}"
    return cleaned


# -- the report -----------------------------------------------------------------------------------


def show_result(console: Console, result: PhaseResult, *, verbose: bool = False) -> None:
    """Per-account counts, every problem with its place, and the totals."""
    table = Table(title=f"{result.phase} ({result.mode})", title_justify="left")
    for column in ("account", "read", "imported", "updated", "skipped", "broken", "status"):
        table.add_column(column, justify="left" if column in ("account", "status") else "right")
    for account in sorted(result.accounts, key=lambda a: a.address):
        status = "FAILED" if account.error else "attention" if account.broken else "ok"
        table.add_row(
            account.address,
            *(
                str(getattr(account, n))
                for n in ("read", "imported", "updated", "skipped", "broken")
            ),
            status,
        )
    table.add_row(
        "total",
        *(str(result.total(n)) for n in ("read", "imported", "updated", "skipped", "broken")),
        "",
    )
    console.print(table)
    if result.mode == "dry-run":
        console.print("Dry run: nothing was sent; imported and updated say what would be.")

    for account in sorted(result.accounts, key=lambda a: a.address):
        if account.error:
            console.print(
                f"FAILED {account.address}: {account.error}", markup=False, highlight=False
            )
        shown = [f for f in account.findings if verbose or f.severity != Severity.NOTE]
        for finding in shown[:_SHOWN_PER_ACCOUNT] if not verbose else shown:
            console.print(
                f"{finding.severity.upper()} {account.address} {finding}",
                markup=False,
                highlight=False,
            )
        if len(shown) > _SHOWN_PER_ACCOUNT and not verbose:
            console.print(
                f"... {len(shown) - _SHOWN_PER_ACCOUNT} more for {account.address} "
                "(run with -v to see them all; they are also in the state store's event log)",
                markup=False,
                highlight=False,
            )
    for line in result.unknown:
        console.print(f"ATTENTION {line}", markup=False, highlight=False)
    if result.without_data:
        console.print(
            f"No {result.phase} data for {len(result.without_data)} account(s): "
            + ", ".join(result.without_data),
            markup=False,
            highlight=False,
        )
    for notice in result.notices:
        console.print(notice, markup=False, highlight=False)
