"""Crash safety of ``mail``: killed at every state write and at random moments, and cut off
after the destination stored a message but before it answered; each time the rerun loses
nothing and duplicates nothing."""

from __future__ import annotations

import io
import multiprocessing
import os
import random
import signal
import time
from collections import Counter
from collections.abc import Iterator
from multiprocessing.context import ForkServerContext
from pathlib import Path

import pytest
from rich.console import Console

from carbonio_migrate.errors import ExitCode
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail import MailOptions, run_mail
from carbonio_migrate.run.mail_work import MailAccount
from lab.lab import Lab
from tests.mail import crash_child
from tests.mail.lab_mail import fingerprints, mail_account, settings_for
from tests.mail.proxy import CuttingProxy

# About 500 messages in nested and non-ASCII folders (duplicates included).
CRASH_LAYOUT = {"INBOX": 250, "Projets.Société": 150, "Archive.2023": 100}
RANDOM_KILLS = 5


@pytest.fixture(scope="module")
def forkserver() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.mail.crash_child"])
    return context


@pytest.fixture(scope="module")
def crash_account(lab: Lab) -> Iterator[str]:
    with mail_account(lab, "crash.test", CRASH_LAYOUT) as address:
        yield address


@pytest.fixture(scope="module")
def source_prints(lab: Lab, crash_account: str) -> dict[str, Counter[str]]:
    found = fingerprints(lab, "source", crash_account)
    assert sum(sum(c.values()) for c in found.values()) == sum(CRASH_LAYOUT.values())
    return {name.replace(".", "/"): counter for name, counter in found.items()}


class Runner:
    """Runs the copy of one account in a forked child, killed where asked."""

    def __init__(self, context: ForkServerContext, lab: Lab, address: str, folder: Path):
        self.context = context
        self.lab = lab
        self.address = address
        self.folder = folder
        self.config = folder / "migration.toml"
        settings_for(lab, folder, plain=True)  # writes migration.toml, its own state store
        self.tally = folder / "writes"

    def fresh(self) -> None:
        """An empty destination mailbox and no state."""
        self.lab.clear_destination_mail(self.address)
        for path in self.folder.glob("state.sqlite*"):
            path.unlink()

    def run(
        self, kill_at: int | None = None, *, before: bool = False, after: float | None = None
    ) -> int | None:
        """The child's exit status: the copy's exit code, or -9 when killed."""
        process = self.context.Process(
            target=crash_child.main,
            args=(str(self.config), self.address, kill_at, before, str(self.tally)),
        )
        process.start()
        if after is not None:
            process.join(after)
            if process.is_alive():
                os.kill(process.pid or 0, signal.SIGKILL)
        process.join(120)
        return process.exitcode

    @property
    def writes(self) -> tuple[int, int]:
        """Journal writes of the last run: all, and those that placed messages."""
        every, placing = self.tally.read_text().split()
        return int(every), int(placing)


def destination_prints(lab: Lab, address: str) -> dict[str, Counter[str]]:
    return fingerprints(lab, "destination", address)


def assert_nothing_duplicated(lab: Lab, address: str, source: dict[str, Counter[str]]) -> None:
    for name, counter in destination_prints(lab, address).items():
        excess = counter - source.get(name, Counter())
        assert not excess, f"{name}: {sum(excess.values())} message(s) more than the source"


def assert_exact(
    lab: Lab, address: str, source: dict[str, Counter[str]], where: object = None
) -> None:
    found = destination_prints(lab, address)
    for name, counter in source.items():
        extra = found.get(name, Counter()) - counter
        lost = counter - found.get(name, Counter())
        assert not extra and not lost, f"{where}: {name}: {len(extra)} extra, {len(lost)} lost"


def test_a_kill_at_every_state_write_loses_and_duplicates_nothing(
    lab: Lab,
    forkserver: ForkServerContext,
    crash_account: str,
    source_prints: dict[str, Counter[str]],
    tmp_path: Path,
) -> None:
    runner = Runner(forkserver, lab, crash_account, tmp_path)
    runner.fresh()
    assert runner.run() == ExitCode.COMPLETE
    writes, placing = runner.writes
    assert_exact(lab, crash_account, source_prints)
    assert placing >= len(CRASH_LAYOUT) and writes > 2 * placing

    # Just after every write, and just before every write that records messages the
    # destination confirmed (the APPEND is done, the state does not know it yet).
    points = [(n, False) for n in range(1, writes + 1)]
    points += [(n, True) for n in range(1, placing + 1)]
    killed = 0
    for kill_at, before in points:
        runner.fresh()
        # Confirmations that arrive together are written together, so a run may make a
        # write or two fewer than the first one and finish before the last point.
        status = runner.run(kill_at, before=before)
        assert status in (-signal.SIGKILL, ExitCode.COMPLETE)
        killed += status == -signal.SIGKILL
        assert_nothing_duplicated(lab, crash_account, source_prints)

        assert runner.run() == ExitCode.COMPLETE, (kill_at, before)
        assert_exact(lab, crash_account, source_prints, (kill_at, before))
    assert killed >= len(points) - 6


def test_kills_at_random_moments_lose_and_duplicate_nothing(
    lab: Lab,
    forkserver: ForkServerContext,
    crash_account: str,
    source_prints: dict[str, Counter[str]],
    tmp_path: Path,
) -> None:
    runner = Runner(forkserver, lab, crash_account, tmp_path)
    runner.fresh()
    started = time.monotonic()
    assert runner.run() == ExitCode.COMPLETE
    duration = time.monotonic() - started
    rng = random.Random(20240607)

    killed = 0
    for _ in range(RANDOM_KILLS):
        runner.fresh()
        status = runner.run(after=rng.uniform(0.05, duration))
        killed += status == -signal.SIGKILL
        assert_nothing_duplicated(lab, crash_account, source_prints)
        # A second kill during the recovery itself, then a run to the end.
        runner.run(after=rng.uniform(0.05, duration))
        assert_nothing_duplicated(lab, crash_account, source_prints)
        assert runner.run() == ExitCode.COMPLETE
        assert_exact(lab, crash_account, source_prints)
    assert killed >= RANDOM_KILLS // 2  # most runs really were interrupted


def test_an_answer_lost_with_its_connection_is_not_appended_again(
    lab: Lab, crash_account: str, source_prints: dict[str, Counter[str]], tmp_path: Path
) -> None:
    assert lab.destination is not None
    lab.clear_destination_mail(crash_account)
    saves = lab.destination.count_saves(crash_account)

    with CuttingProxy(lab.destination.imap_port) as proxy:
        settings = settings_for(lab, tmp_path, destination_port=proxy.port)
        run = run_mail(
            settings,
            Connections(settings),
            MailOptions(),
            console=Console(file=io.StringIO()),
            accounts=[MailAccount(crash_account, crash_account)],
        )

    assert proxy.cuts == 1
    (result,) = run.results
    assert result.retries == 1 and result.error is None
    assert run.exit_code == ExitCode.COMPLETE
    assert_exact(lab, crash_account, source_prints)
    total = sum(CRASH_LAYOUT.values())
    # Every message was stored exactly once: the ones whose answer was lost were claimed.
    assert lab.destination.count_saves(crash_account, at_least=saves + total + 1, timeout=1) == (
        saves + total
    )
