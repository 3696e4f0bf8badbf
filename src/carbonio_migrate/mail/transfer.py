"""The transfer of one source folder's missing messages: fetched, batched, appended, confirmed.

UID FETCH (BODY.PEEK) on the source streams messages into a queue; a sender groups small ones
into MULTIAPPEND commands (one APPEND each for larger ones) sent back to back with LITERAL+;
a confirmer reads the answers in order. The intents of a batch are written to the journal
before its APPEND leaves, and the destination UIDs from APPENDUID when the answer arrives,
so a kill at any moment leaves nothing the next run cannot reconcile.

Memory is bounded by a byte budget covering everything fetched and not yet confirmed; large
messages sit in temporary files and count as one chunk.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from carbonio_migrate.mail.client import SPILL_THRESHOLD, AppendMessage, ConnectionLost
from carbonio_migrate.mail.fingerprint import fingerprint
from carbonio_migrate.mail.folders import FolderTarget
from carbonio_migrate.mail.journal import MessageRecord, MessageState
from carbonio_migrate.mail.mailbox import Fetched, Mailbox, SelectInfo, copyable_flags
from carbonio_migrate.mail.protocol import Status, encode_name, parse_uid_set

if TYPE_CHECKING:
    from carbonio_migrate.mail.copy import AccountCopy

# Answers that mean "not now": back off, reconnect, try again.
_TRY_LATER = ("UNAVAILABLE", "INUSE", "LIMIT")


class FolderFailed(Exception):
    """A destination folder could not be used; its messages are reported and skipped."""


@dataclass
class _Batch:
    """Messages sent in one APPEND command, waiting for its answer."""

    messages: list[Fetched]
    records: list[MessageRecord]
    answer: asyncio.Future[Status] | None = None
    multi: bool = False
    synchronized: bool = False

    @property
    def size(self) -> int:
        return sum(message.size for message in self.messages)


_FLUSH = object()
# An idle destination gets a batch early only when it has this much: sending the first
# message of a folder alone would cost a command (and two state writes) for nothing.
IDLE_BATCH = 8
IDLE_BATCH_BYTES = 256 << 10
_DONE = object()


class _Budget:
    """Bytes held in memory between the source's FETCH and the destination's answer."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._used = 0
        self._changed = asyncio.Condition()

    async def take(self, amount: int) -> None:
        async with self._changed:
            await self._changed.wait_for(
                lambda: self._used == 0 or self._used + amount <= self._limit
            )
            self._used += amount

    async def give(self, amount: int) -> None:
        async with self._changed:
            self._used -= amount
            self._changed.notify_all()


def _cost(message: Fetched) -> int:
    """What a fetched message holds in memory (a spilled one, one chunk while sent)."""
    return message.size if isinstance(message.body, bytes) else SPILL_THRESHOLD


class Transfer:
    """One source folder's missing messages: fetched, batched, appended, confirmed."""

    def __init__(
        self,
        copy: AccountCopy,
        destination: Mailbox,
        target: FolderTarget,
        opened: SelectInfo,
        known: dict[int, MessageRecord],
    ) -> None:
        self.copy = copy
        self.options = copy.options
        self.destination = destination
        self.target = target
        self.opened = opened
        self.known = known
        self.raw = encode_name(target.name)
        client = destination.client
        self.multi = client.has("MULTIAPPEND") and copy.multiappend_ok
        self.non_sync = client.has("LITERAL+")
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.inflight: asyncio.Queue[_Batch | object] = asyncio.Queue()
        self.outstanding = 0
        self.budget = _Budget(self.options.window_bytes)
        self.delivered = 0
        self.batch: list[Fetched] = []
        self.batch_size = 0
        self.placed: list[MessageRecord] = []  # confirmed, not yet written down

    async def run(self, source: Mailbox, uids: Sequence[int]) -> int:
        """Copy these UIDs; returns how many the source still had."""
        tasks = [
            asyncio.create_task(self._produce(source, uids)),
            asyncio.create_task(self._send()),
            asyncio.create_task(self._confirm()),
        ]
        try:
            for finished in asyncio.as_completed(tasks):
                await finished
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._release_all()
            raise
        return self.delivered

    async def _produce(self, source: Mailbox, uids: Sequence[int]) -> None:
        async def deliver(message: Fetched) -> None:
            await self.budget.take(_cost(message))
            self.delivered += 1
            self.queue.put_nowait(message)

        try:
            await source.fetch(uids, deliver)
        finally:
            self.queue.put_nowait(_DONE)

    # -- sending ------------------------------------------------------------------------------

    async def _send(self) -> None:
        while True:
            if self._idle() and self.queue.empty():
                await self._flush()  # the destination is idle: give it what there is
            item = await self.queue.get()
            if item is _DONE:
                await self._flush()
                self.inflight.put_nowait(_DONE)
                return
            if item is _FLUSH:
                if self._idle():
                    await self._flush()
                continue
            assert isinstance(item, Fetched)
            await self._add(item)

    def _idle(self) -> bool:
        """Whether the destination waits for us with enough in hand to be worth a command."""
        enough = len(self.batch) >= IDLE_BATCH or self.batch_size >= IDLE_BATCH_BYTES
        return enough and self.outstanding == 0

    async def _add(self, message: Fetched) -> None:
        options = self.options
        if not self.multi or not 0 < message.size <= options.batch_message_limit:
            await self._flush()
            large = message.size > options.synchronizing_above
            await self._dispatch([message], synchronizing=large or not self.non_sync)
            return
        if (
            len(self.batch) >= options.batch_messages
            or self.batch_size + message.size > options.batch_bytes
        ):
            await self._flush()
        self.batch.append(message)
        self.batch_size += message.size

    async def _flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch, self.batch_size = self.batch, [], 0
        await self._dispatch(batch, synchronizing=not self.non_sync)

    async def _dispatch(self, messages: list[Fetched], *, synchronizing: bool) -> None:
        """Record the intents, then send one APPEND (MULTIAPPEND for several)."""
        records = [self._intent(message) for message in messages]
        # Confirmations not yet written down go in the same write as the new intents.
        self.copy.journal.record(self.target.source.name, [*self.placed, *records])
        self.placed = []
        for record in records:
            self.known[record.source_uid] = record
        batch = _Batch(messages, records, multi=len(messages) > 1, synchronized=synchronizing)
        batch.answer = await self.destination.client.append(
            self.raw, [self._appendable(m) for m in messages], synchronizing=synchronizing
        )
        self.outstanding += 1
        self.inflight.put_nowait(batch)

    def _intent(self, message: Fetched) -> MessageRecord:
        return MessageRecord(
            message.uid,
            fingerprint(message.header, message.size),
            message.size,
            copyable_flags(message.flags),
            MessageState.INTENT,
        )

    def _appendable(self, message: Fetched) -> AppendMessage:
        # TODO: keywords the destination does not keep are reported, not mapped to another
        # name; a keyword a server accepts but renames (Carbonio's tags) is not detected here.
        flags = copyable_flags(message.flags)
        accepted = tuple(flag for flag in flags if self.opened.accepts(flag))
        if len(accepted) != len(flags):
            refused = " ".join(sorted(set(flags) - set(accepted)))
            self.copy.problem(
                "flags",
                self.target.source.name,
                f"the destination does not keep {refused}",
                message.uid,
            )
        return AppendMessage(message.body, accepted, message.internaldate or None)

    # -- confirming ---------------------------------------------------------------------------

    async def _confirm(self) -> None:
        """Settle answers in order. Confirmations are written down with the next batch's
        intents (one write for both); the last ones when everything was sent."""
        carry: object | None = None
        while True:
            item = carry if carry is not None else await self.inflight.get()
            carry = None
            if item is _DONE:
                self._record_placed()
                return
            assert isinstance(item, _Batch)
            group = [item]
            # Answers that already arrived are settled together, in one state write.
            while not self.inflight.empty():
                following = self.inflight.get_nowait()
                answer = getattr(following, "answer", None)
                if isinstance(following, _Batch) and answer is not None and answer.done():
                    group.append(following)
                    continue
                carry = following
                break
            try:
                for batch in group:
                    await self._settle(batch)
            except BaseException:
                self._record_placed()
                raise
            finally:
                self.outstanding -= len(group)
                if self.outstanding == 0:
                    self.queue.put_nowait(_FLUSH)
                for batch in group:
                    await self._release(batch)

    def _record_placed(self) -> None:
        if self.placed:
            self.copy.journal.record(self.target.source.name, self.placed)
            self.placed = []

    async def _settle(self, batch: _Batch) -> None:
        assert batch.answer is not None
        status = await batch.answer
        if status.ok:
            self._placed(batch, status)
            return
        code = status.code or ""
        if code in _TRY_LATER:
            raise ConnectionLost(f"{self.copy.result.account}: {status.describe()}")
        if code == "TRYCREATE":
            raise FolderFailed(f"the destination lost the folder: {status.describe()}")
        if status.kind == "BAD" and (batch.multi or not batch.synchronized):
            # A server that rejects the command line before reading its non-synchronising
            # literals reads them as commands: this connection cannot be trusted any more.
            if batch.multi:
                self.copy.multiappend_ok = False
            else:
                self._refused(batch, status)
            self.destination.client.close()
            raise ConnectionLost(f"APPEND answered {status.describe()}; reconnecting")
        if batch.multi:
            await self._one_by_one(batch)
            return
        self._refused(batch, status)

    async def _one_by_one(self, batch: _Batch) -> None:
        """A MULTIAPPEND is all or nothing: find the refused message by sending each alone."""
        for message, record in zip(batch.messages, batch.records, strict=True):
            single = _Batch([message], [record], synchronized=True)
            single.answer = await self.destination.client.append(
                self.raw, [self._appendable(message)], synchronizing=True
            )
            status = await single.answer
            if status.ok:
                self._placed(single, status)
            elif status.code in _TRY_LATER:
                raise ConnectionLost(f"{self.copy.result.account}: {status.describe()}")
            else:
                self._refused(single, status)

    def _placed(self, batch: _Batch, status: Status) -> None:
        uids = _append_uids(status, len(batch.messages))
        if uids is None:
            # Without UIDPLUS the UIDs stay unknown: the intents are reconciled next time.
            self.copy.result.copied += len(batch.messages)
            self.copy.result.copied_bytes += batch.size
            self.copy.progress.advanced(len(batch.messages), batch.size)
            return
        placed = [
            record.placed_at(uid, MessageState.COPIED)
            for record, uid in zip(batch.records, uids, strict=True)
        ]
        self.placed += placed
        for record in placed:
            self.known[record.source_uid] = record
        self.copy.result.copied += len(placed)
        self.copy.result.copied_bytes += batch.size
        self.copy.progress.advanced(len(placed), batch.size)

    def _refused(self, batch: _Batch, status: Status) -> None:
        reason = f"refused by the destination: {status.describe()}"
        refused = [
            replace(record, state=MessageState.REFUSED, reason=reason) for record in batch.records
        ]
        self.copy.journal.record(self.target.source.name, refused)
        for record in refused:
            self.known[record.source_uid] = record
            self.copy.refused_now.add((self.target.source.name, record.source_uid))
            self.copy.problem(
                "refused", self.target.source.name, reason, record.source_uid, record.size
            )
        self.copy.result.refused += len(refused)
        self.copy.progress.advanced(len(refused), batch.size)

    async def _release(self, batch: _Batch) -> None:
        for message in batch.messages:
            await self.budget.give(_cost(message))
            message.release()

    def _release_all(self) -> None:
        for message in self.batch:
            message.release()
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if isinstance(item, Fetched):
                item.release()
        with contextlib.suppress(asyncio.QueueEmpty):
            while True:
                item = self.inflight.get_nowait()
                if isinstance(item, _Batch):
                    for message in item.messages:
                        message.release()


def _append_uids(status: Status, count: int) -> list[int] | None:
    """The UIDs an APPENDUID response code gives, when it gives one per message."""
    if status.code != "APPENDUID":
        return None
    _, _, uid_text = status.code_args.partition(" ")
    try:
        uids = parse_uid_set(uid_text.strip())
    except ValueError:
        return None
    return uids if len(uids) == count else None
