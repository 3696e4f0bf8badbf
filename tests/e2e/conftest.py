"""The lab, started once per test session for the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.lab import Lab


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The whole lab with the sample organisation; tests that break it must repair it."""
    with Lab(tmp_path_factory.mktemp("lab")) as started:
        yield started
