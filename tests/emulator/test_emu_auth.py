"""AuthRequest, tokens and DelegateAuthRequest (reference 3.3)."""

from __future__ import annotations

from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import (
    ADMIN,
    ADMIN_PASSWORD,
    DOMAIN,
    Soap,
    body,
    create_account,
    fault,
)


def test_auth_returns_token_lifetime_and_admin_cookie(emu: CarbonioEmulator) -> None:
    client = Soap(emu.admin_url)
    response = client.json("AuthRequest", {"name": ADMIN, "password": ADMIN_PASSWORD}, token=None)

    answer = body(response, "AuthResponse")
    token = answer["authToken"][0]["_content"]
    assert isinstance(answer["lifetime"], int)
    assert 12 * 3600 * 1000 - 60_000 < answer["lifetime"] <= 12 * 3600 * 1000
    assert response.headers["set-cookie"].startswith(f"ZM_ADMIN_AUTH_TOKEN={token};")


def test_auth_by_account_selector_in_xml(emu: CarbonioEmulator) -> None:
    client = Soap(emu.admin_url)
    response = client.xml(
        "AuthRequest",
        f'<account by="name">{ADMIN}</account><password>{ADMIN_PASSWORD}</password>',
        token=None,
    )

    assert response.status_code == 200
    assert b"<authToken>0_" in response.content
    assert b"<lifetime>" in response.content


def test_wrong_password_is_auth_failed(emu: CarbonioEmulator) -> None:
    client = Soap(emu.admin_url)
    response = client.json("AuthRequest", {"name": ADMIN, "password": "nope"}, token=None)

    assert fault(response) == (
        "account.AUTH_FAILED",
        f"authentication failed for [{ADMIN}]",
        "soap:Sender",
    )


def test_unknown_account_is_auth_failed(emu: CarbonioEmulator) -> None:
    client = Soap(emu.admin_url)
    response = client.json(
        "AuthRequest", {"name": "ghost@example.com", "password": "x"}, token=None
    )

    assert fault(response)[:2] == (
        "account.AUTH_FAILED",
        "authentication failed for [ghost@example.com]",
    )


def test_non_admin_is_perm_denied(emu: CarbonioEmulator) -> None:
    emu.add_account(f"user@{DOMAIN}", "User-pass1")
    client = Soap(emu.admin_url)
    response = client.json(
        "AuthRequest", {"name": f"user@{DOMAIN}", "password": "User-pass1"}, token=None
    )

    assert fault(response)[:2] == (
        "service.PERM_DENIED",
        "permission denied: not an admin account",
    )


def test_token_alone_is_revalidated(soap: Soap) -> None:
    response = soap.json("AuthRequest", {"authToken": soap.token}, token=None)

    answer = body(response, "AuthResponse")
    assert answer["authToken"][0]["_content"] == soap.token
    assert answer["lifetime"] > 0


def test_missing_token_is_auth_required(soap: Soap) -> None:
    soap.http.cookies.clear()  # the login's Set-Cookie would authenticate otherwise

    response = soap.json("GetAllDomainsRequest", token=None)

    assert fault(response)[:2] == ("service.AUTH_REQUIRED", "no valid authtoken present")


def test_garbage_token_is_auth_required(soap: Soap) -> None:
    response = soap.json("GetAllDomainsRequest", token="0_not-a-token")

    assert fault(response)[0] == "service.AUTH_REQUIRED"


def test_expired_token_is_auth_expired(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.expire_token(soap.token)

    response = soap.json("GetAllDomainsRequest")

    assert fault(response)[:2] == ("service.AUTH_EXPIRED", "auth credentials have expired")


def test_token_lifetime_override_applies_to_new_tokens(emu: CarbonioEmulator) -> None:
    emu.token_lifetime_s = 0
    client = Soap(emu.admin_url)
    client.login()

    assert fault(client.json("GetAllDomainsRequest"))[0] == "service.AUTH_EXPIRED"


def test_user_token_on_an_admin_request_is_perm_denied(soap: Soap) -> None:
    create_account(soap, f"jdoe@{DOMAIN}")
    response = soap.json(
        "DelegateAuthRequest", {"account": {"by": "name", "_content": f"jdoe@{DOMAIN}"}}
    )
    user_token = body(response, "DelegateAuthResponse")["authToken"][0]["_content"]

    denied = soap.json("GetAllDomainsRequest", token=user_token)

    assert fault(denied)[:2] == (
        "service.PERM_DENIED",
        "permission denied: need adequate admin token",
    )


def test_delegate_auth_echoes_the_requested_duration(soap: Soap) -> None:
    create_account(soap, f"jdoe@{DOMAIN}")
    response = soap.json(
        "DelegateAuthRequest",
        {"duration": "600", "account": {"by": "name", "_content": f"jdoe@{DOMAIN}"}},
    )

    answer = body(response, "DelegateAuthResponse")
    assert answer["lifetime"] == 600_000
    assert answer["authToken"][0]["_content"].startswith("0_")


def test_delegate_auth_unknown_account(soap: Soap) -> None:
    response = soap.json(
        "DelegateAuthRequest", {"account": {"by": "name", "_content": "ghost@example.com"}}
    )

    assert fault(response)[:2] == (
        "account.NO_SUCH_ACCOUNT",
        "no such account: ghost@example.com",
    )


def test_delegate_auth_accepts_only_name_and_id(soap: Soap) -> None:
    response = soap.json(
        "DelegateAuthRequest", {"account": {"by": "adminName", "_content": ADMIN}}
    )

    code, reason, _ = fault(response)
    assert code == "service.INVALID_REQUEST"
    assert reason.startswith("invalid request: ")
