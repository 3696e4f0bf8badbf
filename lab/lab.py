"""The whole lab: a source organisation and a Carbonio destination on loopback.

Source: OpenLDAP with the sample organisation, a Dovecot (separator ``.``) holding everyone's
mail, and the exported files (dl_provisioning.csv, one ICS and one contacts file per
account). Destination: the Carbonio emulator (admin SOAP and REST) and a Dovecot (separator
``/``) standing in for Carbonio's IMAP service; an account created in the emulator can log in
to that Dovecot at once. ``Lab.config_path`` is a migration.toml that points at all of it.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.certs import Certificates, make_certificates
from lab.dovecot import Dovecot
from lab.emulator import CarbonioEmulator
from lab.sample import (
    DEMO,
    FilesSummary,
    Mailbox,
    MailProfile,
    Organisation,
    make_mailboxes,
    make_organisation,
    write_all_files,
)
from lab.slapd import Slapd

DOMAIN = "example.io"
ALIAS_DOMAIN = "example.org"
SERVER = "mail.example.io"
SOURCE_ADMIN = "migration-admin"
CARBONIO_ADMIN = f"zextras@{DOMAIN}"
IMPORT_ADMIN = f"migrator@{DOMAIN}"
# Carbonio's recommendation before migrating large messages (carbonio prov mcf ...).
LAB_MAX_MESSAGE_SIZE = 52428800


@dataclass
class MailCounts:
    """What the lab put in the source mailboxes, to compare a migration against."""

    messages: dict[str, int] = field(default_factory=dict)  # account -> messages
    sizes: dict[str, int] = field(default_factory=dict)  # account -> bytes
    folders: dict[str, list[str]] = field(default_factory=dict)  # account -> folder names


class Lab:
    """Starts, fills and stops every server of the lab under one folder."""

    def __init__(
        self,
        root: Path,
        *,
        people: int = 40,
        profile: MailProfile | None = DEMO,
        seed: int = 1,
    ) -> None:
        self.root = root
        self.seed = seed
        self.profile = profile
        self.organisation: Organisation = make_organisation(DOMAIN, people=people, seed=seed)
        self.passwords = {
            name: secrets.token_urlsafe(16)
            for name in ("source_admin", "carbonio_admin", "import_admin")
        }
        self.certificates: Certificates | None = None
        self.slapd: Slapd | None = None
        self.source: Dovecot | None = None
        self.destination: Dovecot | None = None
        self.emulator: CarbonioEmulator | None = None
        self.files: FilesSummary | None = None
        self.mail = MailCounts()

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> Lab:
        """Start every server, load the organisation and write the configuration."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.certificates = make_certificates(self.root / "tls")
        try:
            self._start_directory()
            self._start_source_imap()
            self._start_destination()
            self.files = write_all_files(self.organisation, self.root / "exports", self.seed)
            self.write_config()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every server that was started; safe to call more than once."""
        for server in (self.emulator, self.destination, self.source, self.slapd):
            if server is not None:
                server.stop()

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- the pieces ---------------------------------------------------------------------------

    def _start_directory(self) -> None:
        assert self.certificates is not None
        self.slapd = Slapd(self.root, self.certificates)
        self.slapd.start()
        self.slapd.add_ldif(self.organisation.to_ldif(self.slapd.base_dn))

    def _start_source_imap(self) -> None:
        assert self.certificates is not None
        self.source = Dovecot(self.root, "src", ".", self.certificates)
        self.source.start()
        # As on a real server, the administrator is an account of its own as well.
        self.source.add_master(SOURCE_ADMIN, self.passwords["source_admin"])
        self.source.add_user(SOURCE_ADMIN, self.passwords["source_admin"])

        for person in self.organisation.mail_people:
            assert person.mail is not None
            self.source.add_user(person.mail, person.password)
        if self.profile is None:
            return  # a lab for directory and provisioning work: accounts without mail
        for mailbox in make_mailboxes(self.organisation, self.profile, self.seed):
            self._deliver(mailbox)

    def _deliver(self, mailbox: Mailbox) -> None:
        assert self.source is not None
        separator = self.source.separator
        folders = [
            (separator.join(folder.path), folder.messages, folder.subscribed)
            for folder in mailbox.folders
        ]
        count = self.source.deliver_mailbox(mailbox.address, folders)
        size = sum(len(m.data) for folder in mailbox.folders for m in folder.messages)
        self.mail.messages[mailbox.address] = count
        self.mail.sizes[mailbox.address] = size
        self.mail.folders[mailbox.address] = [name for name, _messages, _sub in folders]

    def _start_destination(self) -> None:
        assert self.certificates is not None
        self.destination = Dovecot(self.root, "dst", "/", self.certificates)
        self.destination.start()
        self.destination.add_master(IMPORT_ADMIN, self.passwords["import_admin"])
        self.destination.add_user(IMPORT_ADMIN, self.passwords["import_admin"])

        certificates = self.certificates
        self.emulator = CarbonioEmulator(
            certfile=certificates.cert_file, keyfile=certificates.key_file, server_name=SERVER
        )
        store = self.emulator.store
        store.on_account_created = self.destination.add_user
        store.on_account_deleted = self.destination.remove_user
        self.emulator.start()

        store.set_global_config("zimbraMtaMaxMessageSize", str(LAB_MAX_MESSAGE_SIZE))
        store.add_domain(DOMAIN, **self.autoprov_attributes())
        store.add_domain(ALIAS_DOMAIN)  # some people have an alias there
        store.add_admin(CARBONIO_ADMIN, self.passwords["carbonio_admin"])
        store.add_admin(IMPORT_ADMIN, self.passwords["import_admin"])

    def autoprov_attributes(self) -> dict[str, str | list[str]]:
        """The domain's auto-provisioning settings, pointing at the lab's directory."""
        assert self.slapd is not None
        return {
            "zimbraAutoProvMode": ["EAGER"],
            "zimbraAutoProvLdapURL": self.slapd.ldaps_url,
            "zimbraAutoProvLdapAdminBindDn": self.slapd.reader_dn,
            "zimbraAutoProvLdapAdminBindPassword": self.slapd.reader_password,
            "zimbraAutoProvLdapSearchBase": f"ou=people,{self.slapd.base_dn}",
            "zimbraAutoProvLdapSearchFilter": "(&(objectClass=inetOrgPerson)(uid=%u))",
            "zimbraAutoProvAccountNameMap": "uid",
        }

    # -- the configuration for carbonio-migrate ---------------------------------------------

    @property
    def config_path(self) -> Path:
        """The lab's migration.toml."""
        return self.root / "migration.toml"

    def write_config(self, **overrides: str) -> Path:
        """Write migration.toml and the 0600 password files it names."""
        assert self.slapd and self.source and self.destination and self.emulator
        assert self.certificates is not None
        secret_dir = self.root / "secrets"
        secret_dir.mkdir(mode=0o700, exist_ok=True)
        for name, value in {
            **self.passwords,
            "directory": self.slapd.reader_password,
        }.items():
            path = secret_dir / name
            path.write_text(value + "\n", encoding="utf-8")
            path.chmod(0o600)

        values = {
            "ca": str(self.certificates.ca_file),
            "ldap_url": self.slapd.ldaps_url,
            "bind_dn": self.slapd.reader_dn,
            "base_dn": self.slapd.base_dn,
            "src_port": str(self.source.imaps_port),
            "dst_port": str(self.destination.imaps_port),
            "admin_url": self.emulator.proxy_admin_url,
            "exports": str(self.root / "exports"),
            "server": SERVER,
            **overrides,
        }
        self.config_path.write_text(_CONFIG.format(**values), encoding="utf-8")
        return self.config_path

    def write_config_copy(self, path: Path, changes: Mapping[str, Mapping[str, object]]) -> Path:
        """A copy of migration.toml at ``path`` with keys changed by table, e.g.
        ``{"destination.imap": {"tls": "none", "port": 1143}, "run": {"state": "x.sqlite"}}``.

        Password files are named by absolute path, so the copy works from any folder.
        """
        document = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        for dotted, values in changes.items():
            table = document
            for part in dotted.split("."):
                table = table.setdefault(part, {})
            table.update(values)
        _absolute_password_files(document, self.root)
        path.write_text(_toml(document), encoding="utf-8")
        return path

    # -- destination accounts, as provisioning makes them -----------------------------------

    def add_destination_accounts(self, addresses: Iterable[str]) -> None:
        """Create accounts in the emulator, which lets them log in to the destination IMAP."""
        assert self.emulator is not None
        for address in addresses:
            if self.emulator.store.account(address) is None:
                self.emulator.store.add_account(address)

    def remove_destination_accounts(self, addresses: Iterable[str]) -> None:
        """Delete accounts from the emulator and their mail from the destination IMAP."""
        assert self.emulator is not None and self.destination is not None
        store = self.emulator.store
        hook, store.on_account_deleted = store.on_account_deleted, None
        try:
            for address in addresses:
                store.remove_account(address)
                self.clear_destination_mail(address)
                # What Dovecot.remove_user does, without waiting a second for each account.
                (self.destination.directory / "users" / address).unlink(missing_ok=True)
        finally:
            store.on_account_deleted = hook
        time.sleep(1.05)  # Dovecot re-reads a changed passwd-file at most once a second

    def clear_destination_mail(self, address: str) -> None:
        """Delete every folder and message of an account on the destination IMAP server."""
        assert self.destination is not None
        local, _, domain = address.partition("@")
        shutil.rmtree(self.destination.mail_root / domain / local / "Maildir", ignore_errors=True)


_CONFIG = """\
# The lab's configuration: every server on loopback, TLS verified against the lab's CA.

[source.directory]
kind = "openldap"
url = "{ldap_url}"
tls = "ldaps"
ca_file = "{ca}"
bind_dn = "{bind_dn}"
password_file = "secrets/directory"
base_dn = "{base_dn}"
disabled_filter = "(shadowExpire=1)"

[source.imap]
host = "localhost"
port = {src_port}
tls = "implicit"
ca_file = "{ca}"
admin_user = "migration-admin"
password_file = "secrets/source_admin"

[destination]
admin_url = "{admin_url}"
admin_user = "zextras@example.io"
password_file = "secrets/carbonio_admin"
ca_file = "{ca}"

[destination.imap]
host = "localhost"
port = {dst_port}
tls = "implicit"
ca_file = "{ca}"
admin_user = "migrator@example.io"
password_file = "secrets/import_admin"

[files]
calendars = "{exports}/calendars"
contacts = "{exports}/contacts"
distribution_lists = "{exports}/dl_provisioning.csv"

[provision]
server = "{server}"

[run]
workers = 4
"""


def _absolute_password_files(document: dict[str, Any], root: Path) -> None:
    """Make every relative password_file in a parsed configuration absolute from ``root``."""
    for key, value in document.items():
        if isinstance(value, dict):
            _absolute_password_files(value, root)
        elif key == "password_file" and not Path(str(value)).is_absolute():
            document[key] = str(root / str(value))


def _toml(document: Mapping[str, Any], prefix: str = "") -> str:
    """Write a configuration of strings, numbers, booleans, lists and tables as TOML."""
    scalars = {k: v for k, v in document.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in document.items() if isinstance(v, Mapping)}
    text = f"[{prefix}]\n" if prefix and scalars else ""
    text += "".join(f"{key} = {_toml_value(value)}\n" for key, value in scalars.items())
    for key, table in tables.items():
        name = f"{prefix}.{key}" if prefix else key
        text += ("\n" if text else "") + _toml(table, name)
    return text


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    # A JSON string is a valid TOML basic string.
    return json.dumps(str(value), ensure_ascii=False)
