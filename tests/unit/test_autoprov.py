"""Auto-provisioning: Carbonio's placeholder expansion and the settings derived from ours."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from carbonio_migrate.config import parse_settings
from carbonio_migrate.config_template import render_template
from carbonio_migrate.provision.autoprov import domain_settings, expand, search_filter


@pytest.mark.parametrize(
    ("template", "name", "expected"),
    [
        ("uid=%u,ou=people,%D", "jdoe@example.com", "uid=jdoe,ou=people,dc=example,dc=com"),
        (
            "(&(mail=%u@%d)(objectClass=person))",
            "jdoe@example.com",
            "(&(mail=jdoe@example.com)(objectClass=person))",
        ),
        ("(sAMAccountName=%u)", "*", "(sAMAccountName=*)"),
        ("(mail=%n)", "*", "(mail=*)"),
        ("(mail=%u@%d)", "*", "(mail=*@d)"),  # %d is not defined without an @
        ("(cn=%x%%)", "a@b.c", "(cn=x%)"),
        ("%n", "anything", "anything"),
        ("", "anything", "anything"),
    ],
)
def test_placeholder_expansion_follows_carbonio(template: str, name: str, expected: str) -> None:
    assert expand(template, name) == expected


def settings_for(tmp_path: Path, preset: str, **directory: object):  # type: ignore[no-untyped-def]
    raw = tomllib.loads(render_template(preset))  # type: ignore[arg-type]
    raw["source"]["directory"].update(directory)
    raw["mapping"] = {"domains": {"old.example.com": "example.com"}}
    return parse_settings(raw, origin=tmp_path / "migration.toml")


def test_the_eager_filter_keeps_enabled_people_with_mail_in_the_domain(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "ad")

    template = search_filter(settings, "example.com")

    assert template == (
        "(&(&(objectCategory=person)(objectClass=user))"
        "(|(mail=*@example.com)(mail=*@old.example.com))"
        "(!(userAccountControl:1.2.840.113556.1.4.803:=2))"
        "(sAMAccountName=%u))"
    )
    assert expand(template, "*").endswith("(sAMAccountName=*))")


def test_domain_settings_put_every_attribute_mapping_in_one_change(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "openldap")

    change = domain_settings(settings, "example.com", "bind-secret")

    attributes = dict(change.attributes)
    maps = [value for name, value in change.attributes if name == "zimbraAutoProvAttrMap"]
    assert attributes["zimbraAutoProvMode"] == "EAGER"
    assert attributes["zimbraAutoProvAccountNameMap"] == "uid"
    assert "givenName=givenName" in maps and "o=company" in maps
    assert all("=" in m and m.count("=") == 1 for m in maps)
    assert "bind-secret" not in str(change.commands())
    assert ("zimbraAutoProvLdapAdminBindPassword", "bind-secret") in change.secrets
