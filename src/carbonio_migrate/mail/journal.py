"""What the copy remembers between runs, as an interface the driver implements.

The copy engine knows nothing of databases: it reads and records through a :class:`Journal`
(the run package stores it in the state store). Each recording method is one durable write,
so the order of calls is the crash-safety protocol: an intent is recorded before its APPEND
is sent, and the destination UID only after the server confirmed it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from carbonio_migrate.mail.folders import FolderStatus


class MessageState(StrEnum):
    """Where one source message stands."""

    INTENT = "intent"  # an APPEND was about to be sent; its answer is not known
    COPIED = "copied"  # appended by this tool; destination UID known
    PRESENT = "present"  # found already on the destination (another tool, or a lost state)
    REFUSED = "refused"  # the destination refused it; ``reason`` says why


@dataclass(frozen=True)
class MessageRecord:
    """One source message: fingerprint, size, flags as last given to the destination."""

    source_uid: int
    fingerprint: str
    size: int
    flags: tuple[str, ...]
    state: MessageState
    destination_uid: int | None = None
    reason: str | None = None

    @property
    def placed(self) -> bool:
        """Whether the message is on the destination under a known UID."""
        return self.destination_uid is not None and self.state in (
            MessageState.COPIED,
            MessageState.PRESENT,
        )

    def placed_at(self, uid: int, state: MessageState) -> MessageRecord:
        """This record, now on the destination at ``uid``."""
        return replace(self, destination_uid=uid, state=state, reason=None)


@dataclass(frozen=True)
class FolderPlacement:
    """Where a source folder goes, and whether the source has it subscribed; ``finished``
    is the STATUS of a folder with nothing to copy, which is done once placed."""

    source_name: str
    destination_name: str
    subscribed: bool
    finished: FolderStatus | None = None


@dataclass(frozen=True)
class FolderRecord:
    """One source folder: where it goes, and the STATUS at its last complete pass."""

    source_name: str
    destination_name: str
    subscribed: bool = False
    source_uidvalidity: int | None = None
    destination_uidvalidity: int | None = None
    status: FolderStatus | None = None
    pending: int = 0  # intents whose APPEND answer is unknown


class Journal(Protocol):
    """The copy's memory for one account; every recording method is one durable write."""

    def folders(self) -> dict[str, FolderRecord]:
        """Every folder recorded for the account, by source name."""
        ...

    def save_folders(self, placements: Sequence[FolderPlacement]) -> None:
        """Record (or update) where source folders go, all in one write."""
        ...

    def reset_folder(
        self, source_name: str, source_uidvalidity: int, destination_uidvalidity: int
    ) -> None:
        """Forget a folder's UID map (it no longer holds) and note the UIDVALIDITYs it is for."""
        ...

    def messages(self, source_name: str) -> dict[int, MessageRecord]:
        """The folder's message records by source UID."""
        ...

    def record(self, source_name: str, records: Sequence[MessageRecord]) -> None:
        """Add or replace message records, all in one write."""
        ...

    def forget(self, source_name: str, source_uids: Sequence[int]) -> None:
        """Drop the records of messages the source no longer has, in one write."""
        ...

    def finish_folder(self, source_name: str, status: FolderStatus) -> None:
        """Note the source STATUS a complete pass of the folder started from.

        A map recorded for another source UIDVALIDITY is forgotten in the same write.
        """
        ...
