"""The emulated directory and mailboxes, with the Python API the lab seeds and breaks it with.

Everything the SOAP, REST and prov front ends change lives here, behind one re-entrant lock.
Seeding methods apply no policy (no password rules, no faults); the request handlers do.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from lab.emulator import schema
from lab.emulator.attrs import AttrMap
from lab.emulator.entries import (
    Account,
    Alias,
    Cos,
    DistributionList,
    Domain,
    Entry,
    Server,
    generalized_time,
    new_id,
)
from lab.emulator.mailbox import Mailbox
from lab.emulator.tokens import TokenRegistry

AttrValue = str | Iterable[str]


class Store:
    """Directory entries, global config, tokens, mailboxes, request counters and switches."""

    def __init__(self, server_name: str = "mail.example.io") -> None:
        self.lock = threading.RLock()
        self.config = AttrMap(schema.GLOBAL_CONFIG_DEFAULTS)
        self.domains: dict[str, Domain] = {}
        self.coses: dict[str, Cos] = {}
        self.servers: dict[str, Server] = {}
        self.accounts: dict[str, Account] = {}
        self.lists: dict[str, DistributionList] = {}
        self.aliases: dict[str, Alias] = {}
        self.tokens = TokenRegistry()
        self.mailboxes: dict[str, Mailbox] = {}
        self.calls: Counter[str] = Counter()
        self.rest_imports: Counter[tuple[str, str]] = Counter()
        self.csv_formats_broken = False
        self.autoprov_running = False
        self.on_account_created: Callable[[str, str | None], None] | None = None
        self.on_account_deleted: Callable[[str], None] | None = None
        self.server = self._seed_server(server_name)
        self.default_cos = self._seed_default_cos()

    # -- seeding ---------------------------------------------------------------------------

    def _seed_server(self, name: str) -> Server:
        """The one mailbox server of this node."""
        server = Server(new_id(), name)
        server.attrs.set("cn", name)
        server.attrs.set("zimbraServiceHostname", name)
        server.attrs.set("zimbraServiceEnabled", ["mailbox", "proxy", "mta"])
        server.attrs.set("zimbraServiceInstalled", ["mailbox", "proxy", "mta"])
        self._stamp(server)
        self.servers[server.id] = server
        return server

    def _seed_default_cos(self) -> Cos:
        """The COS named `default`, with its well-known id and the documented defaults."""
        cos = Cos(schema.DEFAULT_COS_ID, "default", AttrMap(schema.DEFAULT_COS_VALUES))
        cos.attrs.set("cn", "default")
        cos.attrs.set("description", "The default COS")
        cos.attrs.set("zimbraMailHostPool", self.server.id)
        self._stamp(cos)
        self.coses[cos.id] = cos
        return cos

    def _stamp(self, entry: Entry) -> None:
        """Set the attributes every entry carries."""
        entry.attrs.set("zimbraId", entry.id)
        entry.attrs.set("zimbraCreateTimestamp", generalized_time())

    def add_domain(self, name: str, **attrs: AttrValue) -> str:
        """Create a domain and return its id; the first domain becomes the default domain."""
        with self.lock:
            return self.create_domain(name, attrs).id

    def remove_domain(self, name: str) -> None:
        """Delete a domain (its accounts stay, as orphans, to let tests break things)."""
        with self.lock:
            domain = self.domain_by_name(name)
            if domain is not None:
                del self.domains[domain.id]

    def set_domain_attr(self, domain: str, name: str, value: AttrValue) -> None:
        """Replace a domain attribute, with no validation and no callbacks."""
        with self.lock:
            self._require_domain(domain).attrs.set(name, value)

    def clear_domain_attr(self, domain: str, name: str) -> None:
        """Remove a domain attribute."""
        with self.lock:
            self._require_domain(domain).attrs.delete(name)

    def add_cos(self, name: str, **attrs: AttrValue) -> str:
        """Create a COS (inheriting nothing from `default`) and return its id."""
        with self.lock:
            cos = Cos(new_id(), name, AttrMap(attrs))
            cos.attrs.set("cn", name)
            self._stamp(cos)
            self.coses[cos.id] = cos
            return cos.id

    def set_global_config(self, name: str, value: AttrValue | None) -> None:
        """Set (or with None remove) a global config attribute."""
        with self.lock:
            if value is None:
                self.config.delete(name)
            else:
                self.config.set(name, value)

    def add_admin(self, address: str, password: str, *, global_admin: bool = True) -> str:
        """Create an admin account: global (zimbraIsAdminAccount) or delegated."""
        flag = "zimbraIsAdminAccount" if global_admin else "zimbraIsDelegatedAdminAccount"
        return self.add_account(address, password, **{flag: "TRUE"})

    def add_account(self, address: str, password: str | None = None, **attrs: AttrValue) -> str:
        """Create an account without policy checks and return its id (the hook still runs)."""
        with self.lock:
            return self.create_account(address.lower(), password, AttrMap(attrs)).id

    def add_list(self, address: str, members: Iterable[str] = (), **attrs: AttrValue) -> str:
        """Create a static distribution list with members and return its id."""
        with self.lock:
            dl = self.create_list(address.lower(), AttrMap(attrs), dynamic=False)
            dl.members.extend(m.lower() for m in members)
            return dl.id

    def add_alias(self, address: str, alias: str) -> None:
        """Give an account (or list) an alias address."""
        with self.lock:
            target: Entry | None = self.account_by_name(address) or self.list_by_name(address)
            if target is None:
                raise KeyError(address)
            self.create_alias(target, alias.lower())

    def remove_account(self, address: str) -> None:
        """Delete an account, its aliases, tokens and mailbox (the hook runs)."""
        with self.lock:
            account = self.account_by_name(address)
            if account is not None:
                self.delete_account(account)

    def create_folder(self, account: str, path: str, view: str = "contact") -> None:
        """Create a folder (and missing parents) in an account's mailbox."""
        with self.lock:
            self.mailbox(self._require_account(account).id).create_folder(path, view)

    def expire_token(self, token: str | None = None) -> None:
        """Expire one token, or all of them, so the next use gets AUTH_EXPIRED."""
        with self.lock:
            self.tokens.expire(token)

    def reset_calls(self) -> None:
        """Zero the request and REST-import counters."""
        with self.lock:
            self.calls.clear()
            self.rest_imports.clear()

    # -- inspection ------------------------------------------------------------------------

    def account(self, address: str) -> Account | None:
        """The account with this address (or alias), if any."""
        with self.lock:
            return self.account_by_name(address)

    def account_names(self) -> list[str]:
        """All account addresses, sorted."""
        with self.lock:
            return sorted(a.name for a in self.accounts.values())

    def list_names(self) -> list[str]:
        """All distribution-list addresses, sorted."""
        with self.lock:
            return sorted(d.name for d in self.lists.values())

    def list_members(self, address: str) -> list[str]:
        """The members of a list, in the order they were added."""
        with self.lock:
            dl = self.list_by_name(address)
            if dl is None:
                raise KeyError(address)
            return list(dl.members)

    def alias_names(self) -> list[str]:
        """All alias addresses, sorted."""
        with self.lock:
            return sorted(a.name for a in self.aliases.values())

    def folder_paths(self, account: str) -> list[str]:
        """Paths of every folder of an account's mailbox, sorted."""
        with self.lock:
            box = self.mailbox(self._require_account(account).id)
            return sorted(box.path_of(f) for f in box.folders if box.path_of(f))

    def contacts(self, account: str, folder: str | None = None) -> list[dict[str, str]]:
        """Imported contacts of an account (optionally of one folder path), as field dicts."""
        with self.lock:
            box = self.mailbox(self._require_account(account).id)
            wanted = self._folder_id(box, folder)
            return [dict(c.fields) for c in box.contacts if wanted in (None, c.folder_id)]

    def appointments(self, account: str, folder: str | None = None) -> list[dict[str, Any]]:
        """Calendar items of an account: uid, summary, kind, folder, sequence and raw text."""
        with self.lock:
            box = self.mailbox(self._require_account(account).id)
            wanted = self._folder_id(box, folder)
            return [
                {
                    "uid": item.uid,
                    "summary": item.summary,
                    "kind": item.kind,
                    "folder": box.path_of(item.folder_id),
                    "sequence": item.sequence,
                    "raw": "".join(item.components.values()),
                }
                for item in box.calendar.values()
                if wanted in (None, item.folder_id)
            ]

    # -- lookups (callers hold the lock) ---------------------------------------------------

    def domain_by_name(self, name: str) -> Domain | None:
        """Domain by name, case-insensitively."""
        lowered = name.lower()
        return next((d for d in self.domains.values() if d.name == lowered), None)

    def domain_by_virtual_host(self, host: str) -> Domain | None:
        """Domain whose zimbraVirtualHostname includes `host`."""
        lowered = host.lower()
        for domain in self.domains.values():
            if lowered in (v.lower() for v in domain.attrs.get("zimbraVirtualHostname")):
                return domain
        return None

    def account_by_name(self, name: str) -> Account | None:
        """Account by address, or by one of its aliases."""
        lowered = name.lower()
        found = next((a for a in self.accounts.values() if a.name == lowered), None)
        if found is None:
            alias = self.alias_by_name(lowered)
            if alias is not None and alias.target_type == "account":
                found = self.accounts.get(alias.target_id)
        return found

    def list_by_name(self, name: str) -> DistributionList | None:
        """Distribution list by address, or by one of its aliases."""
        lowered = name.lower()
        found = next((d for d in self.lists.values() if d.name == lowered), None)
        if found is None:
            alias = self.alias_by_name(lowered)
            if alias is not None and alias.target_type == "dl":
                found = self.lists.get(alias.target_id)
        return found

    def alias_by_name(self, name: str) -> Alias | None:
        """Alias entry by its address."""
        lowered = name.lower()
        return next((a for a in self.aliases.values() if a.name == lowered), None)

    def cos_by_name(self, name: str) -> Cos | None:
        """COS by name (case-insensitive)."""
        lowered = name.lower()
        return next((c for c in self.coses.values() if c.name.lower() == lowered), None)

    def server_by_name(self, name: str) -> Server | None:
        """Server by name (case-insensitive)."""
        lowered = name.lower()
        return next((s for s in self.servers.values() if s.name.lower() == lowered), None)

    def address_holder(self, address: str) -> Entry | None:
        """Whatever entry holds this address: account, list or alias (one shared namespace)."""
        lowered = address.lower()
        for table in (self.accounts, self.lists, self.aliases):
            for entry in table.values():
                if entry.name == lowered:
                    return entry
        return None

    def mailbox(self, account_id: str) -> Mailbox:
        """The account's mailbox, created on first use as on the server."""
        if account_id not in self.mailboxes:
            self.mailboxes[account_id] = Mailbox()
        return self.mailboxes[account_id]

    # -- effective attributes --------------------------------------------------------------

    def domain_attrs(self, domain: Domain, *, apply_config: bool = True) -> AttrMap:
        """A domain's attributes, plus those it inherits from the global config."""
        return self._inherit(domain.attrs, self.config, schema.DOMAIN_INHERITED, apply_config)

    def server_attrs(self, server: Server, *, apply_config: bool = True) -> AttrMap:
        """A server's attributes, plus those it inherits from the global config."""
        return self._inherit(server.attrs, self.config, schema.SERVER_INHERITED, apply_config)

    def account_cos(self, account: Account) -> Cos:
        """The account's COS: its own zimbraCOSId, else its domain's default, else `default`."""
        domain = self.domain_by_name(account.domain_name)
        candidates = [account.attrs.first("zimbraCOSId")]
        if domain is not None:
            candidates.append(domain.attrs.first("zimbraDomainDefaultCOSId"))
        for cos_id in candidates:
            if cos_id and cos_id in self.coses:
                return self.coses[cos_id]
        return self.default_cos

    def account_attrs(self, account: Account, *, apply_cos: bool = True) -> AttrMap:
        """An account's attributes, plus those it inherits from its COS."""
        cos = self.account_cos(account)
        return self._inherit(account.attrs, cos.attrs, schema.ACCOUNT_INHERITED, apply_cos)

    @staticmethod
    def _inherit(own: AttrMap, parent: AttrMap, names: frozenset[str], apply: bool) -> AttrMap:
        """Own attributes, completed by the inheritable ones of `parent` when `apply`."""
        result = own.copy()
        if apply:
            for name, values in parent.items():
                if name.lower() in names and not result.has(name):
                    result.set(name, values)
        return result

    # -- mutations (callers hold the lock and have validated) -----------------------------

    def create_domain(self, name: str, attrs: dict[str, AttrValue] | AttrMap) -> Domain:
        """Add a domain entry."""
        domain = Domain(new_id(), name.lower(), AttrMap(dict(attrs.items())))
        domain.attrs.set("zimbraDomainName", domain.name)
        domain.attrs.set("zimbraDomainType", "local")
        domain.attrs.set("zimbraDomainStatus", "active")
        domain.attrs.set("zimbraMailStatus", "enabled")
        domain.attrs.set("dc", domain.name.split(".")[0])
        domain.attrs.set("o", f"{domain.name} domain")
        self._stamp(domain)
        self.domains[domain.id] = domain
        if not self.config.has("zimbraDefaultDomainName"):
            self.config.set("zimbraDefaultDomainName", domain.name)
        return domain

    def create_account(self, address: str, password: str | None, attrs: AttrMap) -> Account:
        """Add an account with the attributes every account gets, then run the hook."""
        local = address.partition("@")[0]
        account = Account(new_id(), address, attrs.copy(), password=password)
        defaults = {
            "uid": local,
            "mail": address,
            "zimbraMailDeliveryAddress": address,
            "cn": local,
            "sn": local,
            "zimbraAccountStatus": "active",
            "zimbraMailStatus": "enabled",
            "zimbraMailHost": self.server.name,
            "objectClass": ["inetOrgPerson", "zimbraAccount", "amavisAccount"],
        }
        for name, value in defaults.items():
            if not account.attrs.has(name):
                account.attrs.set(name, value)
        self._stamp(account)
        self.accounts[account.id] = account
        if self.on_account_created is not None:
            self.on_account_created(address, password)
        return account

    def create_list(self, address: str, attrs: AttrMap, *, dynamic: bool) -> DistributionList:
        """Add a distribution list entry."""
        dl = DistributionList(new_id(), address, attrs.copy(), dynamic=dynamic)
        dl.attrs.set("uid", address.partition("@")[0])
        dl.attrs.set("mail", address)
        dl.attrs.set("zimbraMailStatus", "enabled")
        dl.attrs.set("objectClass", ["zimbraDistributionList", "zimbraMailRecipient"])
        self._stamp(dl)
        self.lists[dl.id] = dl
        return dl

    def create_alias(self, target: Entry, address: str) -> Alias:
        """Add an alias entry and record it on its target (zimbraMailAlias and mail)."""
        kind = "dl" if isinstance(target, DistributionList) else "account"
        alias = Alias(new_id(), address, target_id=target.id, target_type=kind)
        alias.attrs.set("uid", address.partition("@")[0])
        alias.attrs.set("zimbraAliasTargetId", target.id)
        alias.attrs.set("objectClass", ["zimbraAlias"])
        self._stamp(alias)
        self.aliases[alias.id] = alias
        target.attrs.add("zimbraMailAlias", address)
        target.attrs.add("mail", address)
        return alias

    def delete_account(self, account: Account) -> None:
        """Remove an account with its aliases, tokens and mailbox, then run the hook."""
        del self.accounts[account.id]
        for alias_id in [i for i, a in self.aliases.items() if a.target_id == account.id]:
            del self.aliases[alias_id]
        self.tokens.forget_account(account.id)
        self.mailboxes.pop(account.id, None)
        if self.on_account_deleted is not None:
            self.on_account_deleted(account.name)

    def _require_domain(self, name: str) -> Domain:
        """Domain by name, or KeyError (seeding API only)."""
        domain = self.domain_by_name(name)
        if domain is None:
            raise KeyError(name)
        return domain

    @staticmethod
    def _folder_id(box: Mailbox, path: str | None) -> int | None:
        """The id of a folder path (None for no path), or KeyError (inspection API only)."""
        if path is None:
            return None
        folder = box.resolve(path)
        if folder is None:
            raise KeyError(path)
        return folder.id

    def _require_account(self, address: str) -> Account:
        """Account by address, or KeyError (seeding API only)."""
        account = self.account_by_name(address)
        if account is None:
            raise KeyError(address)
        return account
