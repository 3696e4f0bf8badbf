"""Reading directory entries: addresses, aliases and AD's proxyAddresses."""

from __future__ import annotations

from carbonio_migrate.directory.reader import _mail_addresses


def test_the_upper_case_smtp_proxy_address_is_the_primary() -> None:
    attrs = {
        "mail": ["Jane.Doe@corp.example.com"],
        "proxyAddresses": [
            "smtp:jd@corp.example.com",
            "SMTP:jane@example.com",
            "X500:/o=Org/cn=jane",
            "sip:jane@example.com",
        ],
    }

    mails = _mail_addresses(attrs, "mail")

    assert mails == ["jane@example.com", "jane.doe@corp.example.com", "jd@corp.example.com"]


def test_values_without_at_sign_are_ignored_and_duplicates_folded() -> None:
    attrs = {"mail": ["a@example.com", "not-an-address", "A@Example.com"]}

    assert _mail_addresses(attrs, "mail") == ["a@example.com"]
