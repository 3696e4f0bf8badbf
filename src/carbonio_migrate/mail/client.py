"""A small asyncio IMAP client that keeps many commands in flight on one connection.

Hand-written because no well-kept Python IMAP library pipelines APPEND (imaplib and IMAPClient
wait for every answer and know neither LITERAL+ nor MULTIAPPEND), and pipelining is what makes
an IMAP-to-IMAP copy fast. It does only what the copy needs: TLS (implicit or STARTTLS), SASL
PLAIN and LOGIN, tagged commands sent back to back, untagged data handed to the command being
answered, synchronising and non-synchronising literals, and large literals spilled to a
temporary file in both directions.
"""

from __future__ import annotations

import asyncio
import base64
import inspect
import logging
import re
import ssl
import tempfile
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from carbonio_migrate.mail.protocol import (
    CHUNK,
    FileLiteral,
    Literal,
    ParseError,
    Segment,
    Status,
    Untagged,
    parse_status,
    parse_untagged,
    quoted,
)

log = logging.getLogger(__name__)

# Literals above this size are written to a temporary file instead of being kept in memory.
SPILL_THRESHOLD = 2 << 20
# The stream reader pauses the socket when this much (times two) is buffered and unread.
_READ_LIMIT = 1 << 18
_LONGEST_LINE = 1 << 26
_LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n\Z")
# Answers that mean "not now" rather than "never": back off and try again.
TRANSIENT_CODES = frozenset({"UNAVAILABLE", "INUSE", "LIMIT"})

DataHandler = Callable[[Untagged], Awaitable[None] | None]


class ConnectionLost(Exception):
    """The connection broke, timed out, or the server said BYE: reconnect and resume."""


class CommandFailed(Exception):
    """A command was answered NO or BAD."""

    def __init__(self, command: str, status: Status) -> None:
        super().__init__(f"{command}: {status.describe()}")
        self.command = command
        self.status = status

    @property
    def transient(self) -> bool:
        """Whether the server asked to try again later (throttling, resource in use)."""
        return self.status.code in TRANSIENT_CODES


@dataclass
class AppendMessage:
    """One message to APPEND: its bytes (or spilled file), flags, and INTERNALDATE as sent."""

    data: Literal
    flags: Sequence[str] = ()
    internaldate: str | None = None

    @property
    def size(self) -> int:
        """The literal's size in bytes."""
        return len(self.data)


@dataclass
class _Pending:
    """A command sent and not yet answered."""

    name: str
    future: asyncio.Future[Status]
    on_data: DataHandler | None = None


@dataclass
class _Watch:
    """When the connection last read something, for the idle watchdog."""

    last_read: float = field(default_factory=time.monotonic)


class ImapClient:
    """One IMAP connection with pipelined commands; create it with :meth:`connect`."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        name: str,
        timeout: float,
    ) -> None:
        self.name = name
        self.capabilities: frozenset[str] = frozenset()
        self._reader = reader
        self._writer = writer
        self._timeout = timeout
        self._tag = 0
        self._pending: dict[bytes, _Pending] = {}
        self._continuations: deque[asyncio.Future[bytes]] = deque()
        self._write_lock = asyncio.Lock()
        self._failure: ConnectionLost | None = None
        self._watch = _Watch()
        self._reading: asyncio.Task[None] | None = None
        self._watchdog: asyncio.TimerHandle | None = None
        self._closing = False

    # -- opening and closing ---------------------------------------------------------------

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        *,
        tls: str,
        context: ssl.SSLContext | None,
        timeout: float,
        name: str,
    ) -> ImapClient:
        """Connect, protect the connection (``implicit``, ``starttls`` or ``none``), read caps."""
        implicit = context if tls == "implicit" else None
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=implicit, limit=_READ_LIMIT
            )
            client = cls(reader, writer, name=name, timeout=timeout)
            greeting = await client._read_line()
            status = parse_status(greeting[2:])
            if not greeting.startswith(b"* ") or status.kind not in ("OK", "PREAUTH"):
                writer.close()
                raise ConnectionLost(f"{name}: refused the connection ({status.describe()})")
            if tls == "starttls":
                await client._starttls(context, host)
            elif status.code == "CAPABILITY":
                client.capabilities = _capability_set(status.code_args)
        client._start()
        if not client.capabilities:
            await client.refresh_capabilities()
        return client

    async def _starttls(self, context: ssl.SSLContext | None, host: str) -> None:
        """Upgrade to TLS before anything else is said (RFC 3501 6.2.1)."""
        self._writer.write(b"S0 STARTTLS\r\n")
        while True:
            line = await self._read_line()
            if line.startswith(b"S0 "):
                break
        status = parse_status(line[3:])
        if not status.ok:
            raise ConnectionLost(f"{self.name}: STARTTLS refused ({status.describe()})")
        await self._writer.start_tls(context or ssl.create_default_context(), server_hostname=host)

    def _start(self) -> None:
        self._reading = asyncio.get_running_loop().create_task(self._read_loop())
        self._arm_watchdog()

    async def refresh_capabilities(self) -> frozenset[str]:
        """Ask for CAPABILITY again (it changes after login)."""
        await self.run(b"CAPABILITY")
        return self.capabilities

    def has(self, capability: str) -> bool:
        """Whether the server announced a capability (case-insensitive)."""
        return capability.upper() in self.capabilities

    async def logout(self) -> None:
        """Say LOGOUT and close; never raises, the connection is gone either way."""
        self._closing = True
        if self._failure is None:
            try:
                async with asyncio.timeout(min(self._timeout, 5)):
                    await self.run(b"LOGOUT")
            except (ConnectionLost, CommandFailed, TimeoutError, OSError):
                pass
        self.close()

    def close(self) -> None:
        """Drop the connection at once."""
        self._closing = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._fail(ConnectionLost(f"{self.name}: connection closed"))
        self._writer.close()
        if self._reading is not None and self._reading is not asyncio.current_task():
            self._reading.cancel()

    @property
    def broken(self) -> bool:
        """Whether the connection can no longer be used."""
        return self._failure is not None

    # -- authentication ---------------------------------------------------------------------

    async def authenticate_plain(self, authcid: str, password: str, authzid: str = "") -> None:
        """SASL PLAIN (RFC 4616), acting as ``authzid`` when one is given."""
        message = f"{authzid}\0{authcid}\0{password}".encode()
        response = base64.b64encode(message)
        if self.has("SASL-IR"):
            status = await self.run(b"AUTHENTICATE PLAIN " + response, name="AUTHENTICATE")
        else:
            status = await self.run_with_continuation(
                b"AUTHENTICATE PLAIN", response, "AUTHENTICATE"
            )
        await self._after_login(status)

    async def login(self, user: str, password: str) -> None:
        """LOGIN user password, with literals where quoting cannot carry the value."""
        parts = [b"LOGIN"]
        for value in (user.encode(), password.encode()):
            if value.isascii() and not any(byte in value for byte in b"\r\n\0"):
                parts.append(quoted(value))
            else:
                parts.append(value)  # sent as a literal below
        await self._after_login(await self._send_login(parts))

    async def _send_login(self, parts: list[bytes]) -> Status:
        """LOGIN with any part that is not quoted sent as a synchronising literal."""
        pieces: list[bytes | Literal] = []
        text = parts[0]
        for part in parts[1:]:
            if part.startswith(b'"'):
                text += b" " + part
            else:
                pieces.append(text + b" {%d}" % len(part))
                pieces.append(part)
                text = b""
        return await self._run_literals(pieces, text, "LOGIN")

    async def _after_login(self, status: Status) -> None:
        """Capabilities change with login; most servers send them in the answer."""
        if status.code != "CAPABILITY":
            await self.refresh_capabilities()

    # -- commands ---------------------------------------------------------------------------

    def _next_tag(self) -> bytes:
        self._tag += 1
        return b"C%d" % self._tag

    def _register(self, name: str, on_data: DataHandler | None) -> tuple[bytes, _Pending]:
        if self._failure is not None:
            raise self._failure
        tag = self._next_tag()
        pending = _Pending(name, asyncio.get_running_loop().create_future(), on_data)
        self._pending[tag] = pending
        return tag, pending

    async def send(
        self, command: bytes, *, on_data: DataHandler | None = None, name: str | None = None
    ) -> asyncio.Future[Status]:
        """Send a command without waiting for its answer; await the returned future for it.

        Untagged data that arrives while this is the oldest unanswered command goes to
        ``on_data`` (which may be a coroutine function: reading waits for it).
        """
        label = name or command.split(b" ", 1)[0].decode("ascii", "replace")
        async with self._write_lock:
            tag, pending = self._register(label, on_data)
            self._writer.write(tag + b" " + command + b"\r\n")
        return pending.future

    async def run(
        self, command: bytes, *, on_data: DataHandler | None = None, name: str | None = None
    ) -> Status:
        """Send a command and wait for its answer; NO and BAD raise :class:`CommandFailed`."""
        label = name or command.split(b" ", 1)[0].decode("ascii", "replace")
        future = await self.send(command, on_data=on_data, name=label)
        return self.checked(label, await future)

    @staticmethod
    def checked(name: str, status: Status) -> Status:
        """The status if it is OK; CommandFailed otherwise."""
        if not status.ok:
            raise CommandFailed(name, status)
        return status

    async def run_with_continuation(self, command: bytes, reply: bytes, name: str) -> Status:
        """A command answered by ``+``, to which ``reply`` is sent (SASL without SASL-IR)."""
        async with self._write_lock:
            tag, pending = self._register(name, None)
            continuation = self._expect_continuation()
            self._writer.write(tag + b" " + command + b"\r\n")
            if await self._continued(continuation, pending):
                self._writer.write(reply + b"\r\n")
        return self.checked(name, await pending.future)

    async def _run_literals(self, pieces: list[bytes | Literal], tail: bytes, name: str) -> Status:
        """Text ending in ``{n}`` alternating with the literal each announces, then ``tail``."""
        async with self._write_lock:
            tag, pending = self._register(name, None)
            prefix = tag + b" "
            for index in range(0, len(pieces), 2):
                head = pieces[index]
                assert isinstance(head, bytes)
                continuation = self._expect_continuation()
                self._writer.write(prefix + head + b"\r\n")
                prefix = b""
                if not await self._continued(continuation, pending):
                    break
                await self._write_literal(pieces[index + 1])
            else:
                self._writer.write(prefix + tail + b"\r\n")
        return self.checked(name, await pending.future)

    def _expect_continuation(self) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._continuations.append(future)
        return future

    async def _continued(self, continuation: asyncio.Future[bytes], pending: _Pending) -> bool:
        """Wait for ``+``; False when the command was answered (NO/BAD) instead."""
        waiting: set[asyncio.Future[Any]] = {continuation, pending.future}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if continuation.done() and not continuation.cancelled():
            if continuation.exception() is not None:
                raise continuation.exception()  # type: ignore[misc]
            return True
        if continuation in self._continuations:
            self._continuations.remove(continuation)
        continuation.cancel()
        return False

    async def append(
        self, mailbox: bytes, messages: Sequence[AppendMessage], *, synchronizing: bool = False
    ) -> asyncio.Future[Status]:
        """APPEND one message, or several in one MULTIAPPEND, to ``mailbox`` (modified UTF-7).

        Returns the future of the answer.
        With ``synchronizing`` every literal waits for the server's ``+`` (so a message the
        server refuses by size is never sent); otherwise literals are sent at once (LITERAL+),
        which lets many APPENDs travel back to back.
        """
        async with self._write_lock:
            tag, pending = self._register("APPEND", None)
            pieces: list[bytes] = [tag, b" APPEND ", quoted(mailbox)]
            for message in messages:
                pieces.append(b" (" + " ".join(message.flags).encode("ascii") + b")")
                if message.internaldate:
                    pieces.append(b' "' + message.internaldate.encode("ascii") + b'"')
                marker = b" {%d}\r\n" if synchronizing else b" {%d+}\r\n"
                pieces.append(marker % message.size)
                if synchronizing:
                    self._writer.write(b"".join(pieces))
                    pieces = []
                    continuation = self._expect_continuation()
                    if not await self._continued(continuation, pending):
                        return pending.future
                if isinstance(message.data, bytes):
                    pieces.append(message.data)
                    continue
                self._writer.write(b"".join(pieces))
                pieces = []
                await self._write_literal(message.data)
            pieces.append(b"\r\n")
            # One write per command: fewer system calls than one per literal.
            self._writer.write(b"".join(pieces))
            await self._drain()
        return pending.future

    async def _write_literal(self, data: Literal) -> None:
        """Write a literal's bytes, pausing whenever the socket's buffer is full."""
        if isinstance(data, bytes):
            self._writer.write(data)
            if len(data) >= CHUNK:
                await self._drain()
            return
        for piece in data.chunks():
            self._writer.write(piece)
            await self._drain()

    async def _drain(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, OSError) as exc:
            raise self._fail(ConnectionLost(f"{self.name}: {exc or type(exc).__name__}")) from None

    # -- reading ----------------------------------------------------------------------------

    async def _read_line(self) -> bytes:
        """One line with its CRLF; very long lines are gathered in pieces."""
        try:
            line = await self._reader.readuntil(b"\r\n")
        except asyncio.LimitOverrunError:
            line = await self._read_long_line()
        except asyncio.IncompleteReadError:
            raise ConnectionLost(f"{self.name}: the server closed the connection") from None
        self._watch.last_read = time.monotonic()
        return line

    async def _read_long_line(self) -> bytes:
        pieces: list[bytes] = []
        total = 0
        while True:
            try:
                pieces.append(await self._reader.readuntil(b"\r\n"))
                return b"".join(pieces)
            except asyncio.LimitOverrunError as exc:
                piece = await self._reader.readexactly(max(exc.consumed, 1))
                pieces.append(piece)
                total += len(piece)
                self._watch.last_read = time.monotonic()
                if total > _LONGEST_LINE:
                    raise ConnectionLost(f"{self.name}: a response line is too long") from None

    async def _read_literal(self, size: int) -> Literal:
        """A literal of ``size`` bytes: in memory when small, else in a temporary file."""
        try:
            if size <= SPILL_THRESHOLD:
                data = await self._reader.readexactly(size)
                self._watch.last_read = time.monotonic()
                return data
            return await self._spill(size)
        except asyncio.IncompleteReadError:
            raise ConnectionLost(f"{self.name}: the server closed the connection") from None

    async def _spill(self, size: int) -> FileLiteral:
        spool = tempfile.TemporaryFile(prefix="carbonio-migrate-")  # noqa: SIM115 - kept open
        try:
            left = size
            while left:
                piece = await self._reader.read(min(left, CHUNK))
                if not piece:
                    raise asyncio.IncompleteReadError(b"", left)
                spool.write(piece)
                left -= len(piece)
                self._watch.last_read = time.monotonic()
        except BaseException:
            spool.close()
            raise
        return FileLiteral(spool, size)

    async def _read_response(self) -> list[Segment]:
        """One response: line text and literals alternating, the CRLF removed."""
        segments: list[Segment] = []
        line = await self._read_line()
        while (match := _LITERAL_AT_END.search(line)) is not None:
            segments.append(line[: match.start()])
            segments.append(await self._read_literal(int(match.group(1))))
            line = await self._read_line()
        segments.append(line[:-2])
        return segments

    async def _read_loop(self) -> None:
        try:
            while True:
                segments = await self._read_response()
                await self._dispatch(segments)
        except asyncio.CancelledError:
            self._fail(ConnectionLost(f"{self.name}: connection closed"))
        except ConnectionLost as exc:
            self._fail(exc)
        except (OSError, ParseError, ssl.SSLError) as exc:
            self._fail(ConnectionLost(f"{self.name}: {exc or type(exc).__name__}"))
        except Exception as exc:  # a bug in a data handler: fail the commands, not silently
            log.debug("IMAP reader of %s stopped", self.name, exc_info=True)
            self._fail(ConnectionLost(f"{self.name}: {type(exc).__name__}: {exc}"))
        finally:
            self._writer.close()

    async def _dispatch(self, segments: list[Segment]) -> None:
        first = segments[0]
        assert isinstance(first, bytes)
        if first.startswith(b"* "):
            await self._untagged(parse_untagged(segments))
        elif first.startswith(b"+"):
            self._continue(first)
        else:
            tag, _, rest = first.partition(b" ")
            pending = self._pending.pop(tag, None)
            if pending is None:
                raise ParseError(f"answer to a command never sent: {first[:40]!r}")
            status = parse_status(rest)
            if status.code == "CAPABILITY":
                self.capabilities = _capability_set(status.code_args)
            if not pending.future.done():
                pending.future.set_result(status)

    async def _untagged(self, response: Untagged) -> None:
        if response.kind == "CAPABILITY":
            self.capabilities = _capability_set(b" ".join(response.data()).decode())
        elif response.status is not None and response.status.code == "CAPABILITY":
            self.capabilities = _capability_set(response.status.code_args)
        elif response.kind == "BYE" and not self._closing:
            text = response.status.describe() if response.status else "BYE"
            raise ConnectionLost(f"{self.name}: the server ended the session ({text})")

        handler = next(iter(self._pending.values())).on_data if self._pending else None
        if handler is not None:
            result = handler(response)
            if inspect.isawaitable(result):
                await result

    def _continue(self, line: bytes) -> None:
        while self._continuations:
            waiter = self._continuations.popleft()
            if not waiter.done():
                waiter.set_result(line)
                return
        raise ParseError("a continuation nobody asked for")

    def _fail(self, error: ConnectionLost) -> ConnectionLost:
        """Fail every unanswered command with ``error``; later commands raise it too."""
        if self._failure is None:
            self._failure = error
            if not self._closing:
                log.debug("%s", error)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(self._failure)
                pending.future.exception()  # marks it retrieved: nobody may be waiting
        self._pending.clear()
        while self._continuations:
            waiter = self._continuations.popleft()
            if not waiter.done():
                waiter.set_exception(self._failure)
                waiter.exception()
        return self._failure

    # -- the idle watchdog ------------------------------------------------------------------

    def _arm_watchdog(self) -> None:
        loop = asyncio.get_running_loop()
        self._watchdog = loop.call_later(max(self._timeout / 4, 0.05), self._check_idle)

    def _check_idle(self) -> None:
        """Abort when commands wait and nothing was read for ``timeout`` seconds."""
        if self._failure is not None:
            return
        waiting = bool(self._pending)
        if waiting and time.monotonic() - self._watch.last_read > self._timeout:
            self._fail(ConnectionLost(f"{self.name}: no answer for {self._timeout:.0f} s"))
            self._writer.transport.abort()
            return
        if not waiting:
            self._watch.last_read = time.monotonic()
        self._arm_watchdog()


def _capability_set(text: str | bytes) -> frozenset[str]:
    words = text.decode() if isinstance(text, bytes) else text
    return frozenset(word.upper() for word in words.split())


def describe_exception(exc: BaseException) -> str:
    """A short reason for a failure, for logs and summaries."""
    return str(exc) or type(exc).__name__


__all__ = [
    "SPILL_THRESHOLD",
    "AppendMessage",
    "CommandFailed",
    "ConnectionLost",
    "DataHandler",
    "ImapClient",
    "describe_exception",
]
