"""migration.toml validation: every problem reported at once, each with its key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from carbonio_migrate.config import load_settings, parse_settings
from carbonio_migrate.config_template import render_template
from carbonio_migrate.errors import ConfigError


@pytest.mark.parametrize("preset", ["openldap", "ad"])
def test_the_init_template_is_a_valid_configuration(preset: str, tmp_path: Path) -> None:
    path = tmp_path / "migration.toml"
    path.write_text(render_template(preset), encoding="utf-8")  # type: ignore[arg-type]

    settings = load_settings(path)

    expected_kind = "active-directory" if preset == "ad" else "openldap"
    assert settings.source.directory.kind == expected_kind
    assert settings.base_dir == tmp_path
    assert settings.state_url == f"sqlite:///{tmp_path}/migration-state.sqlite"


def _valid() -> dict:
    return tomllib.loads(render_template("openldap"))


def test_three_mistakes_are_all_reported_with_their_keys(tmp_path: Path) -> None:
    raw = _valid()
    raw["source"]["imap"]["prot"] = 993  # misspelt key
    raw["source"]["directory"]["url"] = "http://ldap.example.com"  # wrong scheme
    del raw["destination"]["admin_user"]  # missing key

    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, origin=tmp_path / "migration.toml")

    problems = caught.value.problems
    assert len(problems) == 3
    assert any(
        p.startswith("source.imap.prot: unknown key; did you mean 'port'?") for p in problems
    )
    assert any(p.startswith("source.directory.url: must start with ldap://") for p in problems)
    assert any(p == "destination.admin_user: required key is missing" for p in problems)


def test_a_plain_password_is_refused_with_the_alternative(tmp_path: Path) -> None:
    raw = _valid()
    raw["destination"]["password"] = "S3cret"

    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, origin=tmp_path / "migration.toml")

    (problem,) = caught.value.problems
    assert problem.startswith("destination.password: plain passwords are not accepted")
    assert "S3cret" not in str(caught.value)


def test_relative_paths_are_taken_from_the_configuration_folder(tmp_path: Path) -> None:
    raw = _valid()
    raw["files"] = {"calendars": "exports/cal", "distribution_lists": "/abs/dl.csv"}
    raw["source"]["imap"]["ca_file"] = "ca.pem"

    settings = parse_settings(raw, origin=tmp_path / "sub" / "migration.toml")

    assert settings.files.calendars == tmp_path / "sub" / "exports" / "cal"
    assert settings.files.distribution_lists == Path("/abs/dl.csv")
    assert settings.source.imap.ca_file == tmp_path / "sub" / "ca.pem"


def test_domain_renames_apply_to_addresses(tmp_path: Path) -> None:
    raw = _valid()
    raw["mapping"] = {"domains": {"Old.Example.com": "example.com"}}

    settings = parse_settings(raw, origin=tmp_path / "migration.toml")

    assert settings.map_address("Jane.Doe@OLD.example.com") == "jane.doe@example.com"
    assert settings.map_address("bob@other.org") == "bob@other.org"


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "migration.toml"
    path.write_text("[source\nurl = 1\n", encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings(path)

    assert "line 1" in str(caught.value)


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.toml")

    assert "carbonio-migrate init" in str(caught.value)


def test_ldaps_url_with_starttls_is_inconsistent(tmp_path: Path) -> None:
    raw = _valid()
    raw["source"]["directory"]["tls"] = "starttls"

    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, origin=tmp_path / "migration.toml")

    assert caught.value.problems == ['source.directory: an ldaps:// url needs tls = "ldaps"']
