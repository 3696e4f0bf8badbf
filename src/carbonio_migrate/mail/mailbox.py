"""One account's mailbox on one server: the IMAP operations the copy and ``verify`` use.

Reading operations on the source use EXAMINE and BODY.PEEK only, so nothing there changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass

from carbonio_migrate.mail.client import CommandFailed, ImapClient
from carbonio_migrate.mail.folders import FolderStatus, SourceFolder
from carbonio_migrate.mail.protocol import (
    Literal,
    ParseError,
    Untagged,
    close_literal,
    decode_name,
    esearch_all,
    fetch_items,
    flag_list,
    literal_bytes,
    quoted,
    status_items,
    token_int,
    token_str,
    uid_sets,
)

# IMAP says this flag is the server's own business: it can be neither set nor copied.
RECENT = "\\recent"


@dataclass(frozen=True)
class Namespace:
    """The personal namespace (prefix and separator) and the prefixes of the others."""

    prefix: str = ""
    separator: str = "/"
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class SelectInfo:
    """What SELECT or EXAMINE tells about the folder just opened."""

    uidvalidity: int
    uidnext: int
    exists: int
    permanent_flags: frozenset[str] | None = None  # lower case; None when not announced
    highestmodseq: int | None = None

    def accepts(self, flag: str) -> bool:
        """Whether the folder stores this flag or keyword permanently."""
        if self.permanent_flags is None:
            return True
        lowered = flag.lower()
        if lowered in self.permanent_flags:
            return True
        return not lowered.startswith("\\") and "\\*" in self.permanent_flags


@dataclass(frozen=True)
class Summary:
    """A message without its body: what listing and reconciliation need."""

    uid: int
    size: int
    flags: tuple[str, ...]
    internaldate: str | None = None
    header: bytes | None = None


@dataclass
class Fetched:
    """A whole message as fetched for copying; ``body`` may be a spilled file."""

    uid: int
    flags: tuple[str, ...]
    internaldate: str
    header: bytes
    body: Literal

    @property
    def size(self) -> int:
        """The message's size in bytes, as it will be appended."""
        return len(self.body)

    def release(self) -> None:
        """Delete the body's temporary file, if it has one."""
        close_literal(self.body)


def copyable_flags(flags: Iterable[str]) -> tuple[str, ...]:
    """The flags an APPEND or STORE may carry (all but \\Recent)."""
    return tuple(flag for flag in flags if flag.lower() != RECENT)


class Mailbox:
    """A logged-in connection to one account's mailbox."""

    def __init__(self, client: ImapClient) -> None:
        self.client = client
        self.selected: bytes | None = None

    # -- folders -----------------------------------------------------------------------------

    async def namespace(self) -> Namespace:
        """The personal namespace; without the NAMESPACE extension, asked with LIST."""
        if not self.client.has("NAMESPACE"):
            return Namespace(separator=await self._separator())

        found: list[Untagged] = []
        await self.client.run(b"NAMESPACE", on_data=_collect(found, "NAMESPACE"))
        if not found:
            raise ParseError("NAMESPACE gave no answer")
        personal, other, shared = [*found[0].data(), None, None, None][:3]
        if not personal:
            return Namespace(separator=await self._separator())

        first = personal[0]
        separator = token_str(first[1]) if len(first) > 1 and first[1] is not None else "/"
        others = tuple(
            decode_name(entry[0]) for group in (other, shared) if group for entry in group
        )
        return Namespace(decode_name(first[0]), separator or "/", others)

    async def _separator(self) -> str:
        found: list[Untagged] = []
        await self.client.run(b'LIST "" ""', on_data=_collect(found, "LIST"))
        data = found[0].data() if found else []
        return token_str(data[1]) if len(data) > 1 and data[1] else "/"

    async def list_folders(self, namespace: Namespace, *, status: bool) -> list[SourceFolder]:
        """Every folder of the personal namespace with attributes and subscription.

        With ``status``, each selectable folder also carries its STATUS, in one LIST when the
        server has LIST-STATUS, otherwise with STATUS commands sent back to back.
        """
        client = self.client
        items = self.status_items()
        extended = client.has("LIST-EXTENDED")
        listed: list[Untagged] = []
        if extended:
            options = [b"SUBSCRIBED"]
            if client.has("SPECIAL-USE"):
                options.append(b"SPECIAL-USE")
            if status and client.has("LIST-STATUS"):
                options.append(b"STATUS (" + b" ".join(items) + b")")
            command = b'LIST "" "*" RETURN (' + b" ".join(options) + b")"
            await client.run(command, on_data=_collect(listed, "LIST", "STATUS"))
        else:
            await client.run(b'LIST "" "*"', on_data=_collect(listed, "LIST"))
            await client.run(b'LSUB "" "*"', on_data=_collect(listed, "LSUB"))

        folders = _folders(listed, namespace)
        if status:
            missing = [f.raw for f in folders.values() if f.selectable and f.status is None]
            for raw, found in (await self.statuses(missing)).items():
                folder = folders[raw]
                folders[raw] = SourceFolder(
                    folder.name, raw, folder.path, folder.attributes, folder.subscribed, found
                )
        return sorted(folders.values(), key=lambda folder: folder.path)

    def status_items(self) -> list[bytes]:
        """The STATUS items that tell whether a folder changed."""
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]
        if self.client.has("CONDSTORE"):
            items.append(b"HIGHESTMODSEQ")
        return items

    async def statuses(self, names: Sequence[bytes]) -> dict[bytes, FolderStatus]:
        """STATUS of several folders, sent back to back."""
        items = b" (" + b" ".join(self.status_items()) + b")"
        answers: list[Untagged] = []
        futures = [
            await self.client.send(
                b"STATUS " + quoted(name) + items, on_data=_collect(answers, "STATUS")
            )
            for name in names
        ]
        for future in futures:
            self.client.checked("STATUS", await future)
        found = {}
        for answer in answers:
            data = answer.data()
            found[literal_bytes(data[0])] = _folder_status(status_items(data))
        return found

    async def status(self, name: bytes) -> FolderStatus:
        """STATUS of one folder."""
        found = await self.statuses([name])
        if name not in found:
            raise ParseError(f"STATUS of {name!r} gave no answer")
        return found[name]

    async def create(self, name: bytes) -> None:
        """Create a folder; one that already exists is fine."""
        try:
            await self.client.run(b"CREATE " + quoted(name))
        except CommandFailed as exc:
            if exc.status.code != "ALREADYEXISTS" and not await self._exists(name):
                raise

    async def _exists(self, name: bytes) -> bool:
        found: list[Untagged] = []
        await self.client.run(b'LIST "" ' + quoted(name), on_data=_collect(found, "LIST"))
        return bool(found)

    async def subscribe(self, name: bytes, subscribed: bool = True) -> None:
        """SUBSCRIBE or UNSUBSCRIBE a folder."""
        verb = b"SUBSCRIBE " if subscribed else b"UNSUBSCRIBE "
        try:
            await self.client.run(verb + quoted(name))
        except CommandFailed:
            if subscribed:
                raise  # an unsubscribe of a folder never subscribed may fail; that is fine

    # -- opening a folder ------------------------------------------------------------------

    async def examine(self, name: bytes) -> SelectInfo:
        """Open a folder read-only: nothing in it changes, not even \\Recent or \\Seen."""
        return await self._open(b"EXAMINE", name)

    async def select(self, name: bytes) -> SelectInfo:
        """Open a folder to change it (the destination only)."""
        return await self._open(b"SELECT", name)

    async def _open(self, verb: bytes, name: bytes) -> SelectInfo:
        answers: list[Untagged] = []
        status = await self.client.run(verb + b" " + quoted(name), on_data=answers.append)
        self.selected = name
        info: dict[str, object] = {"exists": 0}
        for answer in answers:
            if answer.kind == "EXISTS" and answer.number is not None:
                info["exists"] = answer.number
            elif answer.status is not None and answer.status.code:
                _select_code(info, answer.status.code, answer.status.code_args)
        if status.code:
            _select_code(info, status.code, status.code_args)
        if "uidvalidity" not in info:
            raise ParseError(f"{verb.decode()} {name!r} did not give UIDVALIDITY")
        return SelectInfo(
            uidvalidity=int(info["uidvalidity"]),  # type: ignore[call-overload]
            uidnext=int(info.get("uidnext", 0)),  # type: ignore[call-overload]
            exists=int(info["exists"]),  # type: ignore[call-overload]
            permanent_flags=info.get("permanent_flags"),  # type: ignore[arg-type]
            highestmodseq=info.get("highestmodseq"),  # type: ignore[arg-type]
        )

    # -- messages ----------------------------------------------------------------------------

    async def uids(self) -> list[int]:
        """Every UID in the open folder.

        With ESEARCH the answer is a set of ranges, a few bytes for a folder that plain
        SEARCH would answer with a line of hundreds of thousands of numbers.
        """
        found: list[Untagged] = []
        if self.client.has("ESEARCH"):
            command = b"UID SEARCH RETURN (ALL) ALL"
            await self.client.run(command, on_data=_collect(found, "ESEARCH"))
            return sorted(uid for answer in found for uid in esearch_all(answer.data()))
        await self.client.run(b"UID SEARCH ALL", on_data=_collect(found, "SEARCH"))
        return sorted(token_int(token) for answer in found for token in answer.data())

    async def larger_than(self, size: int) -> list[int]:
        """The UIDs of the open folder's messages larger than ``size`` bytes.

        The server does the scanning (SEARCH LARGER), so no message data is transferred.
        """
        criteria = b"LARGER %d" % size
        found: list[Untagged] = []
        if self.client.has("ESEARCH"):
            command = b"UID SEARCH RETURN (ALL) " + criteria
            await self.client.run(command, on_data=_collect(found, "ESEARCH"))
            return sorted(uid for answer in found for uid in esearch_all(answer.data()))
        await self.client.run(b"UID SEARCH " + criteria, on_data=_collect(found, "SEARCH"))
        return sorted(token_int(token) for answer in found for token in answer.data())

    async def summaries(
        self, uids: Sequence[int] | None = None, *, header: bool = False, date: bool = False
    ) -> list[Summary]:
        """Size and flags (and INTERNALDATE, the header) of messages; all when ``uids`` is None.

        Several UID FETCH commands are sent back to back when the UIDs are many.
        """
        items = b"(UID RFC822.SIZE FLAGS"
        items += b" INTERNALDATE" if date else b""
        items += b" BODY.PEEK[HEADER])" if header else b")"
        found: list[Summary] = []

        def keep(response: Untagged) -> None:
            if response.kind == "FETCH":
                summary = _summary(response)
                if summary is not None:
                    found.append(summary)

        sets = [b"1:*"] if uids is None else list(uid_sets(uids))
        futures = [
            await self.client.send(b"UID FETCH " + part + b" " + items, on_data=keep)
            for part in sets
        ]
        for future in futures:
            self.client.checked("UID FETCH", await future)
        found.sort(key=lambda summary: summary.uid)
        return found

    async def fetch(
        self, uids: Sequence[int], deliver: Callable[[Fetched], Awaitable[None]]
    ) -> None:
        """Fetch whole messages (BODY.PEEK) and hand each to ``deliver`` as it arrives.

        Reading pauses while ``deliver`` waits, so memory stays bounded by what it keeps.
        """
        items = b" (UID FLAGS INTERNALDATE BODY.PEEK[HEADER] BODY.PEEK[])"

        async def take(response: Untagged) -> None:
            if response.kind != "FETCH":
                return
            message = _fetched(response)
            if message is not None:
                await deliver(message)

        futures = [
            await self.client.send(b"UID FETCH " + part + items, on_data=take)
            for part in uid_sets(uids)
        ]
        for future in futures:
            self.client.checked("UID FETCH", await future)

    async def store(self, uids: Sequence[int], operation: bytes, flags: Sequence[str]) -> None:
        """Add (``+FLAGS``) or remove (``-FLAGS``) flags, silently, on the open folder."""
        flag_text = b"(" + " ".join(flags).encode("ascii") + b")"
        futures = [
            await self.client.send(
                b"UID STORE " + part + b" " + operation + b".SILENT " + flag_text
            )
            for part in uid_sets(uids)
        ]
        for future in futures:
            self.client.checked("UID STORE", await future)

    async def close_folder(self) -> None:
        """Leave the open folder without expunging anything (UNSELECT, or EXAMINE-then-CLOSE)."""
        if self.selected is None:
            return
        if self.client.has("UNSELECT"):
            await self.client.run(b"UNSELECT")
        self.selected = None

    async def logout(self) -> None:
        """Log out and close the connection."""
        await self.client.logout()


def _collect(target: list[Untagged], *kinds: str) -> Callable[[Untagged], None]:
    wanted = set(kinds)

    def keep(response: Untagged) -> None:
        if response.kind in wanted:
            target.append(response)

    return keep


def _folders(listed: list[Untagged], namespace: Namespace) -> dict[bytes, SourceFolder]:
    """Folders of the personal namespace from LIST (and LSUB, STATUS) answers."""
    folders: dict[bytes, SourceFolder] = {}
    subscribed: set[bytes] = set()
    status: dict[bytes, FolderStatus] = {}
    for answer in listed:
        data = answer.data()
        if answer.kind == "STATUS":
            status[literal_bytes(data[0])] = _folder_status(status_items(data))
            continue
        attributes = frozenset(token_str(a).lower() for a in data[0])
        raw = literal_bytes(data[2])
        if answer.kind == "LSUB" or "\\subscribed" in attributes:
            subscribed.add(raw)
        if answer.kind == "LSUB" or "\\nonexistent" in attributes:
            continue
        name = decode_name(raw)
        path = _path(name, namespace)
        if path is not None:
            folders[raw] = SourceFolder(name, raw, path, attributes - {"\\subscribed"})

    return {
        raw: SourceFolder(
            f.name, raw, f.path, f.attributes, raw in subscribed, status.get(raw), f.listed
        )
        for raw, f in folders.items()
    }


def _path(name: str, namespace: Namespace) -> tuple[str, ...] | None:
    """A name's parts inside the personal namespace; None for other users' or shared folders."""
    if name.upper() == "INBOX":
        return ("INBOX",)
    longer = [p for p in namespace.others if p and len(p) > len(namespace.prefix)]
    if any(name.startswith(prefix) for prefix in longer):
        return None
    if not name.startswith(namespace.prefix):
        return None
    relative = name[len(namespace.prefix) :]
    if not relative:
        return None
    return tuple(relative.split(namespace.separator)) if namespace.separator else (relative,)


def _folder_status(items: dict[str, int]) -> FolderStatus:
    return FolderStatus(
        uidvalidity=items.get("UIDVALIDITY", 0),
        uidnext=items.get("UIDNEXT", 0),
        messages=items.get("MESSAGES", 0),
        highestmodseq=items.get("HIGHESTMODSEQ"),
    )


def _select_code(info: dict[str, object], code: str, args: str) -> None:
    if code == "UIDVALIDITY" and args.isdigit():
        info["uidvalidity"] = int(args)
    elif code == "UIDNEXT" and args.isdigit():
        info["uidnext"] = int(args)
    elif code == "HIGHESTMODSEQ" and args.isdigit():
        info["highestmodseq"] = int(args)
    elif code == "PERMANENTFLAGS":
        info["permanent_flags"] = frozenset(args.strip("()").lower().split())


def _summary(response: Untagged) -> Summary | None:
    items = fetch_items(response)
    if "UID" not in items or "RFC822.SIZE" not in items:
        return None  # an unsolicited flag change, not an answer to our FETCH
    header = items.get("BODY[HEADER]")
    date = items.get("INTERNALDATE")
    return Summary(
        uid=token_int(items["UID"]),
        size=token_int(items["RFC822.SIZE"]),
        flags=flag_list(items.get("FLAGS", [])),
        internaldate=token_str(date) if date is not None else None,
        header=literal_bytes(header) if "BODY[HEADER]" in items else None,
    )


def _fetched(response: Untagged) -> Fetched | None:
    items = fetch_items(response)
    if "UID" not in items or "BODY[]" not in items:
        return None
    body = items["BODY[]"]
    return Fetched(
        uid=token_int(items["UID"]),
        flags=flag_list(items.get("FLAGS", [])),
        internaldate=token_str(items.get("INTERNALDATE")),
        header=literal_bytes(items.get("BODY[HEADER]")),
        body=body if body is not None else b"",
    )


async def gather_quietly(*awaitables: Awaitable[object]) -> None:
    """Wait for all, ignoring their errors (used when closing connections)."""
    await asyncio.gather(*awaitables, return_exceptions=True)
