"""Phase 1's plan: compare the directory (and dl_provisioning.csv) with Carbonio.

The result is the list of actions that would make Carbonio match, in the order they can be
applied, and the problems found on the way. What already matches produces no action, so a
second run on an unchanged directory changes nothing.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from carbonio_migrate.config import PasswordPolicy, Settings
from carbonio_migrate.directory.reader import DirectorySnapshot, Group, Person
from carbonio_migrate.errors import InputError
from carbonio_migrate.provision import autoprov
from carbonio_migrate.provision.actions import (
    Action,
    AddAlias,
    AddMembers,
    CreateAccount,
    CreateList,
    ModifyAccount,
    ModifyDomain,
)
from carbonio_migrate.provision.destination import DestinationState
from carbonio_migrate.provision.dl_csv import ListRow

# Lists a migration creates should not mail their members about shares (none exist yet).
QUIET_LIST = ("zimbraDistributionListSendShareMessageToNewMembers", "FALSE")


@dataclass
class ProvisionPlan:
    """Actions in application order, problems (with their place) and notes for the reader."""

    actions: list[Action] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # left out on purpose (disabled, no mail)
    passwords: dict[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class DesiredList:
    """A distribution list as it should be on Carbonio."""

    address: str
    name: str
    description: str
    members: tuple[str, ...]
    origin: str


class Planner:
    """Builds a :class:`ProvisionPlan` from what should be and what is."""

    def __init__(
        self,
        settings: Settings,
        snapshot: DirectorySnapshot,
        state: DestinationState,
        *,
        update: bool = False,
    ) -> None:
        self.settings = settings
        self.snapshot = snapshot
        self.state = state
        self.update = update
        self.plan = ProvisionPlan()
        self._taken = state.taken()
        # Why a DN or address is not migrated (disabled, no mail), to explain missing members.
        self._left_out: dict[str, str] = {}
        for person in snapshot.disabled:
            for key in (person.dn.lower(), person.address, person.source_address):
                self._left_out[key] = "is disabled in the directory"
        for problem in snapshot.problems:
            self._left_out[problem.dn.lower()] = f"is not migrated: it {problem.message}"

    def domains(self) -> list[str]:
        """Destination domains of the people and lists to provision."""
        return self._domains

    @cached_property
    def _domains(self) -> list[str]:
        return planned_domains(self.snapshot)

    # -- auto-provisioning ------------------------------------------------------------------

    def plan_autoprov(
        self, bind_password: str, *, server_attrs: dict[str, list[str]] | None
    ) -> None:
        """Domain settings (and the server's schedule) that differ from what is there."""
        provision = self.settings.provision
        scheduled = []
        for domain in self.domains():
            entry = self.state.domains.get(domain)
            if entry is None:
                continue
            wanted = [autoprov.domain_settings(self.settings, domain, bind_password)]
            if provision.password_policy == PasswordPolicy.EXTERNAL:
                wanted.append(
                    autoprov.external_auth_settings(self.settings, domain, bind_password)
                )
            for change in wanted:
                missing = _missing_attributes(change, entry.attrs)
                if missing is not None:
                    self.plan.actions.append(missing)
            scheduled.append(domain)

        if provision.server is None or not scheduled:
            return
        current = server_attrs or {}
        listed = {d.lower() for d in current.get("zimbraAutoProvScheduledDomains", [])}
        interval = (current.get("zimbraAutoProvPollingInterval") or [""])[0]
        todo = [domain for domain in scheduled if domain not in listed]
        if todo or interval != provision.polling_interval:
            self.plan.actions.append(
                autoprov.schedule(provision.server, todo, provision.polling_interval)
            )

    # -- accounts ---------------------------------------------------------------------------------

    def plan_accounts(self) -> None:
        """Create missing accounts with their attributes and aliases; compare existing ones."""
        for person in self.snapshot.disabled:
            self.plan.skipped.append(
                f"{person.dn}: disabled in the directory; {person.address} is not created "
                "(set include_disabled = true to migrate disabled people)"
            )
        for person in self.snapshot.people:
            if not self._domain_exists(person.dn, person.address, "account"):
                continue
            if person.address in self.state.accounts:
                self._compare(person)
            elif person.address in self._taken:
                self.plan.problems.append(
                    InputError(
                        person.dn,
                        f"{person.address} is already used by {self._taken[person.address]}",
                    )
                )
                continue
            else:
                self._create(person)
            self._plan_aliases(person)

    def _domain_exists(self, where: str, address: str, kind: str) -> bool:
        """Whether the address's domain is on Carbonio; a problem is recorded when not."""
        domain = address.rpartition("@")[2]
        if domain in self.state.domains:
            return True
        self.plan.problems.append(
            InputError(
                where,
                f"domain {domain} does not exist on Carbonio; {kind} {address} is not created",
                remedy=f"carbonio prov cd {domain}",
            )
        )
        return False

    def _create(self, person: Person) -> None:
        policy = self.settings.provision.password_policy
        password = _random_password() if policy == PasswordPolicy.RANDOM else None
        if password:
            self.plan.passwords[person.address] = password
        attributes = tuple(sorted(person.attributes.items()))
        self.plan.actions.append(CreateAccount(person.address, attributes, password))
        self._taken[person.address] = f"account {person.address}"

    def _compare(self, person: Person) -> None:
        entry = self.state.accounts[person.address]
        changed = [
            (name, value)
            for name, value in sorted(person.attributes.items())
            if (entry.attrs.get(name) or [""])[0] != value
        ]
        if not changed:
            return
        for name, value in changed:
            old = (entry.attrs.get(name) or [""])[0]
            self.plan.differences.append(
                f"{person.address}: {name} is {old!r} on Carbonio, {value!r} in the directory"
            )
        if self.update:
            self.plan.actions.append(ModifyAccount(person.address, tuple(changed)))

    def _plan_aliases(self, person: Person) -> None:
        present = self.state.aliases(person.address)
        for alias in person.aliases:
            if alias in present:
                continue
            holder = self._taken.get(alias)
            if holder and holder != f"alias of {person.address}":
                self.plan.problems.append(
                    InputError(person.dn, f"alias {alias} is already used by {holder}; not added")
                )
                continue
            if alias.rpartition("@")[2] not in self.state.domains:
                self.plan.problems.append(
                    InputError(
                        person.dn,
                        f"alias {alias} is in a domain Carbonio does not have; not added",
                        remedy=f"carbonio prov cd {alias.rpartition('@')[2]}",
                    )
                )
                continue
            self.plan.actions.append(AddAlias(person.address, alias))
            self._taken[alias] = f"alias of {person.address}"

    # -- distribution lists --------------------------------------------------------------------

    def desired_lists(self, rows: Iterable[ListRow], origin: str) -> list[DesiredList]:
        """Lists from directory groups (when enabled), merged with the rows of the file."""
        lists: dict[str, DesiredList] = {}
        if self.settings.provision.lists_from_directory:
            for group in self.snapshot.groups:
                desired = self._from_group(group)
                if desired:
                    lists[desired.address] = desired
        for row in rows:
            where = f"{origin}:{row.line}"
            members = tuple(self._known_members(row.members, where))
            before = lists.get(row.address)
            if before:
                members = tuple(dict.fromkeys((*before.members, *members)))
            lists[row.address] = DesiredList(
                row.address,
                row.name or (before.name if before else ""),
                row.description or (before.description if before else ""),
                members,
                where,
            )
        if self.settings.provision.flatten_nested_groups:
            lists = _flatten(lists)
        return list(lists.values())

    def _from_group(self, group: Group) -> DesiredList | None:
        if not group.address:
            self.plan.problems.append(
                InputError(group.dn, "group has no mail address; no list is made")
            )
            return None
        members = self._group_members(group, set())
        return DesiredList(
            group.address,
            group.display_name or group.name,
            group.description or "",
            tuple(dict.fromkeys(members)),
            f"directory {group.dn}",
        )

    @cached_property
    def _people_by_dn(self) -> dict[str, Person]:
        return {p.dn.lower(): p for p in self.snapshot.people}

    @cached_property
    def _groups_by_dn(self) -> dict[str, Group]:
        return {g.dn.lower(): g for g in self.snapshot.groups}

    @cached_property
    def _planned_addresses(self) -> set[str]:
        people = self.snapshot.people
        planned = {p.address for p in people} | {a for p in people for a in p.aliases}
        return planned | {g.address for g in self.snapshot.groups if g.address}

    def _group_members(self, group: Group, visiting: set[str]) -> list[str]:
        visiting = visiting | {group.dn.lower()}
        people, groups = self._people_by_dn, self._groups_by_dn
        members: list[str] = []
        for dn in group.member_dns:
            key = dn.lower()
            if key in people:
                members.append(people[key].address)
            elif key in groups and key not in visiting:
                nested = groups[key]
                if nested.address and not self.settings.provision.flatten_nested_groups:
                    members.append(nested.address)
                else:
                    members += self._group_members(nested, visiting)
            elif key in self._left_out:
                self.plan.skipped.append(f"{group.dn}: member {dn} {self._left_out[key]}")
            elif key not in groups:
                self.plan.problems.append(
                    InputError(
                        group.dn, f"member {dn} was not found among the people and groups read"
                    )
                )
        return members

    def _known_members(self, members: Iterable[str], where: str) -> Iterable[str]:
        """Members of the file; an address in a migrated domain must exist or be planned."""
        ours = set(self.domains()) | set(self.state.domains)
        planned = self._planned_addresses
        for member in members:
            domain = member.rpartition("@")[2]
            if member in self._left_out:
                self.plan.skipped.append(f"{where}: member {member} {self._left_out[member]}")
                continue
            if domain in ours and member not in planned and member not in self._taken:
                self.plan.problems.append(
                    InputError(
                        where,
                        f"member {member} was not found in "
                        "the directory or on Carbonio; not added",
                    )
                )
                continue
            yield member

    def plan_lists(self, lists: list[DesiredList]) -> None:
        """Create missing lists, then add only the members each list lacks."""
        creatable = []
        for desired in lists:
            if not self._domain_exists(desired.origin, desired.address, "list"):
                continue
            if desired.address not in self.state.lists:
                holder = self._taken.get(desired.address)
                if holder:
                    self.plan.problems.append(
                        InputError(
                            desired.origin, f"{desired.address} is already used by {holder}"
                        )
                    )
                    continue
                attributes = [("displayName", desired.name), ("description", desired.description)]
                attributes = [(n, v) for n, v in attributes if v] + [QUIET_LIST]
                self.plan.actions.append(CreateList(desired.address, tuple(attributes)))
                self._taken[desired.address] = f"list {desired.address}"
            creatable.append(desired)

        for desired in creatable:
            present = self.state.members.get(desired.address, set())
            missing = tuple(
                m for m in desired.members if m not in present and m != desired.address
            )
            if missing:
                self.plan.actions.append(AddMembers(desired.address, missing))


def _flatten(lists: dict[str, DesiredList]) -> dict[str, DesiredList]:
    """Replace every member that is itself a list by that list's members, recursively."""

    def expand(address: str, visiting: frozenset[str]) -> list[str]:
        found: list[str] = []
        for member in lists[address].members:
            if member in lists and member not in visiting:
                found += expand(member, visiting | {member})
            elif member not in lists:
                found.append(member)
        return found

    return {
        address: replace(
            desired, members=tuple(dict.fromkeys(expand(address, frozenset([address]))))
        )
        for address, desired in lists.items()
    }


def planned_domains(snapshot: DirectorySnapshot) -> list[str]:
    """Destination domains of the people and groups read from the directory."""
    addresses = [p.address for p in snapshot.people]
    addresses += [g.address for g in snapshot.groups if g.address]
    return sorted({address.rpartition("@")[2] for address in addresses})


def _missing_attributes(
    change: ModifyDomain, current: dict[str, list[str]]
) -> ModifyDomain | None:
    """The part of a domain change that is not already in place (None when all of it is)."""
    wanted: dict[str, list[str]] = {}
    for name, value in change.attributes:
        wanted.setdefault(name, []).append(value)
    differs = any(
        sorted(current.get(name, [])) != sorted(values) for name, values in wanted.items()
    )
    secret_differs = any((current.get(name) or [""])[0] != value for name, value in change.secrets)
    if not differs and not secret_differs:
        return None
    return change


def _random_password(length: int = 20) -> str:
    """A password with every character class, so any COS policy's minimums are met."""
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "!#%+-=@_")
    chosen = [secrets.choice(chars) for chars in classes]
    alphabet = "".join(classes)
    chosen += [secrets.choice(alphabet) for _ in range(length - len(chosen))]
    secrets.SystemRandom().shuffle(chosen)
    return "".join(chosen)
