"""Sample mailboxes: RFC 5322 messages for the accounts of a sample organisation.

Messages are made lazily. Making a mailbox only draws a small plan per message (seed, size,
flags, date); `Folder.messages` is a sequence that renders a message from its plan each time it
is indexed or iterated, so even the 737 MB benchmark set holds one message in memory at a time,
and the same seed always renders the same bytes.

Sizes are in decimal units (1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes) and are exact: a
message planned at 8,400 bytes renders to 8,400 bytes of CRLF text.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from email.header import Header
from email.utils import encode_rfc2231, format_datetime, formataddr
from typing import NamedTuple, overload

from lab.sample.names import (
    ATTACHMENTS,
    GREETINGS,
    LANGUAGE_WEIGHTS,
    OUTSIDERS,
    SENTENCES,
    SUBJECTS,
)
from lab.sample.people import Organisation, Person

CRLF = b"\r\n"
_BASE64_ALPHABET = (
    string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
).encode()
# Maps every byte value onto the base64 alphabet evenly (256 is a multiple of 64), so random
# bytes become random base64 text; any such text decodes to random, incompressible bytes.
_BASE64_TABLE = bytes(_BASE64_ALPHABET[value % 64] for value in range(256))
_BASE64_LINE = 76
_TEXT_HEADERS = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
_OFFSETS = tuple(timezone(timedelta(hours=hours)) for hours in (1, 2, 0, -5, 3, 9))
_INCOMING = frozenset({"inbox", "junk", "trash", ""})
_FLAG_ORDER = ("\\Seen", "\\Answered", "\\Flagged", "$Forwarded", "$Label1")


@dataclass(frozen=True)
class Message:
    """One message: its exact bytes (CRLF line ends), IMAP flags and keywords, INTERNALDATE."""

    data: bytes
    flags: tuple[str, ...]
    internaldate: datetime


@dataclass(frozen=True)
class Folder:
    """A folder by its Unicode path, e.g. ("Projets", "Société"); INBOX is ("INBOX",).

    `messages` is a lazy sequence: len() is free, and each index or iteration step renders
    that one message.
    """

    path: tuple[str, ...]
    messages: Sequence[Message]
    subscribed: bool = True


@dataclass(frozen=True)
class Mailbox:
    """The folders of one account, named by its primary address."""

    address: str
    folders: list[Folder]


@dataclass(frozen=True)
class SizeBand:
    """A share of an account's messages with sizes log-uniform in [low, high] bytes.

    `attachments` lists attachment counts to pick from uniformly (0 means plain text).
    """

    low: int
    high: int
    share: float
    attachments: tuple[int, ...]


@dataclass(frozen=True)
class FolderSpec:
    """A folder to create: its weight in the message mix (0 keeps it empty), its role
    ("inbox", "sent", "drafts", "trash", "junk" or ""), and the year its mail is from."""

    path: tuple[str, ...]
    weight: float
    role: str = ""
    subscribed: bool = True
    year: int | None = None


@dataclass(frozen=True)
class MailProfile:
    """How much mail each account gets and of what shape.

    `huge_messages` are spread over the organisation, one per account while there are more
    accounts than huge messages. With `account_bytes`, the last size band is scaled so each
    account's mail adds up to that many bytes. `accounts` limits the mail to the first enabled
    accounts; None gives mail to everyone with an address, disabled or not.
    """

    name: str
    folders: tuple[FolderSpec, ...]
    messages: tuple[int, int]
    duplicates: int
    bands: tuple[SizeBand, ...]
    huge_messages: int
    huge_size: tuple[int, int]
    account_bytes: int | None = None
    accounts: int | None = None
    missing_message_id: float = 0.005
    shared_message_id: bool = False
    naming_variants: bool = False
    flag_rates: tuple[tuple[str, float], ...] = (
        ("\\Seen", 0.75),
        ("\\Answered", 0.12),
        ("\\Flagged", 0.04),
        ("$Forwarded", 0.03),
        ("$Label1", 0.02),
    )
    years: tuple[int, int] = (2019, 2024)


_SMALL = 2_000, 20_000
_MEDIUM = 20_000, 100_000
_LARGE = 100_000, 2_000_000
# Over both 10 MiB and Carbonio's default zimbraMtaMaxMessageSize (10,240,000 bytes).
_HUGE = 10_550_000, 10_750_000

DEMO = MailProfile(
    name="demo",
    folders=(
        FolderSpec(("INBOX",), 40, "inbox"),
        FolderSpec(("Sent",), 12, "sent"),
        FolderSpec(("Drafts",), 2, "drafts"),
        FolderSpec(("Trash",), 5, "trash"),
        FolderSpec(("Junk",), 3, "junk"),
        FolderSpec(("Projets",), 0),
        FolderSpec(("Projets", "Société"), 6),
        FolderSpec(("Привет",), 5),
        FolderSpec(("R&D",), 6),
        FolderSpec(("Archive",), 0),
        FolderSpec(("Archive", "2023"), 10, year=2023),
        FolderSpec(("Empty",), 0),
        FolderSpec(("Old Stuff",), 0, subscribed=False),
        FolderSpec(("Old Stuff", "Keep"), 4),
    ),
    messages=(25, 60),
    duplicates=2,
    bands=(
        SizeBand(*_SMALL, 0.85, (0, 0, 0, 0, 1)),
        SizeBand(*_MEDIUM, 0.10, (0, 1)),
        SizeBand(*_LARGE, 0.05, (1, 2)),
    ),
    huge_messages=2,
    huge_size=_HUGE,
    missing_message_id=0.01,
    shared_message_id=True,
    naming_variants=True,
)

BENCH = MailProfile(
    name="bench",
    folders=(
        FolderSpec(("INBOX",), 30, "inbox"),
        FolderSpec(("Sent",), 10, "sent"),
        FolderSpec(("Drafts",), 0.8, "drafts"),
        FolderSpec(("Trash",), 3, "trash"),
        FolderSpec(("Junk",), 2, "junk"),
        FolderSpec(("Archive",), 0),
        FolderSpec(("Archive", "2022"), 8, year=2022),
        FolderSpec(("Archive", "2023"), 8, year=2023),
        FolderSpec(("Archive", "2024"), 8, year=2024),
        FolderSpec(("Projects",), 0),
        FolderSpec(("Projects", "Alpha"), 0),
        FolderSpec(("Projects", "Alpha", "Specs"), 4),
        FolderSpec(("Clients",), 0),
        FolderSpec(("Clients", "Société Générale"), 5),
        FolderSpec(("Привет мир",), 4),
        FolderSpec(("日本語フォルダ",), 4),
        FolderSpec(("R&D",), 5),
        FolderSpec(("Old Stuff",), 3, subscribed=False),
        FolderSpec(("Empty Folder",), 0),
        FolderSpec(("Newsletters",), 6),
    ),
    messages=(2500, 2500),
    duplicates=5,
    bands=(
        SizeBand(*_SMALL, 0.803, (0,)),
        SizeBand(*_MEDIUM, 0.122, (0, 1)),
        SizeBand(*_LARGE, 0.074, (1, 2)),
    ),
    huge_messages=12,
    huge_size=_HUGE,
    account_bytes=737_500_000 // 4,
    accounts=4,
    missing_message_id=0.005,
)

PROFILES: dict[str, MailProfile] = {profile.name: profile for profile in (DEMO, BENCH)}

# DEMO's per-account folder naming quirks: other clients' special-folder names, and a name
# Carbonio refuses.
_OUTLOOK_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {
    ("Sent",): ("Sent Items",),
    ("Trash",): ("Deleted Items",),
}
_SPAM_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {("Junk",): ("Spam",)}
_REFUSED_FOLDER = FolderSpec(("Notes: 2024",), 3)
_SPAM_SHARE = 0.25


class _Plan(NamedTuple):
    """What a message will be; rendering it from `seed` always gives the same bytes."""

    seed: int
    size: int
    attachments: int
    date: datetime
    flags: tuple[str, ...]
    role: str
    message_id: str | None


@dataclass(frozen=True)
class _Context:
    """What rendering needs besides the plan: the account owner and who else writes."""

    owner: Person
    address: str
    domain: str
    colleagues: tuple[tuple[str, str], ...]


class _LazyMessages(Sequence[Message]):
    """A folder's messages, rendered one by one from their plans."""

    def __init__(self, plans: list[_Plan], context: _Context) -> None:
        self._plans = plans
        self._context = context

    def __len__(self) -> int:
        return len(self._plans)

    @overload
    def __getitem__(self, index: int) -> Message: ...

    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...

    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        if isinstance(index, slice):
            return [_message(plan, self._context) for plan in self._plans[index]]
        return _message(self._plans[index], self._context)

    def __iter__(self) -> Iterator[Message]:
        for plan in self._plans:
            yield _message(plan, self._context)


def make_mailboxes(org: Organisation, profile: MailProfile, seed: int) -> Iterator[Mailbox]:
    """Yield a mailbox per account, in directory order, with folders planned but not rendered."""
    owners = _account_owners(org, profile)
    org_rng = random.Random(f"{seed}:{profile.name}:organisation")
    huge = _spread(profile.huge_messages, len(owners), org_rng)
    variants = _naming_variants(len(owners), org_rng) if profile.naming_variants else {}
    colleagues = tuple((p.display_name, p.mail) for p in org.mail_people if p.mail)

    for index, owner in enumerate(owners):
        address = owner.mail or ""
        others = tuple(entry for entry in colleagues if entry[1] != address)
        context = _Context(owner, address, org.domain, others)
        rng = random.Random(f"{seed}:{profile.name}:{address}")
        specs = _folder_specs(profile, variants.get(index, ()))
        plans = _plan_account(profile, specs, rng, huge[index], org.domain)
        folders = [
            Folder(spec.path, _LazyMessages(folder_plans, context), spec.subscribed)
            for spec, folder_plans in zip(specs, plans, strict=True)
        ]
        yield Mailbox(address, folders)


def _account_owners(org: Organisation, profile: MailProfile) -> list[Person]:
    """Everyone with mail, or the first `profile.accounts` enabled people with mail."""
    if profile.accounts is None:
        return list(org.mail_people)
    enabled = [person for person in org.mail_people if not person.disabled]
    if len(enabled) < profile.accounts:
        raise ValueError(f"profile {profile.name} needs {profile.accounts} enabled accounts")
    return enabled[: profile.accounts]


def _spread(total: int, accounts: int, rng: random.Random) -> list[int]:
    """How many of `total` items each account gets: one each to distinct accounts while
    possible, otherwise an even share."""
    if accounts == 0:
        return []
    if total <= accounts:
        chosen = set(rng.sample(range(accounts), total))
        return [1 if index in chosen else 0 for index in range(accounts)]
    return [total // accounts + (index < total % accounts) for index in range(accounts)]


def _naming_variants(accounts: int, rng: random.Random) -> dict[int, tuple[str, ...]]:
    """Pick the accounts whose folders carry another client's names or a refused name."""
    variants: dict[int, tuple[str, ...]] = {}
    order = rng.sample(range(accounts), accounts)
    if order:
        variants[order[0]] = ("outlook",)
    if len(order) > 1:
        variants[order[1]] = ("refused",)
    for position, index in enumerate(order[2:]):
        if position == 0 or rng.random() < _SPAM_SHARE:
            variants[index] = ("spam",)
    return variants


def _folder_specs(profile: MailProfile, variants: tuple[str, ...]) -> list[FolderSpec]:
    """The account's folders after renaming for its variants."""
    names: dict[tuple[str, ...], tuple[str, ...]] = {}
    if "outlook" in variants:
        names.update(_OUTLOOK_NAMES)
    if "spam" in variants:
        names.update(_SPAM_NAMES)

    specs = [replace(spec, path=names.get(spec.path, spec.path)) for spec in profile.folders]
    if "refused" in variants:
        specs.append(_REFUSED_FOLDER)
    return specs


def _plan_account(
    profile: MailProfile,
    specs: list[FolderSpec],
    rng: random.Random,
    huge_count: int,
    domain: str,
) -> list[list[_Plan]]:
    """Plan every message of an account, folder by folder, sorted by date."""
    count = rng.randint(*profile.messages)
    entries = _draw_sizes(profile, rng, count, huge_count)
    # Duplicates copy small messages, so they barely move the account's byte total.
    small = range(huge_count, huge_count + _first_band_count(profile, count, huge_count))
    dup_sources = rng.sample(small, profile.duplicates)
    if profile.account_bytes is not None:
        _fit_last_band(profile, entries, dup_sources, count)

    inbox = _inbox_index(specs)
    slots = _assign_folders(specs, entries, rng, huge_count, inbox)
    plans = [
        _plan(rng, profile, specs[slot], size, attachments, domain)
        for (size, attachments), slot in zip(entries, slots, strict=True)
    ]
    _drop_message_ids(profile, plans, rng, huge_count)

    folders: list[list[_Plan]] = [[] for _ in specs]
    for plan, slot in zip(plans, slots, strict=True):
        folders[slot].append(plan)
    for source in dup_sources:
        folders[slots[source]].append(plans[source])
    if profile.shared_message_id:
        _add_shared_message_id(folders[inbox], rng, profile)
    for folder in folders:
        folder.sort(key=lambda plan: plan.date)
    return folders


def _first_band_count(profile: MailProfile, count: int, huge_count: int) -> int:
    """How many messages fall in the first band: whatever the other bands leave."""
    return count - huge_count - sum(round(band.share * count) for band in profile.bands[1:])


def _draw_sizes(
    profile: MailProfile, rng: random.Random, count: int, huge_count: int
) -> list[tuple[int, int]]:
    """(size, attachment count) for every message: the huge ones first, then band by band.

    Quantiles are stratified, so a band's total barely varies from one seed to another.
    """
    entries = [(rng.randint(*profile.huge_size), 1) for _ in range(huge_count)]
    counts = [_first_band_count(profile, count, huge_count)]
    counts += [round(band.share * count) for band in profile.bands[1:]]
    for band, band_count in zip(profile.bands, counts, strict=True):
        quantiles = [(step + rng.random()) / band_count for step in range(band_count)]
        rng.shuffle(quantiles)
        for quantile in quantiles:
            size = round(band.low * (band.high / band.low) ** quantile)
            entries.append((size, rng.choice(band.attachments)))
    return entries


def _fit_last_band(
    profile: MailProfile, entries: list[tuple[int, int]], dup_sources: list[int], total: int
) -> None:
    """Scale the last band's sizes, within its bounds, so the account hits its byte total."""
    band = profile.bands[-1]
    count = round(band.share * total)
    start = len(entries) - count
    fixed = sum(size for size, _ in entries[:start]) + sum(entries[i][0] for i in dup_sources)
    target = (profile.account_bytes or 0) - fixed

    for _ in range(20):
        current = sum(size for size, _ in entries[start:])
        if current == 0 or abs(current - target) <= count:
            return
        factor = target / current
        for index in range(start, len(entries)):
            size, attachments = entries[index]
            scaled = min(band.high, max(band.low, round(size * factor)))
            entries[index] = (scaled, attachments)


def _inbox_index(specs: list[FolderSpec]) -> int:
    """Where INBOX is among the folders (the first folder if none has the inbox role)."""
    roles = [spec.role for spec in specs]
    return roles.index("inbox") if "inbox" in roles else 0


def _assign_folders(
    specs: list[FolderSpec],
    entries: list[tuple[int, int]],
    rng: random.Random,
    huge: int,
    inbox: int,
) -> list[int]:
    """A folder index per entry: huge ones in INBOX, at least one in each folder with mail,
    the rest by weight."""
    filled = [index for index, spec in enumerate(specs) if spec.weight > 0]
    weights = [specs[index].weight for index in filled]
    slots = [inbox] * huge
    rest = len(entries) - huge
    chosen = rng.choices(filled, weights, k=max(0, rest - len(filled)))
    chosen = filled[:rest] + chosen
    rng.shuffle(chosen)
    return slots + chosen


def _plan(
    rng: random.Random,
    profile: MailProfile,
    spec: FolderSpec,
    size: int,
    attachments: int,
    domain: str,
) -> _Plan:
    """Plan one message: seed, date (within the folder's year if it has one) and flags."""
    seed = rng.getrandbits(64)
    first, last = (spec.year, spec.year) if spec.year else profile.years
    start = datetime(first, 1, 1, tzinfo=UTC).timestamp()
    end = datetime(last + 1, 1, 1, tzinfo=UTC).timestamp() - 1
    date = datetime.fromtimestamp(int(rng.uniform(start, end)), tz=rng.choice(_OFFSETS))

    if spec.role == "drafts":
        flags: tuple[str, ...] = ("\\Seen", "\\Draft")
    else:
        drawn = {name for name, rate in profile.flag_rates if rng.random() < rate}
        flags = tuple(name for name in _FLAG_ORDER if name in drawn)
    return _Plan(seed, size, attachments, date, flags, spec.role, f"<{seed:016x}@{domain}>")


def _drop_message_ids(
    profile: MailProfile, plans: list[_Plan], rng: random.Random, huge: int
) -> None:
    """Take the Message-ID away from a share of the incoming mail (which has Received lines)."""
    candidates = [i for i in range(huge, len(plans)) if plans[i].role in _INCOMING]
    wanted = profile.missing_message_id * len(plans)
    count = min(len(candidates), int(wanted) + (rng.random() < wanted % 1))
    for index in rng.sample(candidates, count):
        plans[index] = plans[index]._replace(message_id=None)


def _add_shared_message_id(inbox: list[_Plan], rng: random.Random, profile: MailProfile) -> None:
    """Add a different message that reuses the Message-ID of one already in the folder."""
    with_id = [plan for plan in inbox if plan.message_id and plan.size < _LARGE[0]]
    if not with_id:
        return
    original = rng.choice(with_id)
    size = rng.randint(profile.bands[0].low, profile.bands[0].high)
    twin = original._replace(seed=rng.getrandbits(64), size=size, attachments=0)
    inbox.append(twin)


def _message(plan: _Plan, context: _Context) -> Message:
    """Render a plan into a message."""
    return Message(_render(plan, context), plan.flags, plan.date)


def _render(plan: _Plan, context: _Context) -> bytes:
    """The message bytes, exactly `plan.size` long unless its headers alone are longer.

    Assembled by hand rather than with the email package to control every byte, keep sizes
    exact and stay fast on hundreds of megabytes.
    """
    rng = random.Random(plan.seed)
    lang = rng.choices(list(LANGUAGE_WEIGHTS), list(LANGUAGE_WEIGHTS.values()))[0]
    sender, recipients = _parties(rng, plan, context)
    head = _headers(rng, plan, context, lang, sender, recipients)
    greeting = GREETINGS[lang].format(name=recipients[0][0].split(" ")[0] or "all")
    signature = sender[0] or sender[1]

    if plan.attachments == 0:
        head += _TEXT_HEADERS + CRLF
        text = _text(rng, plan.size - len(head), lang, greeting, signature)
        return _single(head, text)
    return _multipart(rng, plan, head, lang, greeting, signature)


def _single(head: bytes, text: bytes) -> bytes:
    """A text/plain message; 7bit when the text turned out to be ASCII."""
    if text.isascii():
        head = head.replace(b"Transfer-Encoding: 8bit", b"Transfer-Encoding: 7bit")
    return head + text


def _parties(
    rng: random.Random, plan: _Plan, context: _Context
) -> tuple[tuple[str, str], list[tuple[str, str]]]:
    """Sender and recipients: the owner writes Sent and Drafts mail, others write the rest."""
    owner = (context.owner.display_name, context.address)
    pool = context.colleagues or OUTSIDERS

    def someone() -> tuple[str, str]:
        return rng.choice(pool) if rng.random() < 0.6 else rng.choice(OUTSIDERS)

    if plan.role in ("sent", "drafts"):
        return owner, [someone() for _ in range(rng.randint(1, 3))]
    recipients = [owner]
    if rng.random() < 0.2:
        recipients.append(rng.choice(pool))
    return someone(), recipients


def _headers(
    rng: random.Random,
    plan: _Plan,
    context: _Context,
    lang: str,
    sender: tuple[str, str],
    recipients: list[tuple[str, str]],
) -> bytes:
    """The header block without its closing blank line, all ASCII."""
    lines = []
    if plan.role in _INCOMING:
        lines.append(f"Return-Path: <{sender[1]}>")
        hops = rng.randint(1, 2)
        lines.extend(_received(rng, plan.date, context, hops - hop) for hop in range(hops))
    lines.append(f"Date: {format_datetime(plan.date)}")
    lines.append(f"From: {formataddr(sender, 'utf-8')}")
    lines.append("To: " + ",\r\n ".join(formataddr(r, "utf-8") for r in recipients))
    lines.append(_subject(rng, lang))
    if plan.message_id:
        lines.append(f"Message-ID: {plan.message_id}")
    lines.append("MIME-Version: 1.0")
    if rng.random() < 0.3:
        lines.append("X-Mailer: Sample Mailer 2.1")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def _received(rng: random.Random, date: datetime, context: _Context, hop: int) -> str:
    """A Received: trace line as relay number `hop` adds it, a few seconds after the Date."""
    relay = rng.randint(1, 9)
    stamp = format_datetime(date + timedelta(seconds=4 * hop))
    return (
        f"Received: from mx{relay}.relay.example.net (mx{relay}.relay.example.net "
        f"[198.51.100.{rng.randint(1, 254)}])\r\n\tby mail.{context.domain} (Postfix) with "
        f"ESMTPS id {rng.getrandbits(40):010X}\r\n\tfor <{context.address}>; {stamp}"
    )


def _subject(rng: random.Random, lang: str) -> str:
    """A Subject: line, RFC 2047 encoded and folded when it is not ASCII."""
    subject = rng.choice(SUBJECTS[lang])
    if subject.isascii():
        return f"Subject: {subject}"
    encoded = Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")
    return f"Subject: {encoded}"


def _multipart(
    rng: random.Random, plan: _Plan, head: bytes, lang: str, greeting: str, signature: str
) -> bytes:
    """A multipart/mixed message: a text part, then base64 attachments of random bytes."""
    boundary = f"=_sample_{rng.getrandbits(64):016x}".encode("ascii")
    top = (
        head
        + b'Content-Type: multipart/mixed;\r\n boundary="'
        + boundary
        + b'"\r\n\r\nThis is a multi-part message in MIME format.\r\n'
    )
    text_head = b"--" + boundary + CRLF + _TEXT_HEADERS + CRLF
    delimiter = CRLF + b"--" + boundary + CRLF
    close = CRLF + b"--" + boundary + b"--" + CRLF
    parts = [_attachment_headers(rng) for _ in range(plan.attachments)]

    overhead = len(top) + len(text_head) + len(close)
    overhead += sum(len(delimiter) + len(part) + len(CRLF) for part in parts)
    room = max(plan.size - overhead, 0)
    text_goal = min(rng.randint(300, 3000), room // 2)
    blobs = [_random_base64(rng, share) for share in _split(rng, room - text_goal, len(parts))]
    text = _text(rng, room - sum(len(blob) for blob in blobs), lang, greeting, signature)
    if text.isascii():
        text_head = text_head.replace(b"Transfer-Encoding: 8bit", b"Transfer-Encoding: 7bit")

    chunks: list[bytes | bytearray] = [top, text_head, text]
    for part, blob in zip(parts, blobs, strict=True):
        chunks += [delimiter, part, CRLF, blob]
    chunks.append(close)
    return b"".join(chunks)


def _split(rng: random.Random, total: int, count: int) -> list[int]:
    """Split a byte budget between one or two attachments."""
    if count == 1:
        return [total]
    first = int(total * rng.uniform(0.3, 0.7))
    return [first, total - first]


def _attachment_headers(rng: random.Random) -> bytes:
    """An attachment's MIME headers; non-ASCII names use RFC 2047 or RFC 2231 at random."""
    filename, content_type = rng.choice(ATTACHMENTS)
    if filename.isascii():
        name = f'name="{filename}"'
        disposition = f'filename="{filename}"'
    elif rng.random() < 0.5:
        encoded = Header(filename, "utf-8").encode(maxlinelen=998)
        name = f'name="{encoded}"'
        disposition = f'filename="{encoded}"'
    else:
        encoded = encode_rfc2231(filename, "utf-8")
        name = f"name*={encoded}"
        disposition = f"filename*={encoded}"
    return (
        f"Content-Type: {content_type};\r\n {name}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment;\r\n {disposition}\r\n"
    ).encode("ascii")


def _random_base64(rng: random.Random, budget: int) -> bytearray:
    """Base64 text of random bytes in 76-column CRLF lines, at most `budget` bytes and at most
    five short of it."""
    line = _BASE64_LINE + len(CRLF)
    full = budget // line
    rest = budget - full * line
    tail = (rest - len(CRLF)) // 4 * 4 if rest >= 4 + len(CRLF) else 0

    # Random bytes mapped onto the alphabet: as random as encoding random bytes, far faster.
    buffer = bytearray(rng.randbytes(full * line + tail)).translate(_BASE64_TABLE)
    end = full * line
    buffer[_BASE64_LINE:end:line] = b"\r" * full
    buffer[_BASE64_LINE + 1 : end : line] = b"\n" * full
    if tail:
        buffer += CRLF
    return buffer


_LINES: dict[str, list[bytes]] = {
    lang: [sentence.encode("utf-8") + CRLF for sentence in sentences] + [CRLF]
    for lang, sentences in SENTENCES.items()
}
_FILLER = b"lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "


def _text(rng: random.Random, size: int, lang: str, greeting: str, signature: str) -> bytes:
    """A text body of exactly `size` bytes (at least 2): greeting, sentences, signature, and
    ASCII filler to make the count exact."""
    top = (greeting.encode("utf-8") + CRLF + CRLF) if size > 400 else b""
    bottom = (CRLF + b"-- " + CRLF + signature.encode("utf-8") + CRLF) if size > 400 else b""
    budget = max(size - len(top) - len(bottom), 2)

    chunks: list[bytes] = []
    left = budget
    pool = _LINES[lang]
    # Sentences are under 130 bytes, so stopping at 400 leaves room for an exact filler.
    while left > 400:
        for line in rng.choices(pool, k=(left - 400) // 40 + 1):
            if left <= 400:
                break
            chunks.append(line)
            left -= len(line)
    chunks.append(_filler(left))
    return top + b"".join(chunks) + bottom


def _filler(size: int) -> bytes:
    """Exactly `size` bytes (at least 2) of ASCII lines no longer than 74 bytes."""
    lines = []
    while size > 76:
        lines.append(_FILLER[:72] + CRLF)
        size -= 74
    lines.append(_FILLER[: size - 2] + CRLF)
    return b"".join(lines)
