"""Comparing an account's mail on the source and the destination, folder by folder.

Messages are paired by fingerprint (headers and size), counted as a multiset, so the check
does not trust the UID map it verifies. Each pair is compared for flags, INTERNALDATE (to the
second) and, on request, a hash of the whole content. Every source message ends in exactly
one of four totals, which therefore add up to the source's count: copied (by this tool),
already present (found there), refused (by the destination, with its reason) and failed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from carbonio_migrate.mail.fingerprint import Matcher, fingerprint, header_part
from carbonio_migrate.mail.folders import (
    SPECIAL_USE_ROLES,
    DestinationLayout,
    FolderRules,
    map_folders,
)
from carbonio_migrate.mail.journal import MessageRecord, MessageState
from carbonio_migrate.mail.mailbox import Fetched, Mailbox, Summary, copyable_flags
from carbonio_migrate.mail.protocol import ParseError, encode_name, parse_internaldate

Opener = Callable[[str], Awaitable[Mailbox]]

# Differences that mean the copy is not exact; "extra" (only on the destination) is a note.
FAILING = frozenset(
    {"missing", "refused", "duplicate", "size", "flags", "date", "content", "folder"}
)


@dataclass(frozen=True)
class Difference:
    """One difference, with the folder, the source UID when there is one, and why."""

    kind: str  # missing, refused, duplicate, extra, size, flags, date, content, folder
    folder: str
    reason: str
    uid: int | None = None
    destination_uid: int | None = None

    def describe(self) -> str:
        """One line for the administrator."""
        where = self.folder
        if self.uid is not None:
            where += f" UID {self.uid}"
        elif self.destination_uid is not None:
            where += f" (destination UID {self.destination_uid})"
        return f"{where}: {self.kind}: {self.reason}"


@dataclass
class FolderComparison:
    """Counts and bytes of one destination folder and the source folders that go into it."""

    destination: str
    sources: list[str]
    source_messages: int = 0
    source_bytes: int = 0
    destination_messages: int = 0
    destination_bytes: int = 0


@dataclass
class AccountVerification:
    """The comparison of one account."""

    account: str
    source_account: str
    folders: list[FolderComparison] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    copied: int = 0
    present: int = 0
    refused: int = 0
    failed: int = 0
    source_messages: int = 0
    error: str | None = None

    @property
    def equal(self) -> bool:
        """Whether nothing differs (messages only on the destination do not count)."""
        return self.error is None and not any(d.kind in FAILING for d in self.differences)


@dataclass
class _Side:
    """Messages of one side of a folder comparison: summaries and optional content hashes."""

    messages: list[tuple[str, Summary]] = field(default_factory=list)  # (folder, summary)
    hashes: dict[tuple[str, int], str] = field(default_factory=dict)


async def verify_account(
    account: str,
    source_account: str,
    *,
    open_source: Opener,
    open_destination: Opener,
    recorded: Mapping[str, str],
    states: Mapping[tuple[str, int], MessageRecord],
    rules: FolderRules | None = None,
    content: bool = False,
) -> AccountVerification:
    """Compare one account; ``recorded`` and ``states`` are what the copy wrote down."""
    result = AccountVerification(account, source_account)
    source = await open_source(source_account)
    try:
        destination = await open_destination(account)
        try:
            await _compare(result, source, destination, recorded, states, rules, content)
        finally:
            await destination.logout()
    finally:
        await source.logout()
    return result


async def _compare(
    result: AccountVerification,
    source: Mailbox,
    destination: Mailbox,
    recorded: Mapping[str, str],
    states: Mapping[tuple[str, int], MessageRecord],
    rules: FolderRules | None,
    content: bool,
) -> None:
    namespace = await source.namespace()
    folders = await source.list_folders(namespace, status=False)
    there = await destination.namespace()
    existing = await destination.list_folders(there, status=False)
    roles: dict[str, tuple[str, ...]] = {}
    for folder in existing:
        role = SPECIAL_USE_ROLES.get(folder.special_use or "")
        if role and role not in roles:
            roles[role] = folder.path
    layout = DestinationLayout(
        there.prefix, there.separator, roles, frozenset(f.path for f in existing)
    )
    mapping = map_folders(
        folders, layout, separator=namespace.separator, rules=rules, recorded=recorded
    )
    present = {folder.name.casefold() for folder in existing}

    for name, group in mapping.groups().items():
        members = [target for target in group if target.source.selectable]
        comparison = FolderComparison(name, [target.source.name for target in group])
        result.folders.append(comparison)
        if name.casefold() not in present:
            result.differences.append(Difference("folder", name, "missing on the destination"))
        if not members:
            continue
        theirs = _Side()
        if name.casefold() in present:
            theirs = await _read(destination, [(name, encode_name(name))], content)
        ours = await _read(source, [(t.source.name, t.source.raw) for t in members], content)
        _pair(result, comparison, ours, theirs, states)


async def _read(mailbox: Mailbox, names: list[tuple[str, bytes]], content: bool) -> _Side:
    """Summaries (with headers and dates) of the folders' messages, and content hashes."""
    side = _Side()
    for name, raw in names:
        info = await mailbox.examine(raw)
        if not info.exists:
            await mailbox.close_folder()
            continue
        summaries = await mailbox.summaries(header=True, date=True)
        side.messages += [(name, summary) for summary in summaries]
        if content:

            async def digest(message: Fetched, folder: str = name) -> None:
                hashed = hashlib.sha256()
                body = message.body
                for piece in [body] if isinstance(body, bytes) else body.chunks():
                    hashed.update(piece)
                side.hashes[(folder, message.uid)] = hashed.hexdigest()
                message.release()

            await mailbox.fetch([summary.uid for summary in summaries], digest)
        await mailbox.close_folder()
    return side


def _pair(
    result: AccountVerification,
    comparison: FolderComparison,
    ours: _Side,
    theirs: _Side,
    states: Mapping[tuple[str, int], MessageRecord],
) -> None:
    """Pair source and destination messages by fingerprint and record every difference."""
    name = comparison.destination
    comparison.source_messages = len(ours.messages)
    comparison.source_bytes = sum(summary.size for _, summary in ours.messages)
    comparison.destination_messages = len(theirs.messages)
    comparison.destination_bytes = sum(summary.size for _, summary in theirs.messages)
    result.source_messages += len(ours.messages)

    by_uid = {summary.uid: summary for _, summary in theirs.messages}
    prints = {summary.uid: _print(summary) for summary in by_uid.values()}
    matcher: Matcher[int] = Matcher((uid, prints[uid]) for uid in sorted(by_uid))
    ordered = [((folder, summary.uid), _print(summary)) for folder, summary in ours.messages]
    pairs = dict(matcher.match(ordered))
    source_prints = Counter(header_part(print_) for _, print_ in ordered)
    for folder, summary in ours.messages:
        uid = pairs.get((folder, summary.uid))
        record = states.get((folder, summary.uid))
        if uid is None:
            _missing(result, folder, summary, record)
            continue
        if record is not None and record.state == MessageState.COPIED:
            result.copied += 1
        else:
            result.present += 1
        _compare_pair(result, folder, summary, by_uid.pop(uid), ours, theirs, name)

    for uid, summary in sorted(by_uid.items()):
        if source_prints[header_part(prints[uid])]:
            reason = "a second copy of a source message"
            result.differences.append(Difference("duplicate", name, reason, None, uid))
        else:
            reason = f"only on the destination ({summary.size} bytes)"
            result.differences.append(Difference("extra", name, reason, None, uid))


def _missing(
    result: AccountVerification, folder: str, summary: Summary, record: MessageRecord | None
) -> None:
    if record is not None and record.state == MessageState.REFUSED:
        result.refused += 1
        reason = record.reason or "refused by the destination"
        result.differences.append(Difference("refused", folder, reason, summary.uid))
        return
    result.failed += 1
    if record is not None and record.state == MessageState.INTENT:
        reason = "not on the destination (its APPEND was never confirmed; run mail again)"
    elif record is not None:
        reason = "not on the destination any more (deleted there after the copy?)"
    else:
        reason = "not on the destination (not copied yet: run mail)"
    result.differences.append(Difference("missing", folder, reason, summary.uid))


def _compare_pair(
    result: AccountVerification,
    folder: str,
    ours: Summary,
    theirs: Summary,
    our_side: _Side,
    their_side: _Side,
    destination: str,
) -> None:
    """Flags, INTERNALDATE and (when read) content of a message and its copy."""
    if ours.size != theirs.size:
        reason = f"size source {ours.size}, destination {theirs.size} (line ends rewritten?)"
        result.differences.append(Difference("size", folder, reason, ours.uid, theirs.uid))
    mine = _flag_set(ours.flags)
    copy = _flag_set(theirs.flags)
    if mine != copy:
        reason = f"source {_show(mine)}, destination {_show(copy)}"
        result.differences.append(Difference("flags", folder, reason, ours.uid, theirs.uid))

    if not _same_date(ours.internaldate, theirs.internaldate):
        reason = f"INTERNALDATE source {ours.internaldate}, destination {theirs.internaldate}"
        result.differences.append(Difference("date", folder, reason, ours.uid, theirs.uid))

    mine_hash = our_side.hashes.get((folder, ours.uid))
    their_hash = their_side.hashes.get((destination, theirs.uid))
    if mine_hash is not None and their_hash is not None and mine_hash != their_hash:
        reason = "same headers and size, different content"
        result.differences.append(Difference("content", folder, reason, ours.uid, theirs.uid))


def _print(summary: Summary) -> str:
    return fingerprint(summary.header or b"", summary.size)


def _flag_set(flags: tuple[str, ...]) -> frozenset[str]:
    """Flags compared as IMAP does: system flags ignore case, \\Recent is not a flag to copy."""
    return frozenset(f.lower() if f.startswith("\\") else f for f in copyable_flags(flags))


def _show(flags: frozenset[str]) -> str:
    return "(" + " ".join(sorted(flags)) + ")"


def _same_date(mine: str | None, theirs: str | None) -> bool:
    if mine is None or theirs is None:
        return mine == theirs
    try:
        return parse_internaldate(mine) == parse_internaldate(theirs)
    except ParseError:
        return mine.strip() == theirs.strip()
