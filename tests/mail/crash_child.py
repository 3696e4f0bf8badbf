"""The copy run in a child process that kills itself at a chosen state write.

The crash tests start this from multiprocessing's forkserver, so a run costs no interpreter
start-up, and SIGKILL leaves exactly what a crash leaves: the state store as the last finished
write left it, and whatever the servers did.
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

from carbonio_migrate.config import load_settings
from carbonio_migrate.mail.folders import FolderStatus
from carbonio_migrate.mail.journal import FolderPlacement, FolderRecord, Journal, MessageRecord
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail import MailOptions, run_mail, state_journal
from carbonio_migrate.run.mail_work import MailAccount
from carbonio_migrate.state import StateStore


class KillingJournal:
    """A journal that counts its writes and kills the process at one of them.

    ``before`` kills just before the write instead of just after it; the writes are then
    counted among those that record messages placed on the destination, the ones that follow
    an APPEND the server already confirmed.
    """

    def __init__(self, inner: Journal, kill_at: int | None, before: bool, tally: Path) -> None:
        self._inner = inner
        self._kill_at = kill_at
        self._before = before
        self._tally = tally
        self.writes = 0
        self.placing = 0

    def _write(self, placing: bool = False) -> None:
        self.writes += 1
        self.placing += placing
        self._tally.write_text(f"{self.writes} {self.placing}")
        if self._before and placing and self.placing == self._kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def _written(self) -> None:
        if not self._before and self.writes == self._kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def folders(self) -> dict[str, FolderRecord]:
        """Reads pass through uncounted."""
        return self._inner.folders()

    def messages(self, source_name: str) -> dict[int, MessageRecord]:
        """Reads pass through uncounted."""
        return self._inner.messages(source_name)

    def save_folders(self, placements: Sequence[FolderPlacement]) -> None:
        """A write: counted, and maybe the last one."""
        self._write()
        self._inner.save_folders(placements)
        self._written()

    def reset_folder(
        self, source_name: str, source_uidvalidity: int, destination_uidvalidity: int
    ) -> None:
        """A write: counted, and maybe the last one."""
        self._write()
        self._inner.reset_folder(source_name, source_uidvalidity, destination_uidvalidity)
        self._written()

    def record(self, source_name: str, records: Sequence[MessageRecord]) -> None:
        """A write: counted, and maybe the last one."""
        self._write(placing=any(record.placed for record in records))
        self._inner.record(source_name, records)
        self._written()

    def forget(self, source_name: str, source_uids: Sequence[int]) -> None:
        """A write: counted, and maybe the last one."""
        self._write()
        self._inner.forget(source_name, source_uids)
        self._written()

    def finish_folder(self, source_name: str, status: FolderStatus) -> None:
        """A write: counted, and maybe the last one."""
        self._write()
        self._inner.finish_folder(source_name, status)
        self._written()


def copy_account(config: str, address: str, kill_at: int | None, before: bool, tally: str) -> int:
    """Copy one account; killed at write ``kill_at`` (see KillingJournal), else the exit code.

    The numbers of journal writes and of placing writes so far are kept in the file ``tally``.
    """
    settings = load_settings(Path(config))

    def journal(store: StateStore, account: MailAccount, read_only: bool) -> Journal:
        inner = state_journal(store, account, read_only)
        return KillingJournal(inner, kill_at, before, Path(tally))

    run = run_mail(
        settings,
        Connections(settings),
        MailOptions(workers=1),
        console=Console(file=io.StringIO()),
        accounts=[MailAccount(address, address)],
        journal_factory=journal,
    )
    return int(run.exit_code)


def main(config: str, address: str, kill_at: int | None, before: bool, tally: str) -> None:
    """The child's entry point: its exit status is the copy's."""
    raise SystemExit(copy_account(config, address, kill_at, before, tally))
