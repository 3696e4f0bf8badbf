"""The copy's journal in the state store: what a rerun and a crash recovery rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonio_migrate.mail.folders import FolderStatus
from carbonio_migrate.mail.journal import FolderPlacement, MessageRecord, MessageState
from carbonio_migrate.run.mail_state import (
    StateJournal,
    message_totals,
    recorded_messages,
)
from carbonio_migrate.state import StateStore


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    return StateStore.open(f"sqlite:///{tmp_path / 'state.sqlite'}")


def intent(uid: int, size: int = 100) -> MessageRecord:
    return MessageRecord(uid, f"{uid:064x}", size, ("\\Seen",), MessageState.INTENT)


def test_intents_are_pending_until_placed(store: StateStore) -> None:
    journal = StateJournal(store, "ann@example.io", "ann@old.example")
    journal.save_folders([FolderPlacement("Projets.Société", "Projets/Société", True)])
    journal.record("Projets.Société", [intent(1), intent(2), intent(3)])

    assert journal.folders()["Projets.Société"].pending == 3

    journal.record("Projets.Société", [intent(1).placed_at(11, MessageState.COPIED)])
    journal.record("Projets.Société", [intent(2).placed_at(7, MessageState.PRESENT)])

    record = journal.folders()["Projets.Société"]
    assert record.pending == 1
    assert record.destination_name == "Projets/Société"
    assert record.subscribed
    messages = journal.messages("Projets.Société")
    assert messages[1].placed and messages[1].destination_uid == 11
    assert messages[2].state == MessageState.PRESENT
    assert not messages[3].placed


def test_a_finished_folder_remembers_its_status_until_reset(store: StateStore) -> None:
    journal = StateJournal(store, "ann@example.io", "ann@example.io")
    journal.save_folders([FolderPlacement("INBOX", "INBOX", False)])
    journal.reset_folder("INBOX", 77, 88)
    journal.record("INBOX", [intent(5).placed_at(1, MessageState.COPIED)])
    status = FolderStatus(uidvalidity=77, uidnext=6, messages=1, highestmodseq=4)
    journal.finish_folder("INBOX", status)

    reopened = StateJournal(store, "ann@example.io", "ann@example.io").folders()["INBOX"]
    assert reopened.status == status
    assert (reopened.source_uidvalidity, reopened.destination_uidvalidity) == (77, 88)

    journal.reset_folder("INBOX", 78, 88)
    after = journal.folders()["INBOX"]
    assert after.status is None and after.source_uidvalidity == 78
    assert journal.messages("INBOX") == {}


def test_records_are_replaced_not_duplicated(store: StateStore) -> None:
    journal = StateJournal(store, "ann@example.io", "ann@example.io")
    journal.save_folders([FolderPlacement("INBOX", "INBOX", False)])
    journal.record("INBOX", [intent(uid) for uid in range(1, 1201)])
    placed = [intent(uid).placed_at(uid, MessageState.COPIED) for uid in range(1, 1201)]
    journal.record("INBOX", placed)
    refused = MessageRecord(1, "f" * 64, 0, (), MessageState.REFUSED, reason="NO too big")
    journal.record("INBOX", [refused])

    totals = message_totals(store, "ann@example.io")
    assert (totals.copied, totals.refused, totals.pending) == (1199, 1, 0)
    found = list(recorded_messages(store, "ann@example.io", states=[MessageState.REFUSED]))
    assert [(f.folder, f.record.source_uid, f.record.reason) for f in found] == [
        ("INBOX", 1, "NO too big")
    ]


def test_a_read_only_journal_creates_nothing(store: StateStore) -> None:
    journal = StateJournal(store, "new@example.io", "new@example.io", read_only=True)

    assert journal.folders() == {}
    assert journal.messages("INBOX") == {}
    assert message_totals(store, "new@example.io").copied == 0
    assert store.phase_status("new@example.io", "mail") is None


def test_finishing_under_another_uidvalidity_forgets_the_old_map(store: StateStore) -> None:
    journal = StateJournal(store, "ann@example.io", "ann@example.io")
    journal.save_folders([FolderPlacement("INBOX", "INBOX", False)])
    journal.reset_folder("INBOX", 77, 88)
    journal.record("INBOX", [intent(5).placed_at(1, MessageState.COPIED)])

    journal.finish_folder("INBOX", FolderStatus(uidvalidity=77, uidnext=6, messages=1))
    assert list(journal.messages("INBOX")) == [5]

    journal.finish_folder("INBOX", FolderStatus(uidvalidity=99, uidnext=1, messages=0))
    assert journal.messages("INBOX") == {}
    assert journal.folders()["INBOX"].source_uidvalidity == 99


def test_forgotten_messages_are_no_longer_pending(store: StateStore) -> None:
    journal = StateJournal(store, "ann@example.io", "ann@example.io")
    journal.save_folders([FolderPlacement("INBOX", "INBOX", False)])
    journal.record("INBOX", [intent(1), intent(2)])

    journal.forget("INBOX", [2])

    assert list(journal.messages("INBOX")) == [1]
    assert journal.folders()["INBOX"].pending == 1
