"""Choosing the accounts of a mail run: from the state store when it knows them all."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from carbonio_migrate.config import parse_settings
from carbonio_migrate.config_template import render_template
from carbonio_migrate.directory.connection import DirectoryConnection
from carbonio_migrate.run.connect import Connections
from carbonio_migrate.run.mail_work import MailAccount, resolve_accounts
from carbonio_migrate.state import PhaseStatus, StateStore


class DirectoryRead(Exception):
    """Raised instead of reaching a directory server."""


class NoDirectory(Connections):
    """Connections whose directory must not be needed."""

    def directory(self) -> DirectoryConnection:
        raise DirectoryRead


@pytest.fixture
def store(tmp_path: Path) -> StateStore:
    store = StateStore.open(f"sqlite:///{tmp_path}/state.sqlite")
    store.account_id("ann@example.com", source_address="ann@old.example.com")
    store.set_phase("ann@example.com", "mail", PhaseStatus.DONE)
    store.account_id("bob@example.com", source_address="bob@old.example.com")
    store.set_phase("bob@example.com", "contacts", PhaseStatus.DONE)
    return store


@pytest.fixture
def connections(tmp_path: Path) -> Connections:
    raw = tomllib.loads(render_template("openldap"))  # type: ignore[arg-type]
    return NoDirectory(parse_settings(raw, origin=tmp_path / "migration.toml"))


def test_accounts_an_earlier_mail_run_knew_need_no_directory(
    store: StateStore, connections: Connections
) -> None:
    found = resolve_accounts(
        connections.settings, connections, ["ANN@old.example.com", "ann@example.com"], store
    )

    assert found == [MailAccount("ann@example.com", "ann@old.example.com")]


@pytest.mark.parametrize(
    "names",
    [
        (),  # every account: new people are only in the directory
        ("ann@example.com", "bob@example.com"),  # bob never went through the mail phase
        ("carol@example.com",),
    ],
)
def test_other_choices_read_the_directory(
    store: StateStore, connections: Connections, names: tuple[str, ...]
) -> None:
    with pytest.raises(DirectoryRead):
        resolve_accounts(connections.settings, connections, names, store)
