"""``verify``: every account's mail compared on both sides, every difference listed.

Reads both servers (EXAMINE and BODY.PEEK only) and the copy's records in the state store,
which say whether a message was copied, found already there, or refused and why.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from carbonio_migrate.config import Settings
from carbonio_migrate.errors import ExitCode, MigrateError
from carbonio_migrate.mail.client import ConnectionLost
from carbonio_migrate.mail.journal import MessageRecord
from carbonio_migrate.mail.verify import AccountVerification, verify_account
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail_state import StateJournal, recorded_messages
from carbonio_migrate.run.mail_work import MailAccount, MailWork, folder_rules, open_work


@dataclass(frozen=True)
class VerifyOptions:
    """What the command line chose."""

    accounts: tuple[str, ...] = ()
    workers: int | None = None
    content: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass
class VerifyRun:
    """Every account's comparison."""

    results: list[AccountVerification] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def exit_code(self) -> ExitCode:
        """Complete when every account is equal, otherwise needs attention."""
        if all(result.equal for result in self.results):
            return ExitCode.COMPLETE
        return ExitCode.NEEDS_ATTENTION


def run_verify(
    settings: Settings,
    connections: Connections,
    options: VerifyOptions,
    *,
    accounts: Sequence[MailAccount] | None = None,
) -> VerifyRun:
    """Compare every account (or ``accounts``), ``workers`` at a time."""
    started = time.monotonic()
    with open_work(settings, connections, options.accounts, accounts) as work:
        workers = options.workers or settings.run.workers
        results = asyncio.run(_verify_all(settings, work, options, workers))
    results.sort(key=lambda result: result.account)
    return VerifyRun(results, time.monotonic() - started)


async def _verify_all(
    settings: Settings, work: MailWork, options: VerifyOptions, workers: int
) -> list[AccountVerification]:
    store = work.store
    limit = asyncio.Semaphore(workers)
    rules = folder_rules(settings, options.include, options.exclude)

    async def one(account: MailAccount) -> AccountVerification:
        journal = StateJournal(store, account.address, account.source_address, read_only=True)
        recorded = {name: r.destination_name for name, r in journal.folders().items()}
        states: dict[tuple[str, int], MessageRecord] = {
            (found.folder, found.record.source_uid): found.record
            for found in recorded_messages(store, account.address)
        }
        async with limit:
            try:
                return await verify_account(
                    account.address,
                    account.source_address,
                    open_source=work.source.open,
                    open_destination=work.destination.open,
                    recorded=recorded,
                    states=states,
                    rules=rules,
                    content=options.content,
                )
            except (ConnectionLost, MigrateError) as exc:
                failed = AccountVerification(account.address, account.source_address)
                failed.error = str(exc)
                return failed

    return list(await asyncio.gather(*(one(account) for account in work.accounts)))
