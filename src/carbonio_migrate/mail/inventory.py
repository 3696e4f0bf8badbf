"""What a mailbox holds: its folders, how many messages, how many bytes, the largest one."""

from __future__ import annotations

from dataclasses import dataclass, field

from imapclient import IMAPClient

# LIST attributes of folders that cannot hold messages.
_NOT_SELECTABLE = {b"\\Noselect", b"\\NonExistent"}
# imapclient sends UID sets as lists, so keep each command line short.
_FETCH_BATCH = 1000
_SPECIAL_USE = {b"\\Sent", b"\\Drafts", b"\\Trash", b"\\Junk", b"\\Archive", b"\\All"}


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


def summarise(client: IMAPClient, account: str) -> MailboxSummary:
    """Count every folder of a logged-in session without changing anything (EXAMINE only)."""
    folders = [
        _summarise_folder(client, name, flags, separator)
        for flags, separator, name in client.list_folders()
    ]
    return MailboxSummary(account, folders)


def _summarise_folder(
    client: IMAPClient, name: str, flags: tuple[bytes, ...], separator: bytes | None
) -> FolderSummary:
    special = next((flag.decode() for flag in flags if flag in _SPECIAL_USE), None)
    sep = separator.decode() if separator else ""
    if _NOT_SELECTABLE & set(flags):
        return FolderSummary(name, sep, 0, 0, 0, selectable=False, special_use=special)

    count = client.folder_status(name, [b"MESSAGES"])[b"MESSAGES"]
    if not count:
        return FolderSummary(name, sep, 0, 0, 0, special_use=special)

    # RFC822.SIZE alone transfers no message data; it gives the total and the largest.
    client.select_folder(name, readonly=True)
    sizes: list[int] = []
    try:
        uids = client.search(["ALL"])
        for start in range(0, len(uids), _FETCH_BATCH):
            answers = client.fetch(uids[start : start + _FETCH_BATCH], [b"RFC822.SIZE"])
            sizes += [
                int(data[b"RFC822.SIZE"]) for data in answers.values() if b"RFC822.SIZE" in data
            ]
    finally:
        client.close_folder()  # after EXAMINE, CLOSE expunges nothing (RFC 3501 6.4.2)

    return FolderSummary(
        name, sep, len(sizes), sum(sizes), max(sizes, default=0), special_use=special
    )
