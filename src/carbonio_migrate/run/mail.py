"""Phase 2-1 driver: every account's mail copied by a pool of workers, with progress.

Accounts come from the source directory (or are given). Up to ``workers`` accounts are
copied at once, each over one source and one destination connection reused for all its
folders. A broken connection, a timeout or a "try later" answer reconnects and resumes with
bounded exponential back-off; what the copy already recorded is not done again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
)
from rich.table import Table
from rich.text import Text

from carbonio_migrate.config import Settings
from carbonio_migrate.errors import ExitCode, MigrateError
from carbonio_migrate.mail.client import CommandFailed, ConnectionLost
from carbonio_migrate.mail.copy import AccountCopy, AccountResult, CopyOptions
from carbonio_migrate.mail.endpoint import MailServer
from carbonio_migrate.mail.folders import FolderRules
from carbonio_migrate.mail.journal import Journal
from carbonio_migrate.report.json_output import to_plain
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail_state import MessageTotals, StateJournal, message_totals
from carbonio_migrate.state import PhaseStatus, StateStore

log = logging.getLogger(__name__)

PHASE = "mail"
# Reconnect attempts in a row without progress before an account is given up for this run.
MAX_ATTEMPTS = 6
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class MailAccount:
    """An account to copy: its destination address and its address on the source."""

    address: str
    source_address: str


@dataclass(frozen=True)
class MailOptions:
    """What the command line chose."""

    accounts: tuple[str, ...] = ()
    workers: int | None = None
    dry_run: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    recheck: bool = False
    max_attempts: int = MAX_ATTEMPTS


JournalFactory = Callable[[StateStore, MailAccount, bool], Journal]


def state_journal(store: StateStore, account: MailAccount, read_only: bool) -> Journal:
    """The journal kept in the state store (the default)."""
    return StateJournal(store, account.address, account.source_address, read_only=read_only)


@dataclass
class MailRun:
    """Every account's result, the state store's totals, and the time it took."""

    results: list[AccountResult] = field(default_factory=list)
    totals: dict[str, MessageTotals] = field(default_factory=dict)
    elapsed: float = 0.0
    dry_run: bool = False

    @property
    def exit_code(self) -> ExitCode:
        """Complete, needs attention (something refused or failed), or source changed."""
        for result in self.results:
            totals = self.totals.get(result.account, MessageTotals())
            if result.needs_attention or totals.refused or totals.pending:
                return ExitCode.NEEDS_ATTENTION
        if any(result.source_changed for result in self.results):
            return ExitCode.SOURCE_CHANGED
        return ExitCode.COMPLETE


def resolve_accounts(
    settings: Settings,
    connections: Connections,
    wanted: Sequence[str],
    store: StateStore | None = None,
) -> list[MailAccount]:
    """The accounts to work on: all of the directory's, or those named by either address.

    Named accounts that an earlier mail run already went through are taken from the state
    store, which spares a rerun the directory search; any other name is looked up there.
    """
    lowered = [name.strip().lower() for name in wanted]
    if lowered and store is not None:
        recorded = [MailAccount(*pair) for pair in store.phase_accounts(PHASE)]
        chosen = _choose(recorded, lowered)
        if chosen is not None:
            return chosen

    found = _directory_accounts(settings, connections)
    if not lowered:
        return found
    chosen = _choose(found, lowered)
    if chosen is None:
        missing = next(n for n in lowered if not _named(found, n))
        raise MigrateError(
            f"{missing} is not an account of the source directory",
            remedy="give the address as the directory or Carbonio knows it",
        )
    return chosen


def _directory_accounts(settings: Settings, connections: Connections) -> list[MailAccount]:
    from carbonio_migrate.directory.reader import read_directory  # only when needed: ldap3

    with connections.directory() as directory:
        snapshot = read_directory(settings, directory)
    people = list(snapshot.people)
    if settings.source.directory.include_disabled:
        people += snapshot.disabled
    return [MailAccount(person.address, person.source_address) for person in people]


def _named(accounts: Sequence[MailAccount], name: str) -> list[MailAccount]:
    return [a for a in accounts if name in (a.address, a.source_address)]


def _choose(accounts: Sequence[MailAccount], names: Sequence[str]) -> list[MailAccount] | None:
    """The accounts each name designates, in order; None when a name designates none."""
    chosen: list[MailAccount] = []
    for name in names:
        match = _named(accounts, name)
        if not match:
            return None
        chosen += [a for a in match if a not in chosen]
    return chosen


@dataclass
class MailWork:
    """What a mail or verify run works on: the accounts, both servers, the state store."""

    store: StateStore
    accounts: list[MailAccount]
    source: MailServer
    destination: MailServer


@contextmanager
def open_work(
    settings: Settings,
    connections: Connections,
    wanted: Sequence[str],
    accounts: Sequence[MailAccount] | None = None,
) -> Iterator[MailWork]:
    """The state store opened (and closed at the end), ``accounts`` or those ``wanted``."""
    store = StateStore.open(settings.state_url)
    try:
        chosen = (
            list(accounts)
            if accounts is not None
            else resolve_accounts(settings, connections, wanted, store)
        )
        yield MailWork(store, chosen, *mail_servers(settings, connections))
    finally:
        store.close()


def folder_rules(
    settings: Settings, include: Sequence[str], exclude: Sequence[str]
) -> FolderRules:
    """The configuration's folder rules with those of the command line added."""
    return FolderRules(
        include=(*settings.mail.include, *include), exclude=(*settings.mail.exclude, *exclude)
    )


def mail_servers(settings: Settings, connections: Connections) -> tuple[MailServer, MailServer]:
    """The source and destination IMAP servers, with their administrators' passwords."""
    source = settings.source.imap
    destination = settings.destination.imap
    return (
        MailServer(source, connections.password(source, "source.imap"), role="source"),
        MailServer(
            destination,
            connections.password(destination, "destination.imap"),
            role="destination",
        ),
    )


def run_mail(
    settings: Settings,
    connections: Connections,
    options: MailOptions,
    *,
    console: Console,
    accounts: Sequence[MailAccount] | None = None,
    journal_factory: JournalFactory = state_journal,
) -> MailRun:
    """Copy the mail of every account (or ``accounts``), then show the summary."""
    started = time.monotonic()
    with open_work(settings, connections, options.accounts, accounts) as work:
        workers = options.workers or settings.run.workers
        store = work.store
        with _ProgressView(console) as view:
            rules = folder_rules(settings, options.include, options.exclude)
            runner = _Runner(
                work.source, work.destination, store, options, rules, view, journal_factory
            )
            results = asyncio.run(runner.copy_all(work.accounts, workers))
        results.sort(key=lambda result: result.account)  # the summary reads in order
        run = MailRun(results, dry_run=options.dry_run)
        run.totals = {result.account: message_totals(store, result.account) for result in results}
        if not options.dry_run:
            _record_outcome(store, run)
    run.elapsed = time.monotonic() - started
    return run


@dataclass
class _Runner:
    """Everything the workers share."""

    source: MailServer
    destination: MailServer
    store: StateStore
    options: MailOptions
    rules: FolderRules
    view: _ProgressView
    journal_factory: JournalFactory

    async def copy_all(self, accounts: list[MailAccount], workers: int) -> list[AccountResult]:
        """Copy accounts, ``workers`` at a time."""
        # TODO: one account uses one connection pair, so a single very large mailbox is not
        # spread over several workers; with fewer accounts than workers, workers stay idle.
        limit = asyncio.Semaphore(workers)
        return list(await asyncio.gather(*(self.copy(account, limit) for account in accounts)))

    async def copy(self, account: MailAccount, limit: asyncio.Semaphore) -> AccountResult:
        """Copy one account when a worker is free."""
        options = self.options
        async with limit:
            progress = self.view.account(account.address)
            copy = AccountCopy(
                account.address,
                account.source_address,
                open_source=self.source.open,
                open_destination=self.destination.open,
                journal=self.journal_factory(self.store, account, options.dry_run),
                progress=progress,
                options=CopyOptions(
                    rules=self.rules,
                    dry_run=options.dry_run,
                    recheck=options.recheck,
                ),
            )
            result = await _with_retries(copy, options.max_attempts)
            self.view.finished(progress, account.address, result)
            return result


async def _with_retries(copy: AccountCopy, max_attempts: int) -> AccountResult:
    """Run the copy; reconnect with exponential back-off while connections break."""
    failures = 0
    progress_mark = -1
    while True:
        try:
            return await copy.run()
        except CommandFailed as exc:
            if not exc.transient:
                copy.result.error = str(exc)
                return copy.result
            failures, progress_mark = _count_failure(copy, failures, progress_mark)
            if failures >= max_attempts:
                copy.result.error = f"gave up after {failures} attempts: {exc}"
                return copy.result
            await _back_off(copy, failures, exc)
        except ConnectionLost as exc:
            failures, progress_mark = _count_failure(copy, failures, progress_mark)
            if failures >= max_attempts:
                copy.result.error = f"gave up after {failures} attempts: {exc}"
                return copy.result
            await _back_off(copy, failures, exc)
        except MigrateError as exc:
            copy.result.error = str(exc)
            return copy.result
        except Exception as exc:  # a bug must not stop the other accounts
            log.debug("%s: unexpected error", copy.result.account, exc_info=True)
            copy.result.error = f"internal error: {exc!r} (run again with -vv for details)"
            return copy.result


def _count_failure(copy: AccountCopy, failures: int, mark: int) -> tuple[int, int]:
    """Failures in a row without progress (any progress starts the count again)."""
    done = copy.result.copied + copy.result.present + copy.result.refused
    return (1 if done != mark else failures + 1), done


async def _back_off(copy: AccountCopy, failures: int, reason: Exception) -> None:
    """Wait 0.5 s, 1 s, 2 s ... (at most MAX_BACKOFF) before trying again."""
    delay = min(0.5 * 2 ** (failures - 1), MAX_BACKOFF)
    copy.result.retries += 1
    log.info("%s: %s; retrying in %.1f s", copy.result.account, reason, delay)
    await asyncio.sleep(delay)


def _record_outcome(store: StateStore, run: MailRun) -> None:
    """The phase status of every account, and every problem in the event log."""
    for result in run.results:
        totals = run.totals.get(result.account, MessageTotals())
        if result.error:
            status = PhaseStatus.FAILED
        elif result.needs_attention or totals.refused or totals.pending:
            status = PhaseStatus.ATTENTION
        else:
            status = PhaseStatus.DONE
        detail = (
            f"{totals.copied} copied, {totals.present} already there, {totals.refused} refused"
        )
        store.set_phase(result.account, PHASE, status, result.error or detail)
        for problem in result.problems:
            store.log(
                "warning",
                PHASE,
                problem.reason,
                account=result.account,
                location=f"{problem.folder}/{problem.uid}" if problem.uid else problem.folder,
            )
        if result.error:
            store.log("error", PHASE, result.error, account=result.account)


# -- progress --------------------------------------------------------------------------------


@dataclass
class _Counts:
    """Messages and bytes found and done."""

    messages: int = 0
    done: int = 0
    size: int = 0
    size_done: int = 0


class _AccountProgress:
    """Progress of one account, fed by the copy engine."""

    def __init__(self, view: _ProgressView, task: TaskID | None) -> None:
        self.view = view
        self.task = task
        self.counts = _Counts()

    def planned(self, messages: int, size: int) -> None:
        """More work was found."""
        self.view.change(self, _Counts(messages=messages, size=size))

    def advanced(self, messages: int, size: int) -> None:
        """Work was done."""
        self.view.change(self, _Counts(done=messages, size_done=size))


class _RateColumn(ProgressColumn):
    """Bytes per second since the bar started.

    Rich's own speed column restarts whenever the total grows, which here is every folder.
    """

    def render(self, task: Task) -> Text:
        """The average rate, e.g. ``12.3 MB/s``."""
        elapsed = task.elapsed or 0.0
        if elapsed < 0.5 or not task.completed:
            return Text("", style="progress.data.speed")
        return Text(f"{_size(int(task.completed / elapsed))}/s", style="progress.data.speed")


class _EtaColumn(ProgressColumn):
    """Time left at the average rate so far."""

    def render(self, task: Task) -> Text:
        """``m:ss`` left, or nothing while there is no rate yet."""
        elapsed = task.elapsed or 0.0
        left = (task.total or 0) - task.completed
        if elapsed < 0.5 or not task.completed or left <= 0:
            return Text("", style="progress.remaining")
        seconds = int(left / (task.completed / elapsed))
        return Text(f"{seconds // 60}:{seconds % 60:02d} left", style="progress.remaining")


class _ProgressView:
    """Rich progress bars (bytes, rate, ETA; messages as text) on a terminal, else one line
    per finished account."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._live = console.is_terminal
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[done]}/{task.fields[messages]} msgs"),
            DownloadColumn(),
            _RateColumn(),
            _EtaColumn(),
            console=console,
            transient=True,
        )
        self._overall: TaskID | None = None
        self._counts = _Counts()

    def __enter__(self) -> _ProgressView:
        if self._live:
            self._progress.start()
            self._overall = self._progress.add_task("all accounts", total=0, messages=0, done=0)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._live:
            self._progress.stop()

    def account(self, address: str) -> _AccountProgress:
        """The progress sink of one account (a bar is shown while it is copied)."""
        task = None
        if self._live:
            task = self._progress.add_task(address, total=0, messages=0, done=0)
        return _AccountProgress(self, task)

    def change(self, sink: _AccountProgress, delta: _Counts) -> None:
        """Add work found or done to an account's bar and to the overall bar."""
        for counts, task in ((sink.counts, sink.task), (self._counts, self._overall)):
            counts.messages += delta.messages
            counts.done += delta.done
            counts.size += delta.size
            counts.size_done += delta.size_done
            if task is not None:
                self._progress.update(
                    task,
                    total=counts.size,
                    completed=counts.size_done,
                    messages=counts.messages,
                    done=counts.done,
                )

    def finished(self, sink: _AccountProgress, address: str, result: AccountResult) -> None:
        """Drop the account's bar; without a terminal, print one line instead."""
        if sink.task is not None:
            self._progress.remove_task(sink.task)
            return
        state = "failed" if result.error else "attention" if result.needs_attention else "done"
        self._console.print(
            f"{address}: {state}, {result.copied} copied, {result.present} already there, "
            f"{result.refused} refused"
        )


# -- the summary -----------------------------------------------------------------------------


def show_summary(console: Console, run: MailRun) -> None:
    """The per-account table, then every refusal, rename and failure, then the outcome."""
    title = "Mail (dry run: nothing was changed)" if run.dry_run else "Mail"
    table = Table(title=title, title_justify="left")
    copied = "Would copy" if run.dry_run else "Copied"
    for column in ("Account", copied, "Size", "Already there", "Refused", "Flags", "Status"):
        table.add_column(column, justify="left" if column in ("Account", "Status") else "right")
    for result in run.results:
        totals = run.totals.get(result.account, MessageTotals())
        table.add_row(*_summary_row(result, totals, dry_run=run.dry_run))
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


def _summary_row(
    result: AccountResult, totals: MessageTotals, *, dry_run: bool = False
) -> list[str]:
    copied, size = result.copied, result.copied_bytes
    if dry_run:
        copied, size = result.would_copy, result.would_copy_bytes
    return [
        result.account,
        str(copied),
        _size(size),
        str(result.present),
        str(max(result.refused, totals.refused)),
        str(result.flags_changed),
        _status(result, totals),
    ]


def _status(result: AccountResult, totals: MessageTotals) -> str:
    """One word or two for where the account stands after this run."""
    if result.error:
        return "failed"
    if result.needs_attention or totals.refused or totals.pending:
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
            _account_report(r, run.totals.get(r.account, MessageTotals())) for r in run.results
        ],
    }


def _account_report(result: AccountResult, totals: MessageTotals) -> dict[str, Any]:
    return {
        "account": result.account,
        "source_account": result.source_account,
        "status": _status(result, totals),
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
        size = _size(sum(result.would_copy_bytes for result in run.results))
        return f"{accounts} account(s): {count} messages ({size}) would be copied; dry run."
    copied = sum(result.copied for result in run.results)
    size = _size(sum(result.copied_bytes for result in run.results))
    text = f"{accounts} account(s), {copied} messages ({size}) copied in {run.elapsed:.1f} s: "
    if code == ExitCode.COMPLETE:
        return text + "complete."
    if code == ExitCode.SOURCE_CHANGED:
        return text + "the source changed during the run; run mail again to pick it up."
    return text + "needs attention (see above); run mail again after fixing the causes."


def _size(size: int) -> str:
    """Bytes in decimal units, as mail tools show them."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1000:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"
