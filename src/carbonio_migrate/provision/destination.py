"""What already exists on Carbonio, read once, so that only the missing changes are made."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from carbonio_migrate.carbonio import admin
from carbonio_migrate.carbonio.admin import Entry
from carbonio_migrate.carbonio.soap import AdminClient, attributes, entries
from carbonio_migrate.errors import SoapError

PAGE = 1000
# SearchDirectory refuses a search with more hits than maxResults (5000 by default).
MAX_RESULTS = 10_000_000


@dataclass
class DestinationState:
    """Domains, accounts (with their aliases), and lists with their members."""

    domains: dict[str, Entry] = field(default_factory=dict)
    accounts: dict[str, Entry] = field(default_factory=dict)
    lists: dict[str, Entry] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)

    def aliases(self, address: str) -> set[str]:
        """The aliases an existing account has."""
        entry = self.accounts.get(address)
        return {a.lower() for a in entry.attrs.get("zimbraMailAlias", [])} if entry else set()

    def taken(self) -> dict[str, str]:
        """Every address in use (accounts, aliases, lists) and what holds it."""
        holders = {address: f"account {address}" for address in self.accounts}
        for address in self.accounts:
            holders.update(dict.fromkeys(self.aliases(address), f"alias of {address}"))
        holders.update({address: f"list {address}" for address in self.lists})
        return holders


def read_destination(
    client: AdminClient, domains: Iterable[str], account_attributes: Iterable[str]
) -> DestinationState:
    """Read the given domains: their accounts (with the attributes we compare) and lists."""
    state = DestinationState()
    wanted = ",".join(sorted({*account_attributes, "zimbraMailAlias"}))
    for name in sorted(set(domains)):
        domain = admin.get_domain(client, name)
        if domain is None:
            continue
        state.domains[name] = domain
        for element in _search(client, name, "accounts", wanted):
            state.accounts[element.name.lower()] = element
        for element in _search(client, name, "distributionlists", "zimbraMailForwardingAddress"):
            address = element.name.lower()
            state.lists[address] = element
            forwards = element.attrs.get("zimbraMailForwardingAddress", [])
            state.members[address] = {member.lower() for member in forwards}
    return state


def _search(client: AdminClient, domain: str, types: str, attrs: str) -> list[Entry]:
    """Every entry of a kind in a domain, page by page."""
    found: list[Entry] = []
    offset = 0
    kind = "account" if types == "accounts" else "dl"
    while True:
        response = client.call(
            "SearchDirectoryRequest",
            {
                "query": "",
                "domain": domain,
                "types": types,
                "attrs": attrs,
                "limit": PAGE,
                "offset": offset,
                "maxResults": MAX_RESULTS,
                "sortBy": "name",
            },
        )
        page = entries(response, kind)
        found += [Entry(str(e["name"]), str(e["id"]), attributes(e)) for e in page]
        offset += len(page)
        if not page or not _more(response):
            return found


def _more(response: dict[str, object]) -> bool:
    return str(response.get("more", "0")).lower() in ("1", "true")


class IdCache:
    """Ids of entries by name: from what was read, what was created, or a Get request."""

    def __init__(self, client: AdminClient, state: DestinationState) -> None:
        self._client = client
        self._ids: dict[tuple[str, str], str] = {}
        for kind, found in (
            ("domain", state.domains),
            ("account", state.accounts),
            ("dl", state.lists),
        ):
            for name, entry in found.items():
                self._ids[(kind, name)] = entry.id

    def remember(self, kind: str, entry: Entry) -> None:
        """Keep the id of an entry just created."""
        self._ids[(kind, entry.name.lower())] = entry.id

    def _get(self, kind: str, name: str, request: str, element: str) -> str:
        key = (kind, name.lower())
        if key not in self._ids:
            response = self._client.call(request, {element: {"by": "name", "_content": name}})
            found = entries(response, element)
            if not found:
                raise SoapError(self._client.base_url, f"{request} found no {element} {name}")
            self._ids[key] = str(found[0]["id"])
        return self._ids[key]

    def domain(self, name: str) -> str:
        """The id of a domain."""
        return self._get("domain", name, "GetDomainRequest", "domain")

    def server(self, name: str) -> str:
        """The id of a server."""
        return self._get("server", name, "GetServerRequest", "server")

    def account(self, name: str) -> str:
        """The id of an account."""
        return self._get("account", name, "GetAccountRequest", "account")

    def distribution_list(self, name: str) -> str:
        """The id of a distribution list."""
        return self._get("dl", name, "GetDistributionListRequest", "dl")
