"""Preflight: reach every server and check the destination's requirements before migrating.

Each finding is OK, WARN or FAIL with what to do. The requirements come from Carbonio's own
procedure: every target domain exists and is set up for auto-provisioning, the default class
of service suits the imported accounts, the import administrator can open every mailbox over
IMAP, and Carbonio accepts the largest message of the source.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from carbonio_migrate.carbonio import admin
from carbonio_migrate.carbonio.soap import AdminClient
from carbonio_migrate.config import Settings
from carbonio_migrate.directory.reader import DirectorySnapshot, read_directory
from carbonio_migrate.errors import ImapError, MigrateError
from carbonio_migrate.mail.endpoint import MailServer
from carbonio_migrate.mail.inventory import opened
from carbonio_migrate.mail.mailbox import Mailbox
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.state import StateStore

log = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_SIZE = 10240000

# A message over the size limit: account, folder, UID, size in bytes.
Oversized = tuple[str, str, int, int]

# The domain attributes EAGER auto-provisioning cannot work without.
AUTOPROV_REQUIRED = (
    "zimbraAutoProvLdapURL",
    "zimbraAutoProvLdapSearchBase",
    "zimbraAutoProvLdapSearchFilter",
    "zimbraAutoProvAccountNameMap",
)

# Default-COS values worth showing before accounts inherit them.
COS_SHOWN = (
    "zimbraMailQuota",
    "zimbraContactMaxNumEntries",
    "zimbraImapEnabled",
    "zimbraPrefImapEnabled",
    "zimbraFeatureAntispamEnabled",
    "zimbraPrefTimeZoneId",
    "zimbraMailTrashLifetime",
    "zimbraMailSpamLifetime",
    "zimbraMailMessageLifetime",
)


class Status(StrEnum):
    """How one finding turned out."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    """One line of the check: what was checked, how it went, and what to do about it."""

    status: Status
    subject: str
    message: str
    remedy: str | None = None


class Checker:
    """Runs every check, collecting findings; one failure never stops the others."""

    def __init__(self, settings: Settings, connections: Connections) -> None:
        self.settings = settings
        self.connections = connections
        self.findings: list[Finding] = []
        self.snapshot: DirectorySnapshot | None = None

    def add(self, status: Status, subject: str, message: str, remedy: str | None = None) -> None:
        """Record a finding."""
        self.findings.append(Finding(status, subject, message, remedy))

    def attempt(self, subject: str, check: Callable[[], None]) -> bool:
        """Run one check; an expected error becomes a FAIL finding instead of stopping."""
        try:
            check()
        except MigrateError as exc:
            self.add(Status.FAIL, subject, exc.message, exc.remedy)
            return False
        return True

    def run(self) -> list[Finding]:
        """Every check, in the order an administrator would fix things."""
        self.attempt("state store", self.check_state)
        self.attempt("source directory", self.check_directory)
        self.attempt("source IMAP", self.check_source_imap)

        self.attempt("Carbonio", self.check_destination)
        self.check_files()
        return self.findings

    def check_destination(self) -> None:
        """The admin API and what it tells about the destination, then Carbonio's IMAP."""
        with self.connections.admin() as client:
            if self.attempt("Carbonio admin API", lambda: self.check_admin(client)):
                self.attempt("domains", lambda: self.check_domains(client))
                self.attempt("default COS", lambda: self.check_cos(client))
                self.attempt("message size", lambda: self.check_message_size(client))
                self.attempt("contact formats", lambda: self.check_csv_formats(client))
            self.attempt("destination IMAP", lambda: self.check_destination_imap(client))

    # -- local -----------------------------------------------------------------------------

    def check_state(self) -> None:
        """The state store opens and has our schema."""
        store = StateStore.open(self.settings.state_url)
        store.close()
        self.add(Status.OK, "state store", f"{self.settings.state_url} is usable")

    def check_files(self) -> None:
        """The export folders and the distribution list file exist."""
        files = self.settings.files
        for label, path, is_dir in (
            ("calendar files", files.calendars, True),
            ("contact files", files.contacts, True),
            ("distribution list file", files.distribution_lists, False),
        ):
            if path is None:
                self.add(
                    Status.WARN,
                    label,
                    "not configured; that step will be skipped",
                    f"set it in [files] if you have {label}",
                )
            elif path.is_dir() if is_dir else path.is_file():
                self.add(Status.OK, label, str(path))
            else:
                self.add(Status.FAIL, label, f"{path} does not exist", "fix the path in [files]")

    # -- source ------------------------------------------------------------------------------

    def check_directory(self) -> None:
        """Bind to the directory and read people and groups."""
        with self.connections.directory() as connection:
            self.snapshot = read_directory(self.settings, connection)
        snapshot = self.snapshot
        directory = self.settings.source.directory
        self.add(
            Status.OK,
            "source directory",
            f"bound as {directory.bind_dn}: {len(snapshot.people)} people, "
            f"{len(snapshot.disabled)} disabled, {len(snapshot.groups)} groups "
            f"under {directory.base_dn}",
        )
        for problem in snapshot.problems:
            self.add(
                Status.WARN,
                "source directory",
                f"{problem.dn} {problem.message}",
                "fix the entry, or accept that it is left out",
            )

    def check_source_imap(self) -> None:
        """Log in as the administrator, then open one user's mailbox as that user."""
        server = self.connections.source_imap()
        capabilities = asyncio.run(_admin_capabilities(server))
        self.add(Status.OK, "source IMAP", f"{server.name}: admin login works ({capabilities})")

        person = self.snapshot.people[0] if self.snapshot and self.snapshot.people else None
        if person is None:
            self.add(Status.WARN, "source IMAP", "no account to test impersonation with")
            return
        folders = asyncio.run(_count_folders(server, person.source_address))
        self.add(
            Status.OK,
            "source IMAP",
            f"the administrator can open {person.source_address} ({folders} folders)",
        )

    # -- destination ---------------------------------------------------------------------------

    def check_admin(self, client: AdminClient) -> None:
        """Authenticate to the admin API."""
        client.login()
        self.add(Status.OK, "Carbonio admin API", f"{client.base_url}: logged in as {client.user}")

    def target_domains(self) -> list[str]:
        """The destination domains of every account and list to migrate."""
        if not self.snapshot:
            return sorted(set(self.settings.mapping.domains.values()))
        addresses = [p.address for p in self.snapshot.people]
        addresses += [g.address for g in self.snapshot.groups if g.address]
        return sorted({address.rpartition("@")[2] for address in addresses})

    def check_domains(self, client: AdminClient) -> None:
        """Every target domain exists and carries the auto-provisioning settings."""
        domains = self.target_domains()
        if not domains:
            self.add(Status.WARN, "domains", "no target domain known (the directory was not read)")
        for name in domains:
            domain = admin.get_domain(client, name)
            if domain is None:
                self.add(
                    Status.FAIL,
                    f"domain {name}",
                    "does not exist on Carbonio",
                    f"create it: carbonio prov cd {name}",
                )
                continue
            self._check_autoprov(name, domain)

    def _check_autoprov(self, name: str, domain: admin.Entry) -> None:
        modes = domain.attrs.get("zimbraAutoProvMode", [])
        missing = [attr for attr in AUTOPROV_REQUIRED if not domain.first(attr)]
        if "EAGER" not in modes:
            missing.insert(0, "zimbraAutoProvMode EAGER")
        if missing:
            self.add(
                Status.FAIL,
                f"domain {name}",
                "auto-provisioning is not set up: missing " + ", ".join(missing),
                f"carbonio-migrate provision sets them (or carbonio prov md {name} ...)",
            )
            return
        self.add(
            Status.OK,
            f"domain {name}",
            f"exists; auto-provisioning {'+'.join(modes)} from "
            f"{domain.first('zimbraAutoProvLdapURL')}",
        )

    def check_cos(self, client: AdminClient) -> None:
        """The default COS exists; show the values imported accounts inherit."""
        cos = admin.get_cos(client, "default")
        if cos is None:
            self.add(
                Status.FAIL,
                "default COS",
                "the class of service 'default' is missing",
                "create it in the Admin Panel (COS) before migrating",
            )
            return
        shown = ", ".join(f"{attr}={cos.first(attr, '')}" for attr in COS_SHOWN)
        self.add(Status.OK, "default COS", shown)

        for attr, bad, why in (
            ("zimbraImapEnabled", "FALSE", "IMAP import into the accounts will be refused"),
            ("zimbraPrefImapEnabled", "FALSE", "IMAP import into the accounts will be refused"),
            ("zimbraFeatureAntispamEnabled", "FALSE", "Junk is hidden from IMAP; spam is lost"),
        ):
            if (cos.first(attr) or "").upper() == bad:
                self.add(
                    Status.WARN,
                    "default COS",
                    f"{attr} is {bad}: {why}",
                    f"carbonio prov mc default {attr} TRUE",
                )
        lifetime = cos.first("zimbraMailMessageLifetime", "0")
        if lifetime not in ("0", "0d", "0s", ""):
            self.add(
                Status.WARN,
                "default COS",
                f"zimbraMailMessageLifetime is {lifetime}: old migrated mail will be purged",
                "carbonio prov mc default zimbraMailMessageLifetime 0",
            )

    def check_message_size(self, client: AdminClient) -> None:
        """Carbonio's message size limit against the largest message of the source."""
        values = admin.get_config(client, "zimbraMtaMaxMessageSize")
        limit = int(values[0]) if values and values[0] else DEFAULT_MAX_MESSAGE_SIZE
        if limit == 0 or not self.snapshot:
            self.add(Status.OK, "message size", f"zimbraMtaMaxMessageSize={limit or 'unlimited'}")
            return

        over = asyncio.run(
            find_oversized(
                self.connections.source_imap(),
                [p.source_address for p in self.snapshot.people],
                limit,
                workers=self.settings.run.workers,
            )
        )
        if not over:
            self.add(
                Status.OK,
                "message size",
                f"no source message exceeds zimbraMtaMaxMessageSize={limit}",
            )
            return
        largest = max(over, key=lambda item: item[3])
        needed = -(-largest[3] // 1048576) * 1048576
        self.add(
            Status.FAIL,
            "message size",
            f"{len(over)} source messages exceed zimbraMtaMaxMessageSize={limit}; the largest "
            f"({largest[3]} bytes) is {largest[0]} {largest[1]} UID {largest[2]}",
            f"raise the limit: carbonio prov mcf zimbraMtaMaxMessageSize {needed}",
        )

    def check_csv_formats(self, client: AdminClient) -> None:
        """Which contact CSV formats the server has loaded."""
        formats = admin.available_csv_formats(client)
        if "thunderbird-csv" in formats:
            self.add(Status.OK, "contact formats", ", ".join(formats))
        else:
            self.add(
                Status.WARN,
                "contact formats",
                f"the server offers only {', '.join(formats) or 'nothing'}: named CSV formats "
                "did not load",
                "contacts are sent with Carbonio's own field names, which works regardless",
            )

    def check_destination_imap(self, client: AdminClient) -> None:
        """The import administrator logs in, and can open an existing account's mailbox."""
        server = self.connections.destination_imap()
        capabilities = asyncio.run(_admin_capabilities(server))
        self.add(
            Status.OK,
            "destination IMAP",
            f"{server.name}: import admin login works ({capabilities})",
        )

        target = self._impersonation_target(client, server)
        if target is None:
            self.add(
                Status.WARN,
                "destination IMAP",
                "no account exists yet to test impersonation with",
                "run check again after provisioning",
            )
            return
        try:
            asyncio.run(_count_folders(server, target))
        except ImapError as exc:
            self.add(
                Status.FAIL,
                "destination IMAP",
                f"{server.settings.admin_user} cannot open {target}: {exc.message}",
                exc.remedy,
            )
            return
        self.add(Status.OK, "destination IMAP", f"{server.settings.admin_user} can open {target}")

    def _impersonation_target(self, client: AdminClient, server: MailServer) -> str | None:
        """An ordinary account on the destination: a migrated one if any exists."""
        wanted = {p.address for p in self.snapshot.people} if self.snapshot else set()
        admins = {server.settings.admin_user.lower(), client.user.lower()}
        candidates = []
        for domain in self.target_domains():
            try:
                candidates += admin.search_accounts(client, domain)
            except MigrateError:
                continue
        ordinary = [
            entry.name
            for entry in candidates
            if entry.name.lower() not in admins
            and entry.first("zimbraIsSystemAccount", "FALSE") != "TRUE"
            and entry.first("zimbraIsSystemResource", "FALSE") != "TRUE"
            and entry.first("zimbraIsAdminAccount", "FALSE") != "TRUE"
        ]
        preferred = [name for name in ordinary if name in wanted]
        return (preferred or ordinary or [None])[0]  # type: ignore[list-item]


async def find_oversized(
    server: MailServer, accounts: Iterable[str], limit: int, *, workers: int
) -> list[Oversized]:
    """(account, folder, UID, size) of every source message larger than ``limit`` bytes.

    SEARCH LARGER lets the server do the scanning, so no message data is transferred; only
    the sizes of the messages it finds are fetched. Folders are EXAMINEd, never SELECTed.
    """
    slots = asyncio.Semaphore(workers)

    async def scan(account: str) -> list[Oversized]:
        async with slots, opened(server, account) as mailbox:
            return await _oversized(mailbox, account, limit)

    # Like a thread pool: every scan runs to its end, then the first failure is raised.
    outcomes = await asyncio.gather(*(scan(a) for a in accounts), return_exceptions=True)
    results: list[Oversized] = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        results.extend(outcome)
    return results


async def _oversized(mailbox: Mailbox, account: str, limit: int) -> list[Oversized]:
    """The messages of one mailbox larger than ``limit`` bytes, in every selectable folder."""
    found = []
    namespace = await mailbox.namespace()
    for folder in await mailbox.list_folders(namespace, status=False):
        if not folder.selectable:
            continue
        await mailbox.examine(folder.raw)
        uids = await mailbox.larger_than(limit)
        if uids:
            found += [(account, folder.name, m.uid, m.size) for m in await mailbox.summaries(uids)]
        await mailbox.close_folder()
    return found


async def _admin_capabilities(server: MailServer) -> str:
    """Log in as the administrator; the extensions the server offers that matter to us."""
    async with opened(server, None) as mailbox:
        names = sorted(mailbox.client.capabilities)
    interesting = ("UIDPLUS", "MULTIAPPEND", "LITERAL+", "CONDSTORE", "SPECIAL-USE", "NAMESPACE")
    return ", ".join(name for name in names if name in interesting) or "no extensions"


async def _count_folders(server: MailServer, user: str) -> int:
    """Open ``user``'s mailbox as the administrator and count its personal folders."""
    async with opened(server, user) as mailbox:
        namespace = await mailbox.namespace()
        return len(await mailbox.list_folders(namespace, status=False))
