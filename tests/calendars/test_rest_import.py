"""The REST import client against the emulator: both ways in, renewed tokens, refusals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carbonio_migrate.carbonio.rest import RestClient, RestError
from carbonio_migrate.carbonio.soap import AdminClient
from carbonio_migrate.config import RestAuthMode
from lab.emulator import CarbonioEmulator

ADMIN, PASSWORD = "admin@example.io", "Admin-pass1"
EVENT = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:e1@t\r\n"
    b"DTSTAMP:20240101T000000Z\r\nDTSTART:20240102T100000Z\r\nSUMMARY:Hi\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


@pytest.fixture()
def emulator() -> Iterator[CarbonioEmulator]:
    with CarbonioEmulator() as started:
        started.add_domain("example.io")
        started.add_admin(ADMIN, PASSWORD)
        started.add_account("jdoe@example.io")
        yield started


@pytest.fixture()
def admin(emulator: CarbonioEmulator) -> Iterator[AdminClient]:
    with AdminClient(emulator.admin_url, user=ADMIN, password=PASSWORD) as client:
        yield client


@pytest.mark.parametrize(
    ("auth", "port"),
    [
        (RestAuthMode.ADMIN, "admin_url"),
        (RestAuthMode.ADMIN, "proxy_admin_url"),
        (RestAuthMode.DELEGATED, "admin_url"),
        (RestAuthMode.DELEGATED, "user_url"),
    ],
)
def test_an_import_arrives_whichever_token_and_port(
    emulator: CarbonioEmulator, admin: AdminClient, auth: RestAuthMode, port: str
) -> None:
    with RestClient(getattr(emulator, port), admin, auth=auth) as rest:
        rest.post("jdoe@example.io", "Calendar", "fmt=ics", EVENT, "text/calendar")

    assert [a["uid"] for a in emulator.store.appointments("jdoe@example.io")] == ["e1@t"]


def test_a_delegated_token_is_asked_once_per_account(
    emulator: CarbonioEmulator, admin: AdminClient
) -> None:
    emulator.reset_calls()
    with RestClient(emulator.user_url, admin, auth=RestAuthMode.DELEGATED) as rest:
        for _ in range(3):
            rest.post("jdoe@example.io", "Calendar", "fmt=ics", EVENT, "text/calendar")

    assert emulator.calls["DelegateAuthRequest"] == 1
    assert emulator.rest_imports[("jdoe@example.io", "ics")] == 3


def test_an_expired_admin_token_is_renewed(emulator: CarbonioEmulator, admin: AdminClient) -> None:
    with RestClient(emulator.admin_url, admin) as rest:
        rest.post("jdoe@example.io", "Calendar", "fmt=ics", EVENT, "text/calendar")
        emulator.expire_token()
        rest.post("jdoe@example.io", "Calendar", "fmt=ics", EVENT, "text/calendar")

    assert emulator.rest_imports[("jdoe@example.io", "ics")] == 2


def test_a_refusal_names_the_account_and_carries_the_server_message(
    emulator: CarbonioEmulator, admin: AdminClient
) -> None:
    with RestClient(emulator.admin_url, admin) as rest, pytest.raises(RestError) as caught:
        rest.post("jdoe@example.io", "Contacts", "fmt=csv", b'firstName\r\n"open', "text/csv")

    assert caught.value.account == "jdoe@example.io"
    assert caught.value.status == 400
    assert "Could not parse csv file" in str(caught.value)
    assert caught.value.nothing_stored


def test_an_unknown_account_is_refused(emulator: CarbonioEmulator, admin: AdminClient) -> None:
    with RestClient(emulator.admin_url, admin) as rest, pytest.raises(RestError) as caught:
        rest.post("nobody@example.io", "Calendar", "fmt=ics", EVENT, "text/calendar")

    assert caught.value.status in (401, 404)
    assert str(caught.value).startswith("nobody@example.io: REST import failed")


def test_an_unreachable_server_is_an_error_without_status(admin: AdminClient) -> None:
    with RestClient("http://127.0.0.1:9", admin) as rest, pytest.raises(RestError) as caught:
        rest.post("jdoe@example.io", "Calendar", "fmt=ics", EVENT, "text/calendar")

    assert caught.value.status == 0
    assert not caught.value.nothing_stored
