"""A directory larger than the server's size limit is read completely, paged."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonio_migrate.config import parse_settings
from carbonio_migrate.config_template import render_template
from carbonio_migrate.directory.connection import DirectoryConnection
from carbonio_migrate.directory.reader import DirectorySnapshot, read_directory
from carbonio_migrate.errors import DirectoryError
from lab.certs import make_certificates
from lab.sample import make_organisation
from lab.slapd import Slapd

SYSTEM_CAS = Path("/etc/ssl/certs/ca-certificates.crt")


@pytest.fixture(scope="module")
def directory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Slapd, DirectorySnapshot]]:
    root = tmp_path_factory.mktemp("big-directory")
    slapd = Slapd(root, make_certificates(root / "tls"))
    slapd.start()
    try:
        organisation = make_organisation(people=2500, big_group_members=3000)
        slapd.add_ldif(organisation.to_ldif(slapd.base_dn))
        yield slapd, read_with_the_tool(slapd, root)
    finally:
        slapd.stop()


def read_with_the_tool(slapd: Slapd, root: Path, **overrides: str) -> DirectorySnapshot:
    raw = tomllib.loads(render_template("openldap"))
    raw["source"]["directory"].update(
        {
            "url": slapd.ldaps_url,
            "ca_file": str(slapd.certificates.ca_file),
            "bind_dn": slapd.reader_dn,  # the size limit of 500 applies to this account
            "base_dn": slapd.base_dn,
            "disabled_filter": "(shadowExpire=1)",
            **overrides,
        }
    )
    settings = parse_settings(raw, origin=root / "migration.toml")
    with DirectoryConnection(settings.source.directory, slapd.reader_password) as connection:
        return read_directory(settings, connection)


def test_every_person_is_read_despite_the_size_limit(
    directory: tuple[Slapd, DirectorySnapshot],
) -> None:
    slapd, snapshot = directory

    with_mail = slapd.count("(&(objectClass=inetOrgPerson)(mail=*))")
    disabled = slapd.count("(&(objectClass=inetOrgPerson)(shadowExpire=1))")

    assert with_mail > 2500 > slapd.size_limit
    assert len(snapshot.people) + len(snapshot.disabled) == with_mail
    assert len(snapshot.disabled) == disabled


def test_the_big_group_has_all_its_members(directory: tuple[Slapd, DirectorySnapshot]) -> None:
    slapd, snapshot = directory

    expected = slapd.values("(cn=big-list)", "member")

    (big,) = [group for group in snapshot.groups if group.name == "big-list"]
    assert len(expected) == 3000
    assert sorted(big.member_dns) == sorted(expected)


def test_starttls_is_verified_too(
    directory: tuple[Slapd, DirectorySnapshot], tmp_path: Path
) -> None:
    slapd, over_ldaps = directory

    over_starttls = read_with_the_tool(slapd, tmp_path, url=slapd.url, tls="starttls")

    assert len(over_starttls.people) == len(over_ldaps.people)
    with pytest.raises(DirectoryError, match="not trusted"):
        read_with_the_tool(slapd, tmp_path, url=slapd.url, tls="starttls", ca_file=str(SYSTEM_CAS))
