"""Auto-provisioning: the domain settings that let Carbonio create accounts from the directory.

The same directory settings that carbonio-migrate reads become the domain's
``zimbraAutoProv*`` attributes, so EAGER mode finds exactly the people the direct path
creates: the filter keeps the enabled people whose mail is in that domain. ``preview`` runs
that filter against the real directory the way Carbonio's EAGER poll expands it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from carbonio_migrate.config import DirectoryKind, LdapTls, Settings
from carbonio_migrate.directory.connection import DirectoryConnection
from carbonio_migrate.directory.presets import effective
from carbonio_migrate.provision.actions import Attributes, ModifyDomain, ModifyServer

# Carbonio attributes an auto-provisioned account may receive from the directory.
ACCOUNT_ATTRIBUTES = (
    "givenName",
    "sn",
    "displayName",
    "telephoneNumber",
    "mobile",
    "title",
    "company",
    "department",
)


def source_domains(settings: Settings, destination_domain: str) -> list[str]:
    """The source domains whose people land in ``destination_domain``."""
    renamed = [old for old, new in settings.mapping.domains.items() if new == destination_domain]
    kept = [] if destination_domain in settings.mapping.domains else [destination_domain]
    return sorted({*renamed, *kept})


def search_filter(settings: Settings, destination_domain: str) -> str:
    """The EAGER/LAZY filter template for a domain: enabled people with mail there, by name.

    ``%u`` is the login name in LAZY mode and ``*`` in EAGER mode (Carbonio's expansion).
    """
    directory = settings.source.directory
    choices = effective(directory)
    name_attribute = choices.attributes.get("name", "uid")
    mail_attribute = choices.attributes.get("mail", "mail")
    mails = [
        f"({mail_attribute}=*@{domain})" for domain in source_domains(settings, destination_domain)
    ]
    mail_filter = mails[0] if len(mails) == 1 else f"(|{''.join(mails)})"
    parts = [choices.user_filter, mail_filter]
    if choices.disabled_filter and not directory.include_disabled:
        parts.append(f"(!{choices.disabled_filter})")
    parts.append(f"({name_attribute}=%u)")
    return f"(&{''.join(parts)})"


def domain_settings(
    settings: Settings, destination_domain: str, bind_password: str
) -> ModifyDomain:
    """The domain attributes of EAGER auto-provisioning from the configured directory."""
    directory = settings.source.directory
    choices = effective(directory)
    attributes: list[tuple[str, str]] = [
        ("zimbraAutoProvMode", "EAGER"),
        ("zimbraAutoProvLdapURL", directory.url),
        (
            "zimbraAutoProvLdapStartTlsEnabled",
            "TRUE" if directory.tls == LdapTls.STARTTLS else "FALSE",
        ),
        ("zimbraAutoProvLdapAdminBindDn", directory.bind_dn),
        ("zimbraAutoProvLdapSearchBase", directory.base_dn),
        ("zimbraAutoProvLdapSearchFilter", search_filter(settings, destination_domain)),
        ("zimbraAutoProvAccountNameMap", choices.attributes.get("name", "uid")),
    ]
    # A name repeated in one modify sets several values; Carbonio keeps only the last
    # of several separate modifies, which is the defect of the usual hand-typed recipe.
    for carbonio, source in sorted(choices.attributes.items()):
        if carbonio in ACCOUNT_ATTRIBUTES:
            attributes.append(("zimbraAutoProvAttrMap", f"{source}={carbonio}"))
    return ModifyDomain(
        destination_domain,
        tuple(attributes),
        secrets=(("zimbraAutoProvLdapAdminBindPassword", bind_password),),
    )


def external_auth_settings(
    settings: Settings, destination_domain: str, bind_password: str
) -> ModifyDomain:
    """Domain attributes that make users log in with their directory password."""
    directory = settings.source.directory
    choices = effective(directory)
    name_attribute = choices.attributes.get("name", "uid")
    mechanism = "ad" if directory.kind == DirectoryKind.ACTIVE_DIRECTORY else "ldap"
    attributes = (
        ("zimbraAuthMech", mechanism),
        ("zimbraAuthLdapURL", directory.url),
        (
            "zimbraAuthLdapStartTlsEnabled",
            "TRUE" if directory.tls == LdapTls.STARTTLS else "FALSE",
        ),
        ("zimbraAuthLdapSearchBase", directory.base_dn),
        ("zimbraAuthLdapSearchFilter", f"(&{choices.user_filter}({name_attribute}=%u))"),
        ("zimbraAuthLdapSearchBindDn", directory.bind_dn),
    )
    return ModifyDomain(
        destination_domain,
        attributes,
        secrets=(("zimbraAuthLdapSearchBindPassword", bind_password),),
    )


def schedule(server: str, domains: list[str], polling_interval: str) -> ModifyServer:
    """Put the domains on a server's EAGER schedule (after the domains have EAGER)."""
    attributes: Attributes = (
        ("zimbraAutoProvPollingInterval", polling_interval),
        *(("+zimbraAutoProvScheduledDomains", domain) for domain in domains),
    )
    return ModifyServer(server, attributes)


# -- what EAGER would do ----------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%(.)")


def expand(template: str, name: str) -> str:
    """Carbonio's placeholder expansion (LdapUtil.expandStr) of a filter or DN template.

    ``%n`` is the name, ``%u`` its part before ``@``; ``%d`` and ``%D`` exist only when the
    name has an ``@``; ``%%`` is ``%``; any other ``%x`` gives ``x``. Values are not escaped.
    """
    if template in ("", "%n"):
        return name
    local, at, domain = name.partition("@")
    values = {"n": name, "u": local}
    if at:
        values["d"] = domain
        values["D"] = ",".join(f"dc={part}" for part in domain.split("."))

    def substitute(match: re.Match[str]) -> str:
        letter = match.group(1)
        return "%" if letter == "%" else values.get(letter, letter)

    return _PLACEHOLDER.sub(substitute, template)


@dataclass(frozen=True)
class PreviewEntry:
    """An account EAGER would create, from one directory entry."""

    dn: str
    address: str
    attributes: dict[str, str]


@dataclass
class Preview:
    """EAGER's outcome for one domain: accounts it would create and entries it would not."""

    domain: str
    filter: str
    accounts: list[PreviewEntry] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (dn, reason)


def preview(
    settings: Settings, connection: DirectoryConnection, destination_domain: str
) -> Preview:
    """Run the domain's filter as EAGER expands it and map names as Carbonio would (1.4)."""
    directory = settings.source.directory
    choices = effective(directory)
    name_attribute = choices.attributes.get("name", "uid")
    template = search_filter(settings, destination_domain)
    query = expand(template, "*")
    result = Preview(destination_domain, query)

    mapped = {
        carbonio: source
        for carbonio, source in choices.attributes.items()
        if carbonio in ACCOUNT_ATTRIBUTES
    }
    seen: dict[str, str] = {}
    for entry in connection.search(directory.base_dn, query, [name_attribute, *mapped.values()]):
        dn, attrs = entry["dn"], entry["attributes"]
        address, reason = _account_name(attrs.get(name_attribute), destination_domain)
        if address is None:
            result.rejected.append((dn, reason))
        elif address in seen:
            result.rejected.append((dn, f"{address} is already the name of {seen[address]}"))
        else:
            seen[address] = dn
            values = {c: _first(attrs.get(s)) for c, s in mapped.items()}
            result.accounts.append(
                PreviewEntry(dn, address, {k: v for k, v in values.items() if v})
            )

    result.rejected += _missed(settings, connection)
    return result


def _account_name(value: object, domain: str) -> tuple[str | None, str]:
    """Carbonio's AutoProvision.mapName: the local part, and a domain check for full names."""
    name = _first(value)
    if not name:
        return None, "has no account name attribute (unable to get localPart)"
    local, at, suffix = name.partition("@")
    if at and suffix.strip().lower() != domain:
        return None, f"name {name} is outside the domain {domain}"
    return f"{local.strip().lower()}@{domain}", ""


def _missed(settings: Settings, connection: DirectoryConnection) -> list[tuple[str, str]]:
    """People the filter leaves out on purpose: no mail, or disabled."""
    directory = settings.source.directory
    choices = effective(directory)
    mail_attribute = choices.attributes.get("mail", "mail")
    missed = [
        (entry["dn"], "has no mail address")
        for entry in connection.search(
            directory.base_dn, f"(&{choices.user_filter}(!({mail_attribute}=*)))", []
        )
    ]
    if choices.disabled_filter and not directory.include_disabled:
        query = f"(&{choices.user_filter}{choices.disabled_filter})"
        missed += [
            (entry["dn"], "is disabled")
            for entry in connection.search(directory.base_dn, query, [])
        ]
    return missed


def _first(value: object) -> str | None:
    if isinstance(value, list | tuple):
        return str(value[0]) if value else None
    return None if value is None else str(value)
