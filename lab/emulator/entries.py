"""Directory entries: domains, classes of service, servers, accounts, lists and aliases."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from lab.emulator.attrs import AttrMap


def new_id() -> str:
    """A fresh zimbraId."""
    return str(uuid.uuid4())


def generalized_time(epoch: float | None = None) -> str:
    """LDAP generalized time in UTC, the form of zimbraCreateTimestamp."""
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(epoch))


def dn_for(address: str) -> str:
    """The LDAP DN a mail address lives at: uid=local,ou=people,dc=...,dc=..."""
    local, _, domain = address.partition("@")
    components = ",".join(f"dc={label}" for label in domain.split("."))
    return f"uid={local},ou=people,{components}"


@dataclass
class Entry:
    """A named directory entry with its id and stored (not inherited) attributes."""

    id: str
    name: str
    attrs: AttrMap = field(default_factory=AttrMap)

    @property
    def domain_name(self) -> str:
        """The domain part of a mail address name ('' for entries that are not addresses)."""
        return self.name.partition("@")[2]


@dataclass
class Domain(Entry):
    """A mail domain."""


@dataclass
class Cos(Entry):
    """A class of service."""


@dataclass
class Server(Entry):
    """A mailbox server."""


@dataclass
class Account(Entry):
    """A mailbox account; the password is kept apart from the attributes, never returned."""

    password: str | None = None

    @property
    def is_global_admin(self) -> bool:
        """zimbraIsAdminAccount TRUE."""
        return (self.attrs.first("zimbraIsAdminAccount") or "").upper() == "TRUE"

    @property
    def is_delegated_admin(self) -> bool:
        """zimbraIsDelegatedAdminAccount or zimbraIsDomainAdminAccount TRUE."""
        names = ("zimbraIsDelegatedAdminAccount", "zimbraIsDomainAdminAccount")
        return any((self.attrs.first(n) or "").upper() == "TRUE" for n in names)

    @property
    def status(self) -> str:
        """zimbraAccountStatus (active, locked, closed, maintenance, ...)."""
        return self.attrs.first("zimbraAccountStatus") or "active"


@dataclass
class DistributionList(Entry):
    """A static (or dynamic) distribution list; members are addresses, kept in order added."""

    members: list[str] = field(default_factory=list)
    dynamic: bool = False


@dataclass
class Alias(Entry):
    """An alias address pointing at an account or a list."""

    target_id: str = ""
    target_type: str = "account"
