"""Fixtures for every test."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_inherited_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see passwords the developer happens to have exported."""
    for name in list(os.environ):
        if name.endswith("_PASSWORD"):
            monkeypatch.delenv(name)
