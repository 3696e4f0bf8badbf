"""The asyncio IMAP client against a scripted server on loopback: pipelining, literals,
spilling, refusals and broken connections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from carbonio_migrate.mail.client import (
    SPILL_THRESHOLD,
    AppendMessage,
    ConnectionLost,
    ImapClient,
)
from carbonio_migrate.mail.protocol import FileLiteral, Untagged, fetch_items

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
GREETING = b"* OK [CAPABILITY IMAP4rev1 LITERAL+ MULTIAPPEND] ready\r\n"


async def with_server(script: Script, test: Callable[[ImapClient], Awaitable[None]]) -> None:
    """Run ``test`` against a server that greets and then follows ``script``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(GREETING)
        try:
            await script(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = await ImapClient.connect(
        "127.0.0.1", port, tls="none", context=None, timeout=5, name="test"
    )
    try:
        await asyncio.wait_for(test(client), 10)
    finally:
        client.close()
        server.close()
        await server.wait_closed()


def tag_of(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


def test_capabilities_come_from_the_greeting() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def test(client: ImapClient) -> None:
        assert client.has("literal+") and client.has("MULTIAPPEND")
        assert not client.has("UIDPLUS")

    asyncio.run(with_server(script, test))


def test_commands_travel_back_to_back_before_any_answer() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = [await reader.readline() for _ in range(3)]  # all three before answering
        for line in lines:
            writer.write(tag_of(line) + b" OK " + line.split()[1] + b" done\r\n")
        await writer.drain()
        await reader.read()

    async def test(client: ImapClient) -> None:
        futures = [await client.send(command) for command in (b"NOOP", b"CHECK", b"NOOP")]
        answers = [await future for future in futures]
        assert [answer.text for answer in answers] == ["NOOP done", "CHECK done", "NOOP done"]

    asyncio.run(with_server(script, test))


def test_large_literals_are_spilled_to_a_file_and_small_ones_kept() -> None:
    large = b"x" * (SPILL_THRESHOLD + 10)

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tag = tag_of(await reader.readline())
        writer.write(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % len(large) + large + b")\r\n")
        writer.write(b"* 2 FETCH (UID 2 BODY[] {5}\r\nsmall)\r\n")
        writer.write(tag + b" OK fetched\r\n")
        await writer.drain()
        await reader.read()

    async def test(client: ImapClient) -> None:
        found: list[Untagged] = []
        await client.run(b"UID FETCH 1:2 (BODY.PEEK[])", on_data=found.append)
        first, second = (fetch_items(response)["BODY[]"] for response in found)
        assert isinstance(first, FileLiteral)
        assert first.size == len(large) and first.read() == large
        assert second == b"small"
        first.close()

    asyncio.run(with_server(script, test))


def test_a_refused_synchronising_literal_is_never_sent() -> None:
    received: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        received.append(line)
        writer.write(tag_of(line) + b" NO [TOOBIG] maximum message size exceeded\r\n")
        await writer.drain()
        following = await reader.readline()  # the next command, not literal data
        received.append(following)
        writer.write(tag_of(following) + b" OK NOOP done\r\n")
        await writer.drain()
        await reader.read()

    async def test(client: ImapClient) -> None:
        message = AppendMessage(b"y" * 1000, ("\\Seen",), "01-Jan-2020 10:00:00 +0000")
        answer = await client.append(b"INBOX", [message], synchronizing=True)
        status = await answer
        assert status.kind == "NO" and status.code == "TOOBIG"
        await client.run(b"NOOP")

    asyncio.run(with_server(script, test))
    assert received[0].endswith(b"{1000}\r\n")
    assert received[1].endswith(b"NOOP\r\n")


def test_multiappend_with_literal_plus_is_one_write_without_waiting() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        first = await reader.readexactly(3)
        rest = await reader.readline()
        second = await reader.readexactly(4)
        end = await reader.readline()
        assert b"{3+}" in line and b"{4+}" in rest and end == b"\r\n"
        assert (first, second) == (b"one", b"four")
        writer.write(tag_of(line) + b" OK [APPENDUID 9 5:6] done\r\n")
        await writer.drain()
        await reader.read()

    async def test(client: ImapClient) -> None:
        messages = [AppendMessage(b"one", ()), AppendMessage(b"four", ("$Label1",))]
        status = await (await client.append(b"Sent", messages))
        assert status.ok and status.code_args == "9 5:6"

    asyncio.run(with_server(script, test))


def test_a_dropped_connection_fails_every_pending_command() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        await reader.readline()

    async def test(client: ImapClient) -> None:
        futures = [await client.send(b"NOOP"), await client.send(b"NOOP")]
        for future in futures:
            with pytest.raises(ConnectionLost):
                await future
        assert client.broken
        with pytest.raises(ConnectionLost):
            await client.send(b"NOOP")

    asyncio.run(with_server(script, test))


def test_a_silent_server_is_given_up_after_the_timeout() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def test(client: ImapClient) -> None:
        client._timeout = 0.2  # a short idle limit for this test only
        with pytest.raises(ConnectionLost, match="no answer"):
            await client.run(b"NOOP")

    asyncio.run(with_server(script, test))


def test_bye_ends_the_session() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"* BYE server shutting down\r\n")
        await writer.drain()
        await reader.read()

    async def test(client: ImapClient) -> None:
        with pytest.raises(ConnectionLost, match="shutting down"):
            await client.run(b"NOOP")

    asyncio.run(with_server(script, test))


def test_login_quotes_what_it_can_and_sends_the_rest_as_literals() -> None:
    received: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for expected in ("quoted", "literal"):
            line = await reader.readline()
            received.append(line)
            if expected == "literal":
                writer.write(b"+ go ahead\r\n")
                await writer.drain()
                received.append(await reader.readexactly(len("pässword".encode())))
                received.append(await reader.readline())
            writer.write(tag_of(line) + b" OK [CAPABILITY IMAP4rev1 UIDPLUS] logged in\r\n")
            await writer.drain()
        await reader.read()

    async def test(client: ImapClient) -> None:
        await client.login("ann*admin", 'se"cret')
        await client.login("ann*admin", "pässword")
        assert client.has("UIDPLUS")

    asyncio.run(with_server(script, test))
    assert received[0].startswith(b"C") and received[0].endswith(
        b' LOGIN "ann*admin" "se\\"cret"\r\n'
    )
    assert received[1].endswith(b' LOGIN "ann*admin" {9}\r\n')
    assert received[2] == "pässword".encode() and received[3] == b"\r\n"
