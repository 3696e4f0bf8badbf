"""The configuration keys of phases 2-2 and 2-3: [source.dav] and [imports]."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from carbonio_migrate.config import ContactFormatChoice, DavSettings, ImportSettings, RestAuthMode


def test_a_dav_url_without_placeholder_gets_the_account_folder() -> None:
    settings = DavSettings(url="https://dav.example.com/dav", user="admin")

    assert settings.url == "https://dav.example.com/dav/{account}/"
    assert DavSettings(url="https://d.example/{account}/cal/", user="a").url.endswith("/cal/")


@pytest.mark.parametrize(
    "values",
    [
        {"url": "https://d.example/"},  # neither an administrator nor per-user passwords
        {"url": "https://d.example/", "user": "a", "user_passwords_file": Path("p")},
        {"url": "ftp://d.example/", "user": "a"},
        {"url": "https://d.example/", "user": "a", "password": "secret"},
    ],
)
def test_dav_settings_that_are_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DavSettings.model_validate(values)


def test_import_defaults_and_choices() -> None:
    defaults = ImportSettings()

    assert defaults.auth == RestAuthMode.ADMIN
    assert defaults.contact_format == ContactFormatChoice.CARBONIO_CSV
    assert defaults.csvlocale == "en_US"
    assert ImportSettings(contact_format="vcard").contact_format == ContactFormatChoice.VCARD
    with pytest.raises(ValidationError):
        ImportSettings(csvlocale="en-US; drop")
    with pytest.raises(ValidationError):
        ImportSettings(contact_format="outlook")  # type: ignore[arg-type]
