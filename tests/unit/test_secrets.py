"""Passwords: from the environment or a private file, and never in a log line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from carbonio_migrate import logs
from carbonio_migrate.config import Credentials
from carbonio_migrate.errors import SecretError
from carbonio_migrate.secrets import obtain_password


def test_password_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGRATE_TEST_PW", "from-env-1")

    password = obtain_password(Credentials(password_env="MIGRATE_TEST_PW"), key="source.imap")

    assert password == "from-env-1"


def test_unset_variable_names_key_and_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIGRATE_TEST_MISSING", raising=False)

    with pytest.raises(SecretError) as caught:
        obtain_password(Credentials(password_env="MIGRATE_TEST_MISSING"), key="destination")

    assert "destination.password_env" in str(caught.value)
    assert "MIGRATE_TEST_MISSING" in str(caught.value)


def test_private_file_is_read_without_its_newline(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("from-file-2\n")
    secret.chmod(0o600)

    assert obtain_password(Credentials(password_file=secret), key="k") == "from-file-2"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    secret = tmp_path / "pw"
    secret.write_text("leaky")
    secret.chmod(mode)

    with pytest.raises(SecretError) as caught:
        obtain_password(Credentials(password_file=secret), key="source.directory")

    assert f"chmod 600 {secret}" in str(caught.value)


def test_no_source_and_no_terminal_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)

    with pytest.raises(SecretError, match="no terminal"):
        obtain_password(Credentials(), key="destination.imap")


def test_obtained_passwords_are_redacted_from_logs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MIGRATE_TEST_PW", "hunter2-redact-me")
    obtain_password(Credentials(password_env="MIGRATE_TEST_PW"), key="k")
    logger = logging.getLogger("carbonio_migrate.test")
    logger.addFilter(logs.RedactingFilter())

    with caplog.at_level(logging.INFO, logger="carbonio_migrate.test"):
        logger.info("login with %s failed", "hunter2-redact-me")
        try:
            raise ValueError("bad hunter2-redact-me")
        except ValueError:
            logger.exception("boom")

    text = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "hunter2-redact-me" not in text
    assert "login with *** failed" in caplog.text
