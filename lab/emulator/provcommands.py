"""The prov commands a migration uses, with their names, aliases and argument counts.

TODO: commands outside this table (help, grr, gacf, ...) read as unknown commands here,
where a real node would run them; a file using them gets a different transcript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lab.emulator.element import Element
from lab.emulator.provmailbox import select_mailbox
from lab.emulator.provsession import (
    ArgError,
    ExitRun,
    Session,
    entry_attr,
    entry_attrs,
    is_uuid,
)

MAX = 1 << 31
LDAP_ONLY = 'can only be used with  "zmprov -l/--ldap"'
SA_TYPES = "accounts,aliases,distributionlists,dynamicgroups,resources"


@dataclass(frozen=True)
class Command:
    """A command: name, alias, usage text, argument count range and implementation."""

    name: str
    alias: str
    help: str
    min_args: int
    max_args: int
    run: Callable[[Session, list[str]], None]
    ldap_only: bool = False

    def count_description(self) -> str:
        """How the argument count is described in the error message."""
        if self.min_args == self.max_args:
            return str(self.min_args)
        if self.max_args == MAX:
            return f"at least {self.min_args}"
        return f"{self.min_args} to {self.max_args}"

    def usage(self) -> str:
        """The usage line prov prints after an argument error."""
        return f"usage:  {self.name}({self.alias}) {self.help}\n"


def _add_pairs(request: Element, pairs: list[tuple[str, str]]) -> None:
    """Append `a` elements, grouping repeated names as the client's attribute map does."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    for name, values in grouped.items():
        for value in values:
            request.add_attr(name, value)


def _flag_e(args: list[str]) -> tuple[bool, int]:
    """Leading `-e` flags (without inherited values); return apply-defaults and the index."""
    index = 1
    while index < len(args) and args[index] == "-e":
        index += 1
    return index == 1, index


def create_domain(s: Session, args: list[str]) -> None:
    """cd DOMAIN [attr value ...]: prints the new id."""
    pairs = s.attr_pairs(args, 2, create=True)
    request = s.request("CreateDomainRequest", name=args[1])
    _add_pairs(request, pairs)
    domain = s.send(request).first("domain")
    s.println(entry_attr(domain, "id") if domain is not None else "")


def get_domain(s: Session, args: list[str]) -> None:
    """gd [-e] DOMAIN [attr ...]."""
    apply, index = _flag_e(args)
    if index >= len(args):
        raise ArgError("missing domain")
    domain = s.lookup("GetDomainRequest", "domain", args[index], applyConfig="1" if apply else "0")
    s.println(f"# name {entry_attr(domain, 'name')}")
    s.dump_attrs(entry_attrs(domain), args[index + 1 :])
    s.println()


def modify_domain(s: Session, args: list[str]) -> None:
    """md DOMAIN attr value ...: by id, as the client sends it."""
    pairs = s.attr_pairs(args, 2, create=False)
    domain = s.lookup("GetDomainRequest", "domain", args[1])
    request = s.request("ModifyDomainRequest", id=entry_attr(domain, "id"))
    _add_pairs(request, pairs)
    s.send(request)


def get_cos(s: Session, args: list[str]) -> None:
    """gc COS [attr ...]."""
    cos = s.lookup("GetCosRequest", "cos", args[1])
    s.println(f"# name {entry_attr(cos, 'name')}")
    s.dump_attrs(entry_attrs(cos), args[2:])
    s.println()


def modify_cos(s: Session, args: list[str]) -> None:
    """mc COS attr value ..."""
    pairs = s.attr_pairs(args, 2, create=False)
    cos = s.lookup("GetCosRequest", "cos", args[1])
    request = s.request("ModifyCosRequest", id=entry_attr(cos, "id"))
    _add_pairs(request, pairs)
    s.send(request)


def get_server(s: Session, args: list[str]) -> None:
    """gs [-e] SERVER [attr ...]."""
    apply, index = _flag_e(args)
    if index >= len(args):
        raise ArgError("missing server")
    server = s.lookup("GetServerRequest", "server", args[index], applyConfig="1" if apply else "0")
    s.println(f"# name {entry_attr(server, 'name')}")
    s.dump_attrs(entry_attrs(server), args[index + 1 :])
    s.println()


def modify_server(s: Session, args: list[str]) -> None:
    """ms SERVER attr value ...: the server's callbacks validate scheduled domains."""
    pairs = s.attr_pairs(args, 2, create=False)
    server = s.lookup("GetServerRequest", "server", args[1])
    request = s.request("ModifyServerRequest", id=entry_attr(server, "id"))
    _add_pairs(request, pairs)
    s.send(request)


def get_config(s: Session, args: list[str]) -> None:
    """gcf NAME: `name: value` lines."""
    request = s.request("GetConfigRequest")
    request.add("a", n=args[1])
    s.dump_attrs(entry_attrs(s.send(request)), [])


def modify_config(s: Session, args: list[str]) -> None:
    """mcf attr value ..."""
    pairs = s.attr_pairs(args, 1, create=False)
    request = s.request("ModifyConfigRequest")
    _add_pairs(request, pairs)
    s.send(request)


def create_account(s: Session, args: list[str]) -> None:
    """ca ADDRESS PASSWORD [attr value ...]: '' as password means none; prints the id."""
    pairs = s.attr_pairs(args, 3, create=True)
    request = s.request("CreateAccountRequest", name=args[1])
    if args[2] != "":
        request.attrs["password"] = args[2]
    _add_pairs(request, pairs)
    account = s.send(request).first("account")
    s.println(entry_attr(account, "id") if account is not None else "")


def get_account(s: Session, args: list[str]) -> None:
    """ga [-e] ACCOUNT [attr ...]."""
    apply = args[1] != "-e"
    index = 1 if apply else 2
    if index >= len(args):
        raise ArgError("missing account")
    account = s.lookup("GetAccountRequest", "account", args[index], applyCos="1" if apply else "0")
    s.println(f"# name {entry_attr(account, 'name')}")
    s.dump_attrs(entry_attrs(account), args[index + 1 :])
    s.println()


def delete_account(s: Session, args: list[str]) -> None:
    """da ACCOUNT."""
    account = s.lookup("GetAccountRequest", "account", args[1])
    s.send(s.request("DeleteAccountRequest", id=entry_attr(account, "id")))


def add_account_alias(s: Session, args: list[str]) -> None:
    """aaa ACCOUNT ALIAS."""
    account = s.lookup("GetAccountRequest", "account", args[1])
    s.send(s.request("AddAccountAliasRequest", id=entry_attr(account, "id"), alias=args[2]))


def create_distribution_list(s: Session, args: list[str]) -> None:
    """cdl LIST [attr value ...]: prints the id."""
    pairs = s.attr_pairs(args, 2, create=True)
    request = s.request("CreateDistributionListRequest", name=args[1])
    _add_pairs(request, pairs)
    dl = s.send(request).first("dl")
    s.println(entry_attr(dl, "id") if dl is not None else "")


def _members_request(s: Session, name: str, args: list[str]) -> None:
    """adlm / rdlm: find the list, then send its id with every member."""
    dl = s.lookup("GetDistributionListRequest", "dl", args[1])
    request = s.request(name, id=entry_attr(dl, "id"))
    for member in args[2:]:
        request.add("dlm", member)
    s.send(request)


def add_distribution_list_member(s: Session, args: list[str]) -> None:
    """adlm LIST MEMBER..."""
    _members_request(s, "AddDistributionListMemberRequest", args)


def remove_distribution_list_member(s: Session, args: list[str]) -> None:
    """rdlm LIST MEMBER..."""
    _members_request(s, "RemoveDistributionListMemberRequest", args)


def get_distribution_list(s: Session, args: list[str]) -> None:
    """gdl LIST [attr ...]: header with member count, attributes, then the members."""
    dl = s.lookup("GetDistributionListRequest", "dl", args[1])
    members = [m.value for m in dl.all("dlm")]
    attrs = entry_attrs(dl)
    attrs["zimbraMailForwardingAddress"] = members
    s.println(f"# distributionList {entry_attr(dl, 'name')} memberCount={len(members)}")
    s.dump_attrs(attrs, args[2:])
    s.println()
    s.println("members")
    for member in members:
        s.println(member)


def search_accounts(s: Session, args: list[str]) -> None:
    """sa [-v] QUERY [limit N] [offset N] [sortBy A] [sortAscending 0|1] [domain D]."""
    verbose = args[1] == "-v"
    index = 2 if verbose else 1
    if index >= len(args):
        raise ArgError("missing query")
    options = dict(s.attr_pairs(args, index + 1, create=True))
    try:
        limit = int(options.get("limit", MAX))
        offset = int(options.get("offset", 0))
    except ValueError as exc:
        raise ArgError(str(exc)) from exc

    request = s.request("SearchDirectoryRequest", query=args[index])
    request.attrs["types"] = options.get("types", SA_TYPES)
    request.attrs["sortAscending"] = "0" if options.get("sortAscending") == "0" else "1"
    if "sortBy" in options:
        request.attrs["sortBy"] = options["sortBy"]
    if "domain" in options:
        domain = s.lookup("GetDomainRequest", "domain", options["domain"])
        request.attrs["domain"] = entry_attr(domain, "name")
    hits = [c for c in s.send(request).children if c.name != "a"]
    for hit in hits[offset : offset + limit]:
        _print_hit(s, hit, verbose)


def _print_hit(s: Session, hit: Element, verbose: bool) -> None:
    """A search hit: its name, or with -v its full dump."""
    name = entry_attr(hit, "name")
    if not verbose:
        s.println(name)
        return
    header = {"dl": "# distributionList", "alias": "# alias"}.get(hit.name, "# name")
    s.println(f"{header} {name}")
    s.dump_attrs(entry_attrs(hit), [])
    if hit.name != "alias":
        s.println()


def auto_prov_control(s: Session, args: list[str]) -> None:
    """apc start|status|stop: prints nothing, whatever the status."""
    s.send(s.request("AutoProvTaskControlRequest", action=args[1]))


def exit_run(s: Session, _args: list[str]) -> None:
    """exit / quit: status 2 if any command failed with a service exception, else 0."""
    raise ExitRun(2 if s.error_occurred else 0)


def ldap_only(_s: Session, _args: list[str]) -> None:
    """Commands that need `-l`: the SOAP-mode refusal."""


COMMAND_LIST = (
    Command("createDomain", "cd", "{domain} [attr1 value1 [attr2 value2...]]", 1, MAX,
            create_domain),
    Command("getDomain", "gd", "[-e] {domain|id} [attr1 [attr2...]]", 1, MAX, get_domain),
    Command("modifyDomain", "md", "{domain|id} [attr1 value1 [attr2 value2...]]", 3, MAX,
            modify_domain),
    Command("getCos", "gc", "{name|id} [attr1 [attr2...]]", 1, MAX, get_cos),
    Command("modifyCos", "mc", "{name|id} [attr1 value1 [attr2 value2...]]", 3, MAX,
            modify_cos),
    Command("getServer", "gs", "[-e] {name|id} [attr1 [attr2...]]", 1, MAX, get_server),
    Command("modifyServer", "ms", "{name|id} [attr1 value1 [attr2 value2...]]", 3, MAX,
            modify_server),
    Command("getConfig", "gcf", "{name}", 1, 1, get_config),
    Command("modifyConfig", "mcf", "attr1 value1 [attr2 value2...]", 2, MAX, modify_config),
    Command("createAccount", "ca", "{name@domain} {password} [attr1 value1 [attr2 value2...]]",
            2, MAX, create_account),
    Command("getAccount", "ga", "[-e] {name@domain|id} [attr1 [attr2...]]", 1, MAX,
            get_account),
    Command("deleteAccount", "da", "{name@domain|id}", 1, 1, delete_account),
    Command("addAccountAlias", "aaa", "{name@domain|id} {alias@domain}", 2, 2,
            add_account_alias),
    Command("createDistributionList", "cdl", "{list@domain}", 1, MAX,
            create_distribution_list),
    Command("addDistributionListMember", "adlm", "{list@domain|id} {member@domain}+", 2, MAX,
            add_distribution_list_member),
    Command("removeDistributionListMember", "rdlm", "{list@domain|id} {member@domain}", 2,
            MAX, remove_distribution_list_member),
    Command("getDistributionList", "gdl", "{list@domain|id} [attr1 [attr2...]]", 1, MAX,
            get_distribution_list),
    Command("searchAccounts", "sa",
            "[-v] {ldap-query} [limit {limit}] [offset {offset}] [sortBy {attr}] "
            "[sortAscending 0|1*] [domain {domain}]", 1, MAX, search_accounts),
    Command("selectMailbox", "sm", "{account-name} [{zmmailbox commands}]", 1, MAX,
            select_mailbox),
    Command("autoProvControl", "apc", "{start|status|stop}", 1, 1, auto_prov_control),
    Command("getAllAccounts", "gaa", "[-v] [-e] [-s server] [{domain}]", 0, 5, ldap_only,
            ldap_only=True),
    Command("exit", "quit", "", 0, 0, exit_run),
)  # fmt: skip

COMMANDS = {
    key.lower(): command for command in COMMAND_LIST for key in (command.name, command.alias)
}

__all__ = ["COMMANDS", "LDAP_ONLY", "Command", "is_uuid"]
