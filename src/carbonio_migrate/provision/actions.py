"""The changes phase 1 makes on Carbonio, each as a small object.

Planning produces a list of actions; the same list is shown by ``--dry-run``, written as a
``carbonio prov -f`` file by ``--write-commands`` or applied through the admin API. Secrets
(passwords) travel only through the API: command lines never carry them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from carbonio_migrate.carbonio.admin import Entry
from carbonio_migrate.carbonio.soap import AdminClient, entries

Attributes = tuple[tuple[str, str], ...]


def _attr_list(attributes: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"n": name, "_content": value} for name, value in attributes]


def _flat(attributes: Iterable[tuple[str, str]]) -> list[str]:
    return [part for pair in attributes for part in pair]


class Ids(Protocol):
    """Looks up the Carbonio id of an entry by name (ModifyDomain and friends need ids)."""

    def domain(self, name: str) -> str: ...
    def server(self, name: str) -> str: ...
    def account(self, name: str) -> str: ...
    def distribution_list(self, name: str) -> str: ...
    def remember(self, kind: str, entry: Entry) -> None: ...


class Action(Protocol):
    """One change; ``secret`` values are sent through the API only."""

    def describe(self) -> str: ...
    def commands(self) -> list[list[str]]: ...
    def apply(self, client: AdminClient, ids: Ids) -> None: ...


@dataclass(frozen=True)
class ModifyDomain:
    """Set attributes of a domain (e.g. auto-provisioning); ``secrets`` never leave the API."""

    domain: str
    attributes: Attributes
    secrets: Attributes = ()

    def describe(self) -> str:
        names = sorted({name.lstrip("+-") for name, _ in (*self.attributes, *self.secrets)})
        return f"set on domain {self.domain}: {', '.join(names)}"

    def commands(self) -> list[list[str]]:
        return [["md", self.domain, *_flat(self.attributes)]] if self.attributes else []

    def apply(self, client: AdminClient, ids: Ids) -> None:
        body = {"id": ids.domain(self.domain), "a": _attr_list((*self.attributes, *self.secrets))}
        client.call("ModifyDomainRequest", body)


@dataclass(frozen=True)
class ModifyServer:
    """Set attributes of a server (the EAGER schedule)."""

    server: str
    attributes: Attributes

    def describe(self) -> str:
        values = ", ".join(f"{name} {value}" for name, value in self.attributes)
        return f"set on server {self.server}: {values}"

    def commands(self) -> list[list[str]]:
        return [["ms", self.server, *_flat(self.attributes)]]

    def apply(self, client: AdminClient, ids: Ids) -> None:
        body = {"id": ids.server(self.server), "a": _attr_list(self.attributes)}
        client.call("ModifyServerRequest", body)


@dataclass(frozen=True)
class CreateAccount:
    """Create an account with its directory attributes; the password goes through the API."""

    address: str
    attributes: Attributes
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"create account {self.address}"

    def commands(self) -> list[list[str]]:
        # An empty password argument means "no password" to createAccount.
        return [["ca", self.address, "", *_flat(self.attributes)]]

    def apply(self, client: AdminClient, ids: Ids) -> None:
        body: dict[str, object] = {"name": self.address, "a": _attr_list(self.attributes)}
        if self.password:
            body["password"] = self.password
        response = client.call("CreateAccountRequest", body)
        ids.remember("account", _first_entry(response, "account"))


@dataclass(frozen=True)
class ModifyAccount:
    """Bring an existing account's attributes in line with the directory."""

    address: str
    attributes: Attributes

    def describe(self) -> str:
        values = ", ".join(f"{name}={value!r}" for name, value in self.attributes)
        return f"update account {self.address}: {values}"

    def commands(self) -> list[list[str]]:
        return [["ma", self.address, *_flat(self.attributes)]]

    def apply(self, client: AdminClient, ids: Ids) -> None:
        body = {"id": ids.account(self.address), "a": _attr_list(self.attributes)}
        client.call("ModifyAccountRequest", body)


@dataclass(frozen=True)
class AddAlias:
    """Give an account one more address."""

    address: str
    alias: str

    def describe(self) -> str:
        return f"add alias {self.alias} to {self.address}"

    def commands(self) -> list[list[str]]:
        return [["aaa", self.address, self.alias]]

    def apply(self, client: AdminClient, ids: Ids) -> None:
        client.call(
            "AddAccountAliasRequest", {"id": ids.account(self.address), "alias": self.alias}
        )


@dataclass(frozen=True)
class CreateList:
    """Create a distribution list; new members get no share notification mail."""

    address: str
    attributes: Attributes

    def describe(self) -> str:
        return f"create distribution list {self.address}"

    def commands(self) -> list[list[str]]:
        return [["cdl", self.address, *_flat(self.attributes)]]

    def apply(self, client: AdminClient, ids: Ids) -> None:
        body = {"name": self.address, "a": _attr_list(self.attributes)}
        response = client.call("CreateDistributionListRequest", body)
        ids.remember("dl", _first_entry(response, "dl"))


@dataclass(frozen=True)
class AddMembers:
    """Add the members a list lacks (the request takes the list's id)."""

    address: str
    members: tuple[str, ...]

    def describe(self) -> str:
        return f"add {len(self.members)} member(s) to {self.address}: {', '.join(self.members)}"

    def commands(self) -> list[list[str]]:
        return [["adlm", self.address, *self.members]]

    def apply(self, client: AdminClient, ids: Ids) -> None:
        body = {
            "id": ids.distribution_list(self.address),
            "dlm": [{"_content": member} for member in self.members],
        }
        client.call("AddDistributionListMemberRequest", body)


def _first_entry(response: dict[str, object], kind: str) -> Entry:
    element = entries(response, kind)[0]
    return Entry(str(element.get("name", "")), str(element.get("id", "")))
