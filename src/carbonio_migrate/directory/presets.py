"""What differs between Active Directory and OpenLDAP: filters, key attributes, ports."""

from __future__ import annotations

from dataclasses import dataclass, field

from carbonio_migrate.config import DirectoryKind, DirectorySettings

# The bit of userAccountControl that marks a disabled AD account, as an extensible match
# with the bitwise-AND matching rule (LDAP_MATCHING_RULE_BIT_AND).
AD_DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"


@dataclass(frozen=True)
class Preset:
    """Defaults for one kind of directory; the configuration may override each of them."""

    user_filter: str
    group_filter: str
    disabled_filter: str | None
    ports: tuple[int, ...]
    # Carbonio attribute -> directory attribute. ``name`` is the account name (local part).
    attributes: dict[str, str] = field(default_factory=dict)


OPENLDAP = Preset(
    user_filter="(objectClass=inetOrgPerson)",
    group_filter="(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    disabled_filter=None,
    ports=(389, 636),
    attributes={
        "name": "uid",
        "mail": "mail",
        "givenName": "givenName",
        "sn": "sn",
        "displayName": "displayName",
        "telephoneNumber": "telephoneNumber",
        "title": "title",
        "company": "o",
    },
)

ACTIVE_DIRECTORY = Preset(
    user_filter="(&(objectCategory=person)(objectClass=user))",
    group_filter="(objectClass=group)",
    disabled_filter=AD_DISABLED_FILTER,
    # 3268/3269 are the global catalog: forest-wide, but only a partial attribute set.
    ports=(389, 636, 3268, 3269),
    attributes={
        "name": "sAMAccountName",
        "mail": "mail",
        "givenName": "givenName",
        "sn": "sn",
        "displayName": "displayName",
        "telephoneNumber": "telephoneNumber",
        "mobile": "mobile",
        "title": "title",
        "company": "company",
        "department": "department",
    },
)


def preset_for(kind: DirectoryKind) -> Preset:
    """The preset of a directory kind."""
    return ACTIVE_DIRECTORY if kind == DirectoryKind.ACTIVE_DIRECTORY else OPENLDAP


@dataclass(frozen=True)
class EffectiveDirectory:
    """The directory settings with every default filled in from the preset."""

    user_filter: str
    group_filter: str
    disabled_filter: str | None
    attributes: dict[str, str]


def effective(settings: DirectorySettings) -> EffectiveDirectory:
    """Merge the configuration over the preset of its directory kind."""
    preset = preset_for(settings.kind)
    return EffectiveDirectory(
        user_filter=settings.user_filter or preset.user_filter,
        group_filter=settings.group_filter or preset.group_filter,
        disabled_filter=settings.disabled_filter or preset.disabled_filter,
        attributes={**preset.attributes, **settings.attributes},
    )
