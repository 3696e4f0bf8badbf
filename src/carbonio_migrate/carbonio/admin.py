"""The admin calls the migration needs, with Carbonio's answers turned into plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

from carbonio_migrate.carbonio.soap import (
    ACCOUNT_NAMESPACE,
    AdminClient,
    attributes,
    entries,
)
from carbonio_migrate.errors import SoapFault


@dataclass(frozen=True)
class Entry:
    """A directory entry of Carbonio (domain, COS, account, list) with its attributes."""

    name: str
    id: str
    attrs: dict[str, list[str]] = field(default_factory=dict)

    def first(self, attr: str, default: str | None = None) -> str | None:
        """The first value of an attribute."""
        values = self.attrs.get(attr)
        return values[0] if values else default


def _entry(element: dict[str, object]) -> Entry:
    return Entry(str(element.get("name", "")), str(element.get("id", "")), attributes(element))


def get_domain(client: AdminClient, name: str) -> Entry | None:
    """A domain by name, or None when Carbonio has no such domain."""
    try:
        response = client.call("GetDomainRequest", {"domain": {"by": "name", "_content": name}})
    except SoapFault as fault:
        if fault.code == "account.NO_SUCH_DOMAIN":
            return None
        raise
    return _entry(entries(response, "domain")[0])


def get_cos(client: AdminClient, name: str = "default") -> Entry | None:
    """A class of service by name, or None when it does not exist."""
    try:
        response = client.call("GetCosRequest", {"cos": {"by": "name", "_content": name}})
    except SoapFault as fault:
        if fault.code == "account.NO_SUCH_COS":
            return None
        raise
    return _entry(entries(response, "cos")[0])


def get_config(client: AdminClient, attr: str) -> list[str]:
    """The values of one global configuration attribute."""
    response = client.call("GetConfigRequest", {"a": {"n": attr}})
    return attributes(response).get(attr, [])


def search_accounts(client: AdminClient, domain: str, *, limit: int = 0) -> list[Entry]:
    """The accounts of a domain (system accounts included)."""
    body = {
        "query": "",
        "domain": domain,
        "types": "accounts",
        "limit": limit,
        "attrs": "zimbraIsSystemAccount,zimbraIsSystemResource,zimbraIsAdminAccount",
    }
    response = client.call("SearchDirectoryRequest", body)
    return [_entry(element) for element in entries(response, "account")]


def available_csv_formats(client: AdminClient) -> list[str]:
    """The contact CSV formats the server has loaded (only ``csv`` on a faulty release)."""
    response = client.call("GetAvailableCsvFormatsRequest", namespace=ACCOUNT_NAMESPACE)
    return [str(element.get("name")) for element in entries(response, "csv")]
