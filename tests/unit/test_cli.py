"""The command line: help everywhere, expected errors as plain messages, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonio_migrate.cli import app
from carbonio_migrate.errors import ExitCode
from tests.helpers import run_cli

COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str, tmp_path: Path) -> None:
    result = run_cli(command, "--help", cwd=tmp_path)

    assert result.returncode == 0
    assert "Example: carbonio-migrate" in result.stdout


def test_version(tmp_path: Path) -> None:
    result = run_cli("--version", cwd=tmp_path)

    assert result.returncode == 0
    assert result.stdout.startswith("carbonio-migrate ")


def test_init_writes_a_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = run_cli("init", "--preset", "ad", cwd=tmp_path)
    second = run_cli("init", cwd=tmp_path)

    assert first.returncode == 0
    assert 'kind = "active-directory"' in (tmp_path / "migration.toml").read_text()
    assert second.returncode == ExitCode.CONFIG_OR_CONNECTION
    assert "already exists" in second.stderr
    assert "Traceback" not in second.stderr


def test_a_broken_configuration_is_reported_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "migration.toml").write_text("[source]\nbogus = 1\n")

    result = run_cli("plan", cwd=tmp_path)

    assert result.returncode == ExitCode.CONFIG_OR_CONNECTION
    assert "source.bogus: unknown key" in result.stderr
    assert "destination: required key is missing" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_unreachable_servers_become_fail_lines(tmp_path: Path) -> None:
    run_cli("init", cwd=tmp_path)
    config = tmp_path / "migration.toml"
    text = config.read_text().replace("ldap.example.com:636", "127.0.0.1:9")
    config.write_text(text.replace('host = "imap.example.com"', 'host = "127.0.0.1"'))
    env_free = run_cli("check", cwd=tmp_path)

    assert env_free.returncode == ExitCode.NEEDS_ATTENTION
    assert "FAIL source directory" in env_free.stdout
    assert "SOURCE_LDAP_PASSWORD" in env_free.stdout
    assert "Traceback" not in env_free.stderr + env_free.stdout


def test_an_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("migrate-everything", cwd=tmp_path)

    assert result.returncode == ExitCode.CONFIG_OR_CONNECTION
    assert "No such command" in result.stderr
