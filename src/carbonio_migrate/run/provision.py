"""Phase 1 driver: read, plan, then show, write or apply the changes, and report."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from carbonio_migrate.carbonio.prov import CommandFile
from carbonio_migrate.carbonio.soap import AdminClient, attributes, entries
from carbonio_migrate.config import PasswordPolicy, Settings
from carbonio_migrate.directory.reader import read_directory
from carbonio_migrate.errors import ConfigError, InputError, SoapFault
from carbonio_migrate.provision import autoprov
from carbonio_migrate.provision.actions import Action, CreateAccount
from carbonio_migrate.provision.destination import DestinationState, IdCache, read_destination
from carbonio_migrate.provision.dl_csv import read_list_file
from carbonio_migrate.provision.planner import Planner, ProvisionPlan, planned_domains
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.state import PhaseStatus, StateStore

log = logging.getLogger(__name__)

PHASE = "provision"


@dataclass
class ProvisionResult:
    """What happened: the plan, which actions were applied, which failed and why."""

    plan: ProvisionPlan
    applied: list[Action] = field(default_factory=list)
    failed: list[tuple[Action, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        """Whether anything was left undone or reported."""
        return bool(self.plan.problems or self.failed)


def make_provision_plan(
    settings: Settings, connections: Connections, client: AdminClient, *, update: bool
) -> ProvisionPlan:
    """Read the directory, the list file and Carbonio; compute what is missing."""
    directory = settings.source.directory
    with connections.directory() as connection:
        snapshot = read_directory(settings, connection)

    rows, problems, origin = [], [], ""
    if settings.files.distribution_lists:
        found = read_list_file(settings.files.distribution_lists, settings.map_address)
        rows, problems, origin = found.lists, found.problems, str(found.path)

    compared = {name for person in snapshot.people for name in person.attributes}
    alias_domains = {a.rpartition("@")[2] for p in snapshot.people for a in p.aliases}
    state = read_destination(client, {*planned_domains(snapshot), *alias_domains}, compared)
    planner = Planner(settings, snapshot, state, update=update)
    planner.plan.problems += [InputError(p.dn, p.message) for p in snapshot.problems]
    planner.plan.problems += problems

    if settings.provision.autoprov:
        password = connections.password(directory, "source.directory")
        planner.plan_autoprov(password, server_attrs=_server_attributes(client, settings))
    if settings.provision.create_accounts:
        planner.plan_accounts()
    planner.plan_lists(planner.desired_lists(rows, origin))
    return planner.plan


def _server_attributes(client: AdminClient, settings: Settings) -> dict[str, list[str]] | None:
    server = settings.provision.server
    if server is None:
        return None
    try:
        response = client.call("GetServerRequest", {"server": {"by": "name", "_content": server}})
    except SoapFault as fault:
        raise ConfigError(
            f"provision.server: Carbonio has no server {server!r} ({fault.code})",
            problems=["set provision.server to a mailbox server's name, as in the Admin Panel"],
        ) from None
    return attributes(entries(response, "server")[0])


def apply_plan(
    plan: ProvisionPlan, client: AdminClient, state: StateStore, settings: Settings
) -> ProvisionResult:
    """Apply every action through the admin API; a refused one is recorded and skipped."""
    result = ProvisionResult(plan)
    ids = IdCache(client, DestinationState())
    passwords_file = settings.provision.passwords_file
    for action in plan.actions:
        try:
            action.apply(client, ids)
        except SoapFault as fault:
            result.failed.append((action, f"{fault.code} ({fault.reason})"))
            log.warning(
                "%s: refused by Carbonio: %s (%s)", action.describe(), fault.code, fault.reason
            )
            state.log("error", PHASE, f"{action.describe()}: {fault.code} {fault.reason}")
            continue
        result.applied.append(action)
        log.info("%s", action.describe())
        if isinstance(action, CreateAccount):
            state.account_id(action.address)
            state.set_phase(action.address, PHASE, PhaseStatus.DONE)
            if action.password:
                _record_password(passwords_file, action.address, action.password)
    if any(isinstance(a, CreateAccount) and a.password for a in result.applied):
        result.notices.append(f"The new accounts' passwords are in {passwords_file} (mode 0600).")
    return result


def _record_password(path: Path, address: str, password: str) -> None:
    """Append one account's password to a file only its owner can read."""
    path.touch(mode=0o600)
    path.chmod(0o600)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(f"{address}\t{password}\n")


def write_plan(plan: ProvisionPlan, path: Path, settings: Settings) -> ProvisionResult:
    """Write the actions as a ``carbonio prov -f`` file; secrets are left out and said so."""
    if settings.provision.password_policy == PasswordPolicy.RANDOM and plan.passwords:
        raise ConfigError(
            'password_policy = "random" cannot be used with --write-commands',
            problems=[
                'passwords never go into command files: apply live, or use "none" or '
                '"external" and set passwords on Carbonio'
            ],
        )
    result = ProvisionResult(plan)
    with CommandFile.create(path) as commands:
        for action in plan.actions:
            for command in action.commands():
                commands.add(*command)
            secrets = getattr(action, "secrets", ())
            if secrets:
                names = ", ".join(name for name, _ in secrets)
                domain = getattr(action, "domain", "")
                result.notices.append(
                    f"{names} of {domain} is not in {path}: set it on the node with "
                    f"carbonio prov md {domain} {secrets[0][0]} '...' (typed, not stored)"
                )
    result.notices.append(f"Wrote {path}: run it as zextras with: carbonio prov -f {path.name}")
    return result


def preview_autoprov(settings: Settings, connections: Connections) -> list[autoprov.Preview]:
    """What EAGER auto-provisioning would do in each destination domain."""
    with connections.directory() as connection:
        snapshot = read_directory(settings, connection)
        domains = sorted({p.address.rpartition("@")[2] for p in snapshot.people})
        return [autoprov.preview(settings, connection, domain) for domain in domains]
