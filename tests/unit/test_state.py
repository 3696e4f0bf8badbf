"""The state store: versioned schema, small transactions, reopened after a crash."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from carbonio_migrate.errors import StateError
from carbonio_migrate.state import PhaseStatus, StateStore


def test_accounts_phases_and_events_survive_reopening(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite"
    store = StateStore.open(url)
    first = store.account_id("ann@example.io", source_address="ann@old.example.io")
    store.set_phase("ann@example.io", "mail", PhaseStatus.RUNNING)
    store.set_phase("ann@example.io", "mail", PhaseStatus.DONE, "120 messages")
    store.log("warning", "mail", "message refused", account="ann@example.io", location="INBOX/7")
    store.close()

    again = StateStore.open(url)

    assert again.account_id("ann@example.io") == first
    assert again.phase_status("ann@example.io", "mail") == PhaseStatus.DONE
    assert again.phase_status("ann@example.io", "calendars") is None
    (event,) = again.events(account="ann@example.io")
    assert (event.location, event.message) == ("INBOX/7", "message refused")


def test_a_store_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite"
    StateStore.open(url).close()
    with sqlite3.connect(tmp_path / "state.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")

    with pytest.raises(StateError, match="schema version 99"):
        StateStore.open(url)


def test_a_killed_writer_leaves_every_committed_step(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.sqlite"
    writer = (
        "import os, signal\n"
        "from carbonio_migrate.state import StateStore\n"
        f"s = StateStore.open({url!r})\n"
        "for i in range(50):\n"
        "    s.log('info', 'mail', f'step {i}')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    process = subprocess.run([sys.executable, "-c", writer], check=False)

    store = StateStore.open(url)

    assert process.returncode == -9
    assert [e.message for e in store.events()] == [f"step {i}" for i in range(50)]


def test_an_unusable_url_is_a_clear_error() -> None:
    with pytest.raises(StateError, match="cannot be"):
        StateStore.open("nosuchdialect://x")


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="cannot be used"):
        StateStore.open(f"sqlite:///{tmp_path}/no/such/folder/state.sqlite")


def test_threads_write_through_their_own_connections(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path}/state.sqlite")

    def write(index: int) -> None:
        store.set_phase(f"user{index}@example.io", "contacts", PhaseStatus.DONE)

    threads = [threading.Thread(target=write, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    found = store.phase_accounts("contacts")
    assert [address for address, _ in found] == sorted(f"user{i}@example.io" for i in range(8))
