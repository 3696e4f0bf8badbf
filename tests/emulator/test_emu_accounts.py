"""Accounts and aliases (reference 3.5): creation rules, harvest defence, hooks."""

from __future__ import annotations

import pytest

from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import DOMAIN, Soap, attrs_of, body, create_account, fault


def test_create_account_lower_cases_and_returns_the_entry(
    emu: CarbonioEmulator, soap: Soap
) -> None:
    response = soap.json(
        "CreateAccountRequest",
        {
            "name": " JDoe@Example.COM ",
            "password": "Secret-1",
            "a": [
                {"n": "displayName", "_content": "John Doe"},
                {"n": "givenName", "_content": ""},
            ],
        },
    )

    account = body(response, "CreateAccountResponse")["account"][0]
    attrs = attrs_of(account)
    assert account["name"] == "jdoe@example.com"
    assert attrs["displayName"] == ["John Doe"]
    assert "givenName" not in attrs
    assert attrs["zimbraMailQuota"] == ["0"]
    assert emu.accounts() == sorted(
        ["admin@example.com", "helpdesk@example.com", "jdoe@example.com"]
    )


def test_create_account_runs_the_hook_with_the_password_or_none(
    emu: CarbonioEmulator, soap: Soap
) -> None:
    created: list[tuple[str, str | None]] = []
    emu.on_account_created = lambda address, password: created.append((address, password))

    create_account(soap, f"A@{DOMAIN}", "Secret-1")
    create_account(soap, f"b@{DOMAIN}")

    assert created == [(f"a@{DOMAIN}", "Secret-1"), (f"b@{DOMAIN}", None)]


@pytest.mark.parametrize("holder", ["account", "alias", "list"])
def test_an_address_held_by_anything_is_account_exists(
    emu: CarbonioEmulator, soap: Soap, holder: str
) -> None:
    address = f"taken@{DOMAIN}"
    if holder == "account":
        emu.add_account(address)
    elif holder == "alias":
        emu.add_account(f"owner@{DOMAIN}")
        emu.add_alias(f"owner@{DOMAIN}", address)
    else:
        emu.add_list(address)

    response = soap.json("CreateAccountRequest", {"name": address.upper()})

    assert fault(response)[:2] == (
        "account.ACCOUNT_EXISTS",
        f"email address already exists: {address}, at DN: uid=taken,ou=people,dc=example,dc=com",
    )


def test_password_below_the_cos_minimum(soap: Soap) -> None:
    response = soap.json("CreateAccountRequest", {"name": f"x@{DOMAIN}", "password": "abc"})

    assert fault(response)[:2] == ("account.INVALID_PASSWORD", "invalid password: too short")


def test_password_policy_of_the_domain_default_cos(emu: CarbonioEmulator, soap: Soap) -> None:
    cos_id = emu.add_cos("strict", zimbraPasswordMinUpperCaseChars="1")
    emu.set_domain_attr(DOMAIN, "zimbraDomainDefaultCOSId", cos_id)

    response = soap.json("CreateAccountRequest", {"name": f"x@{DOMAIN}", "password": "lowercase"})

    assert fault(response)[:2] == (
        "account.INVALID_PASSWORD",
        "invalid password: not enough upper case characters",
    )


def test_unknown_domain(soap: Soap) -> None:
    response = soap.json("CreateAccountRequest", {"name": "x@nope.org"})

    assert fault(response)[:2] == ("account.NO_SUCH_DOMAIN", "no such domain: nope.org")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("nodomain", "invalid request: must be valid email address: nodomain"),
        ("a@b@c.org", "invalid request: must be valid email address: a@b@c.org"),
        ("john doe@example.com", "invalid request: invalid email address"),
    ],
)
def test_invalid_addresses(soap: Soap, name: str, reason: str) -> None:
    response = soap.json("CreateAccountRequest", {"name": name})

    assert fault(response)[:2] == ("service.INVALID_REQUEST", reason)


def test_unknown_cos_id(soap: Soap) -> None:
    content = {"name": f"x@{DOMAIN}", "a": [{"n": "zimbraCOSId", "_content": "nope"}]}

    assert fault(soap.json("CreateAccountRequest", content))[0] == "account.NO_SUCH_COS"


def test_get_account_by_name_alias_and_id(emu: CarbonioEmulator, soap: Soap) -> None:
    account_id = create_account(soap, f"jdoe@{DOMAIN}")
    emu.add_alias(f"jdoe@{DOMAIN}", f"john@{DOMAIN}")

    names = []
    for by, key in (("name", f"jdoe@{DOMAIN}"), ("name", f"john@{DOMAIN}"), ("id", account_id)):
        response = soap.json("GetAccountRequest", {"account": {"by": by, "_content": key}})
        names.append(body(response, "GetAccountResponse")["account"][0]["name"])

    assert names == [f"jdoe@{DOMAIN}"] * 3


def test_get_account_apply_cos_and_attrs(soap: Soap) -> None:
    create_account(soap, f"jdoe@{DOMAIN}")
    selector = {"by": "name", "_content": f"jdoe@{DOMAIN}"}

    filtered = soap.json(
        "GetAccountRequest", {"account": selector, "attrs": "zimbraId,zimbraMailQuota"}
    )
    own = soap.json("GetAccountRequest", {"account": selector, "applyCos": "0"})

    assert set(attrs_of(body(filtered, "GetAccountResponse")["account"][0])) == {
        "zimbraId",
        "zimbraMailQuota",
    }
    assert "zimbraMailQuota" not in attrs_of(body(own, "GetAccountResponse")["account"][0])


def test_get_missing_account_global_admin(soap: Soap) -> None:
    response = soap.json("GetAccountRequest", {"account": {"by": "name", "_content": "x@y.org"}})

    assert fault(response)[:2] == ("account.NO_SUCH_ACCOUNT", "no such account: x@y.org")


def test_get_missing_account_delegated_admin_is_harvest_defence(delegated: Soap) -> None:
    response = delegated.json(
        "GetAccountRequest", {"account": {"by": "name", "_content": "x@y.org"}}
    )

    assert fault(response)[:2] == (
        "service.PERM_DENIED",
        "permission denied: can not access account x@y.org",
    )


def test_get_account_without_selector(soap: Soap) -> None:
    assert fault(soap.json("GetAccountRequest"))[0] == "service.INVALID_REQUEST"


def test_modify_account(soap: Soap) -> None:
    account_id = create_account(soap, f"jdoe@{DOMAIN}")

    response = soap.json(
        "ModifyAccountRequest",
        {"id": account_id, "a": [{"n": "zimbraPrefLocale", "_content": "de"}]},
    )

    assert attrs_of(body(response, "ModifyAccountResponse")["account"][0])["zimbraPrefLocale"] == [
        "de"
    ]


def test_modify_missing_account(soap: Soap) -> None:
    response = soap.json("ModifyAccountRequest", {"id": "nope", "a": []})

    assert fault(response)[:2] == ("account.NO_SUCH_ACCOUNT", "no such account: nope")


def test_add_alias_then_the_address_is_taken(emu: CarbonioEmulator, soap: Soap) -> None:
    account_id = create_account(soap, f"jdoe@{DOMAIN}")

    added = soap.json("AddAccountAliasRequest", {"id": account_id, "alias": f"John@{DOMAIN}"})
    again = soap.json("AddAccountAliasRequest", {"id": account_id, "alias": f"john@{DOMAIN}"})

    assert added.status_code == 200
    assert emu.aliases() == [f"john@{DOMAIN}"]
    assert fault(again)[0] == "account.ACCOUNT_EXISTS"


def test_add_alias_in_unknown_domain(soap: Soap) -> None:
    account_id = create_account(soap, f"jdoe@{DOMAIN}")

    response = soap.json("AddAccountAliasRequest", {"id": account_id, "alias": "j@nope.org"})

    assert fault(response)[0] == "account.NO_SUCH_DOMAIN"


def test_delete_account_runs_the_hook(emu: CarbonioEmulator, soap: Soap) -> None:
    deleted: list[str] = []
    emu.on_account_deleted = deleted.append
    account_id = create_account(soap, f"jdoe@{DOMAIN}")

    response = soap.json("DeleteAccountRequest", {"id": account_id})

    assert response.status_code == 200
    assert deleted == [f"jdoe@{DOMAIN}"]
    assert emu.account(f"jdoe@{DOMAIN}") is None
