"""Helpers for the mail tests: accounts made for one test, and what a mailbox holds.

An account made here exists on the lab's source Dovecot (with generated mail) and on the
destination, but not in the directory, so the tests drive the copy with explicit accounts
and nothing else in the lab sees it.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from imapclient import IMAPClient

from carbonio_migrate.config import Settings, load_settings
from carbonio_migrate.mail.fingerprint import fingerprint
from lab.dovecot import LabMessage
from lab.lab import DOMAIN, IMPORT_ADMIN, SOURCE_ADMIN, Lab

# A source folder layout with nesting, non-ASCII names, a name Carbonio refuses and an
# Outlook-style special folder.
LAYOUT: Mapping[str, int] = {
    "INBOX": 6,
    "Sent Items": 3,
    "Projets.Société": 3,
    "Привет": 2,
    "Notes: 2024": 2,
    "Empty": 0,
}
# Where LAYOUT's folders land on the destination (separator "/").
MAPPED: Mapping[str, str] = {
    "INBOX": "INBOX",
    "Sent Items": "Sent",
    "Projets": "Projets",
    "Projets.Société": "Projets/Société",
    "Привет": "Привет",
    "Notes: 2024": "Notes_ 2024",
    "Empty": "Empty",
}
_FLAGS = ("\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "$Label1")


@dataclass(frozen=True)
class Snapshot:
    """What a mailbox holds: per folder, a multiset of (content hash, flags, INTERNALDATE)."""

    folders: dict[str, Counter[tuple[str, frozenset[str], str]]]

    def fingerprints(self, folder: str) -> Counter[str]:
        """The content hashes of a folder, as a multiset."""
        found: Counter[str] = Counter()
        for (digest, _, _), count in self.folders.get(folder, Counter()).items():
            found[digest] += count
        return found

    def messages(self) -> int:
        """Messages in all folders."""
        return sum(sum(counter.values()) for counter in self.folders.values())


def make_messages(count: int, seed: str, *, large: int = 0) -> list[LabMessage]:
    """``count`` messages of 1-12 KB with realistic headers and flags; the last two are an
    exact duplicate and a different message that reuses a Message-ID. ``large`` extra
    messages of about 1.5 MB exercise the spilled path."""
    rng = random.Random(seed)
    messages = [_message(rng, seed, index, rng.randint(1_000, 12_000)) for index in range(count)]
    if count >= 3:
        messages[-1] = messages[0]  # an exact duplicate
        twin = _message(rng, seed, 999, 2_000, message_id=_message_id(seed, 1))
        messages[-2] = twin  # shares a Message-ID with message 1, differs otherwise
    return messages + [_message(rng, seed, 1000 + index, 1_500_000) for index in range(large)]


def _message_id(seed: str, index: int) -> str:
    return f"<{hashlib.sha1(f'{seed}:{index}'.encode()).hexdigest()[:16]}@{DOMAIN}>"


def _message(
    rng: random.Random, seed: str, index: int, size: int, message_id: str | None = None
) -> LabMessage:
    date = datetime(2021, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 10**8))
    header = (
        f"Received: from mx{index % 7}.relay.example.net by mail.{DOMAIN}; "
        f"{date:%a, %d %b %Y %H:%M:%S +0000}\r\n"
        f"Date: {date:%a, %d %b %Y %H:%M:%S +0000}\r\n"
        f"From: Sender {index} <sender{index}@example.net>\r\n"
        f"To: someone@{DOMAIN}\r\n"
        f"Subject: =?utf-8?q?R=C3=A9union_{index}?=\r\n"
        f"Message-ID: {message_id or _message_id(seed, index)}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    ).encode()
    line = b"Bonjour, voici le compte rendu. \xc3\xa9\xc3\xa0\r\n"
    body = line * max((size - len(header)) // len(line), 1)
    flags = tuple(flag for flag in _FLAGS if rng.random() < 0.3)
    return LabMessage(header + body, flags, date.replace(tzinfo=None))


@contextmanager
def mail_account(
    lab: Lab,
    local: str,
    layout: Mapping[str, int] = LAYOUT,
    *,
    large: int = 0,
    extra: Mapping[str, list[LabMessage]] | None = None,
) -> Iterator[str]:
    """An account with generated mail on the source and an empty mailbox on the destination."""
    assert lab.source is not None
    address = f"{local}@{DOMAIN}"
    lab.source.add_user(address, None)
    for folder, count in layout.items():
        messages = make_messages(
            count, f"{local}:{folder}", large=large if folder == "INBOX" else 0
        )
        messages += list((extra or {}).get(folder, []))
        if folder == "INBOX":
            lab.source.deliver(address, folder, messages)
        else:
            lab.source.create_folder(address, folder)
            if messages:
                lab.source.deliver(address, folder, messages)
    lab.add_destination_accounts([address])
    try:
        yield address
    finally:
        lab.remove_destination_accounts([address])
        lab.source.remove_user(address)


def settings_for(
    lab: Lab,
    folder: Path,
    *,
    plain: bool = False,
    destination_port: int | None = None,
    source: Mapping[str, object] | None = None,
    destination: Mapping[str, object] | None = None,
) -> Settings:
    """A configuration for one test with its own state store; ``plain`` drops TLS (cheaper
    when a test connects hundreds of times), ``destination_port`` points elsewhere (a proxy),
    ``source`` and ``destination`` change keys of their IMAP tables.
    """
    assert lab.source is not None and lab.destination is not None
    changes: dict[str, dict[str, object]] = {"run": {"state": str(folder / "state.sqlite")}}
    if plain or destination_port:
        changes["source.imap"] = {"tls": "none", "port": lab.source.imap_port}
        changes["destination.imap"] = {
            "tls": "none",
            "port": destination_port or lab.destination.imap_port,
        }
    changes.setdefault("source.imap", {}).update(source or {})
    changes.setdefault("destination.imap", {}).update(destination or {})
    return load_settings(lab.write_config_copy(folder / "migration.toml", changes))


def connect(lab: Lab, side: str, address: str) -> IMAPClient:
    """An IMAPClient session on the lab's source or destination, as ``address``."""
    server = lab.source if side == "source" else lab.destination
    assert server is not None
    admin = SOURCE_ADMIN if side == "source" else IMPORT_ADMIN
    password = lab.passwords["source_admin" if side == "source" else "import_admin"]
    client = IMAPClient("127.0.0.1", port=server.imap_port, ssl=False, timeout=30)
    client.login(f"{address}*{admin}", password)
    return client


def snapshot(lab: Lab, side: str, address: str) -> Snapshot:
    """Every folder's messages: content hash, flags (without \\Recent) and INTERNALDATE."""
    folders: dict[str, Counter[tuple[str, frozenset[str], str]]] = {}
    client = connect(lab, side, address)
    try:
        for flags, _, name in client.list_folders():
            if b"\\Noselect" in flags:
                continue
            client.select_folder(name, readonly=True)
            found: Counter[tuple[str, frozenset[str], str]] = Counter()
            uids = client.search("ALL")
            answers = client.fetch(uids, ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"]) if uids else {}
            for data in answers.values():
                kept = frozenset(f.decode() for f in data[b"FLAGS"] if f != b"\\Recent")
                digest = hashlib.sha256(data[b"BODY[]"]).hexdigest()
                found[(digest, kept, data[b"INTERNALDATE"].isoformat())] += 1
            folders[name] = found
            client.close_folder()
    finally:
        client.logout()
    return Snapshot(folders)


def fingerprints(lab: Lab, side: str, address: str) -> dict[str, Counter[str]]:
    """Per folder, the multiset of header fingerprints (what the copy matches on)."""
    found: dict[str, Counter[str]] = {}
    client = connect(lab, side, address)
    try:
        for flags, _, name in client.list_folders():
            if b"\\Noselect" in flags:
                continue
            client.select_folder(name, readonly=True)
            uids = client.search("ALL")
            answers = client.fetch(uids, ["RFC822.SIZE", "BODY.PEEK[HEADER]"]) if uids else {}
            found[name] = Counter(
                fingerprint(data[b"BODY[HEADER]"], data[b"RFC822.SIZE"])
                for data in answers.values()
            )
            client.close_folder()
    finally:
        client.logout()
    return found


def expected_on_destination(source: Snapshot, mapping: Mapping[str, str]) -> Snapshot:
    """The source snapshot with folders renamed (and merged) as the copy places them."""
    folders: dict[str, Counter[tuple[str, frozenset[str], str]]] = {}
    for name, counter in source.folders.items():
        folders.setdefault(mapping.get(name, name), Counter()).update(counter)
    return Snapshot(folders)
