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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rich.console import Console

from carbonio_migrate.config import Settings
from carbonio_migrate.errors import ExitCode, MigrateError
from carbonio_migrate.mail.client import CommandFailed, ConnectionLost
from carbonio_migrate.mail.copy import AccountCopy, AccountResult, CopyOptions
from carbonio_migrate.mail.folders import FolderRules
from carbonio_migrate.mail.journal import Journal
from carbonio_migrate.report.mail_progress import ProgressView
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail_state import MessageTotals, StateJournal, message_totals
from carbonio_migrate.run.mail_work import PHASE, MailAccount, MailWork, folder_rules, open_work
from carbonio_migrate.state import PhaseStatus, StateStore

log = logging.getLogger(__name__)

# Reconnect attempts in a row without progress before an account is given up for this run.
MAX_ATTEMPTS = 6
MAX_BACKOFF = 30.0


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

    def needs_attention(self, result: AccountResult) -> bool:
        """Whether an account failed, or has refused or unconfirmed messages, now or before."""
        totals = self.totals.get(result.account, MessageTotals())
        return result.needs_attention or bool(totals.refused or totals.pending)

    @property
    def exit_code(self) -> ExitCode:
        """Complete, needs attention (something refused or failed), or source changed."""
        if any(self.needs_attention(result) for result in self.results):
            return ExitCode.NEEDS_ATTENTION
        if any(result.source_changed for result in self.results):
            return ExitCode.SOURCE_CHANGED
        return ExitCode.COMPLETE


def run_mail(
    settings: Settings,
    connections: Connections,
    options: MailOptions,
    *,
    console: Console,
    accounts: Sequence[MailAccount] | None = None,
    journal_factory: JournalFactory = state_journal,
) -> MailRun:
    """Copy the mail of every account (or ``accounts``); report.mail shows the result."""
    started = time.monotonic()
    with open_work(settings, connections, options.accounts, accounts) as work:
        workers = options.workers or settings.run.workers
        rules = folder_rules(settings, options.include, options.exclude)
        with ProgressView(console) as view:
            runner = _Runner(work, options, rules, view, journal_factory)
            results = asyncio.run(runner.copy_all(work.accounts, workers))
        results.sort(key=lambda result: result.account)  # the summary reads in order
        run = MailRun(results, dry_run=options.dry_run)
        run.totals = {r.account: message_totals(work.store, r.account) for r in results}
        if not options.dry_run:
            _record_outcome(work.store, run)
    run.elapsed = time.monotonic() - started
    return run


@dataclass
class _Runner:
    """Everything the workers share."""

    work: MailWork
    options: MailOptions
    rules: FolderRules
    view: ProgressView
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
                open_source=self.work.source.open,
                open_destination=self.work.destination.open,
                journal=self.journal_factory(self.work.store, account, options.dry_run),
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
        elif run.needs_attention(result):
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
