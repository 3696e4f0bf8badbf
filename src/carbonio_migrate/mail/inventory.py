"""What a mailbox holds: its folders, how many messages, how many bytes, the largest one.

Also the short sessions ``check`` and ``plan`` read mailboxes through. Folders are only ever
EXAMINEd and messages asked for their RFC822.SIZE, so nothing on the source changes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from carbonio_migrate.errors import ImapError
from carbonio_migrate.mail.client import CommandFailed, ConnectionLost
from carbonio_migrate.mail.endpoint import MailServer
from carbonio_migrate.mail.folders import SourceFolder
from carbonio_migrate.mail.mailbox import Mailbox
from carbonio_migrate.mail.protocol import ParseError

# Special-use attributes as the plan shows them, by their lower-case form in SourceFolder.
_SPECIAL_USE = {
    name.lower(): name
    for name in ("\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive", "\\All")
}


@dataclass(frozen=True)
class FolderSummary:
    """One folder: its Unicode name as the server shows it, and its contents."""

    name: str
    separator: str
    messages: int
    size: int
    largest: int
    selectable: bool = True
    special_use: str | None = None


@dataclass(frozen=True)
class MailboxSummary:
    """All the folders of one account."""

    account: str
    folders: list[FolderSummary] = field(default_factory=list)

    @property
    def messages(self) -> int:
        """Messages in all folders."""
        return sum(folder.messages for folder in self.folders)

    @property
    def size(self) -> int:
        """Bytes in all folders (RFC822.SIZE, as the server counts them)."""
        return sum(folder.size for folder in self.folders)

    @property
    def largest(self) -> int:
        """The size of the largest message."""
        return max((folder.largest for folder in self.folders), default=0)


@asynccontextmanager
async def opened(server: MailServer, user: str | None) -> AsyncIterator[Mailbox]:
    """A logged-in mailbox of ``user`` (or the administrator's own), logged out at the end.

    Every IMAP failure, on opening or later, becomes an ImapError naming the server, so the
    callers report it like any other connection problem.
    """
    try:
        mailbox = await server.open(user)
    except ConnectionLost as exc:
        raise ImapError(server.name, _reason(server, exc)) from None

    try:
        yield mailbox
    except ConnectionLost as exc:
        raise ImapError(server.name, _reason(server, exc)) from None
    except CommandFailed as exc:
        raise ImapError(server.name, str(exc)) from None
    except ParseError as exc:
        raise ImapError(server.name, f"unexpected answer ({exc})") from None
    finally:
        await mailbox.logout()


def _reason(server: MailServer, exc: ConnectionLost) -> str:
    """The message of a lost connection without the server's name, which ImapError adds."""
    return str(exc).removeprefix(f"{server.name}: ") or "connection lost"


async def summarise(mailbox: Mailbox, account: str) -> MailboxSummary:
    """Count every folder of the personal namespace without changing anything (EXAMINE only)."""
    namespace = await mailbox.namespace()
    listed = await mailbox.list_folders(namespace, status=True)
    folders = [await _summarise_folder(mailbox, folder, namespace.separator) for folder in listed]
    return MailboxSummary(account, folders)


async def _summarise_folder(
    mailbox: Mailbox, folder: SourceFolder, separator: str
) -> FolderSummary:
    found = sorted(_SPECIAL_USE[a] for a in folder.attributes if a in _SPECIAL_USE)
    special = found[0] if found else None
    if not folder.selectable:
        return FolderSummary(
            folder.name, separator, 0, 0, 0, selectable=False, special_use=special
        )

    if folder.status is not None and not folder.status.messages:
        return FolderSummary(folder.name, separator, 0, 0, 0, special_use=special)

    # RFC822.SIZE alone transfers no message data; it gives the total and the largest.
    info = await mailbox.examine(folder.raw)
    sizes = [summary.size for summary in await mailbox.summaries()] if info.exists else []
    await mailbox.close_folder()  # after EXAMINE nothing is expunged, whichever way it closes

    return FolderSummary(
        folder.name, separator, len(sizes), sum(sizes), max(sizes, default=0), special_use=special
    )
