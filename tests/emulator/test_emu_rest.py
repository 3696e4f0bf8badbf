"""REST import: URLs, authentication, status codes, ICS and vCard (reference 4.1-4.6, 4.8)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import DOMAIN, Soap, body, post

USER = f"jdoe@{DOMAIN}"
USER_PASSWORD = "User-pass1"
CSV = b"firstName,lastName,email\nJohn,Doe,john@x.org\n"


@pytest.fixture
def user(emu: CarbonioEmulator) -> str:
    """A mailbox account with a password."""
    emu.add_account(USER, USER_PASSWORD)
    return USER


@pytest.fixture
def user_token(soap: Soap, user: str) -> str:
    """A delegated user token for the account."""
    response = soap.json("DelegateAuthRequest", {"account": {"by": "name", "_content": user}})
    return str(body(response, "DelegateAuthResponse")["authToken"][0]["_content"])


def home(base: str, path: str, account: str = USER) -> str:
    """A REST URL."""
    return f"{base}/service/home/{account}/{path}"


def event(uid: str | None, summary: str, tzid: str | None = None, sequence: int = 0) -> str:
    """One VEVENT."""
    start = f"DTSTART;TZID={tzid}:20240105T100000" if tzid else "DTSTART:20240105T100000Z"
    lines = ["BEGIN:VEVENT"]
    lines += [f"UID:{uid}"] if uid else []
    lines += [f"SUMMARY:{summary}", start, f"SEQUENCE:{sequence}", "END:VEVENT"]
    return "\r\n".join(lines) + "\r\n"


def timezone(tzid: str) -> str:
    """A VTIMEZONE with a fixed offset."""
    return (
        f"BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
        "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )


def calendar(*components: str) -> str:
    """A VCALENDAR around components."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        + "".join(components)
        + ("END:VCALENDAR\r\n")
    )


@pytest.fixture
def admin_cookie(soap: Soap) -> dict[str, str]:
    """The admin token as the admin-port cookie."""
    assert soap.token is not None
    return {"Cookie": f"ZM_ADMIN_AUTH_TOKEN={soap.token}"}


@pytest.mark.usefixtures("user")
def test_success_is_200_with_an_empty_body(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    response = post(home(emu.admin_url, "Contacts?fmt=csv"), content=CSV, headers=admin_cookie)

    assert response.status_code == 200
    assert response.content == b""
    assert emu.contacts(USER) == [{"firstName": "John", "lastName": "Doe", "email": "john@x.org"}]
    assert emu.rest_imports[(USER, "csv")] == 1


def test_user_token_cookie_on_the_user_port(emu: CarbonioEmulator, user_token: str) -> None:
    response = post(
        home(emu.user_url, "Contacts?fmt=csv"),
        content=CSV,
        headers={"Cookie": f"ZM_AUTH_TOKEN={user_token}"},
    )

    assert response.status_code == 200
    assert len(emu.contacts(USER)) == 1


def test_query_token_and_tilde_account(emu: CarbonioEmulator, user_token: str) -> None:
    url = f"{emu.user_url}/service/home/~/Contacts"
    response = post(url, params={"fmt": "csv", "zauthtoken": user_token}, content=CSV)

    assert response.status_code == 200
    assert len(emu.contacts(USER)) == 1


@pytest.mark.usefixtures("user")
def test_basic_auth_with_the_users_own_credentials(emu: CarbonioEmulator) -> None:
    response = post(
        home(emu.user_url, "Contacts?fmt=csv"), content=CSV, auth=(USER, USER_PASSWORD)
    )

    assert response.status_code == 200


@pytest.mark.usefixtures("user")
def test_multipart_upload_uses_the_first_file_part(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    response = post(
        home(emu.admin_url, "Contacts?fmt=csv"),
        files={"upfile": ("file", CSV, "application/octet-stream")},
        headers=admin_cookie,
    )

    assert response.status_code == 200
    assert emu.contacts(USER)[0]["email"] == "john@x.org"


@pytest.mark.usefixtures("user")
def test_no_credentials_is_401_with_a_basic_challenge(emu: CarbonioEmulator) -> None:
    response = post(home(emu.user_url, "Contacts?fmt=csv"), content=CSV)

    assert response.status_code == 401
    assert response.headers["www-authenticate"].lower().startswith("basic")


@pytest.mark.usefixtures("user")
def test_bad_token_is_401_or_404_when_only_qp_is_allowed(emu: CarbonioEmulator) -> None:
    url = home(emu.user_url, "Contacts")
    default = post(url, params={"fmt": "csv", "zauthtoken": "0_bad"}, content=CSV)
    qp_only = post(url, params={"fmt": "csv", "zauthtoken": "0_bad", "auth": "qp"}, content=CSV)

    assert default.status_code == 401
    assert qp_only.status_code == 404


def test_expired_token_is_401(emu: CarbonioEmulator, user_token: str) -> None:
    emu.expire_token(user_token)

    response = post(
        home(emu.user_url, "Contacts?fmt=csv"),
        content=CSV,
        headers={"Cookie": f"ZM_AUTH_TOKEN={user_token}"},
    )

    assert response.status_code == 401


def test_another_users_token_is_refused(
    emu: CarbonioEmulator, soap: Soap, user_token: str
) -> None:
    emu.add_account(f"other@{DOMAIN}", "Other-pass1")

    cookie = post(
        home(emu.user_url, "Contacts?fmt=csv", f"other@{DOMAIN}"),
        content=CSV,
        headers={"Cookie": f"ZM_AUTH_TOKEN={user_token}"},
    )
    qp_only = post(
        home(emu.user_url, "Contacts", f"other@{DOMAIN}"),
        params={"fmt": "csv", "auth": "qp", "zauthtoken": user_token},
        content=CSV,
    )

    assert cookie.status_code == 401
    assert qp_only.status_code == 404
    assert emu.contacts(f"other@{DOMAIN}") == []


@pytest.mark.usefixtures("user")
def test_admin_cookie_is_not_read_on_the_user_port(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    response = post(home(emu.user_url, "Contacts?fmt=csv"), content=CSV, headers=admin_cookie)

    assert response.status_code == 401


@pytest.mark.usefixtures("user")
def test_missing_folder_rules(
    emu: CarbonioEmulator, admin_cookie: dict[str, str], soap: Soap
) -> None:
    cookie = post(home(emu.admin_url, "Kontakte?fmt=csv"), content=CSV, headers=admin_cookie)
    basic = post(home(emu.user_url, "Kontakte?fmt=csv"), content=CSV, auth=(USER, USER_PASSWORD))
    qp_only = post(
        home(emu.admin_url, "Kontakte"),
        params={"fmt": "csv", "auth": "qp", "zauthtoken": soap.token or ""},
        content=CSV,
    )

    assert cookie.status_code == 401
    assert basic.status_code == 404
    assert qp_only.status_code == 404


@pytest.mark.usefixtures("user")
def test_parent_folder_fallback_and_case_insensitive_names(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    fallback = post(
        home(emu.admin_url, "Contacts/Missing?fmt=csv"), content=CSV, headers=admin_cookie
    )
    lower = post(home(emu.admin_url, "contacts?fmt=csv"), content=CSV, headers=admin_cookie)

    assert fallback.status_code == lower.status_code == 200
    assert len(emu.contacts(USER, "Contacts")) == 2


@pytest.mark.usefixtures("user")
def test_subfolder_import(emu: CarbonioEmulator, admin_cookie: dict[str, str]) -> None:
    emu.create_folder(USER, "Contacts/Imported")

    response = post(
        home(emu.admin_url, "Contacts/Imported?fmt=csv"), content=CSV, headers=admin_cookie
    )

    assert response.status_code == 200
    assert len(emu.contacts(USER, "Contacts/Imported")) == 1
    assert emu.contacts(USER, "Contacts") == []


@pytest.mark.usefixtures("user")
def test_format_from_content_type_then_folder_view(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    by_type = post(
        home(emu.admin_url, "Contacts"),
        content=CSV,
        headers={**admin_cookie, "Content-Type": "text/csv; charset=utf-8"},
    )
    by_view = post(
        home(emu.admin_url, "Calendar"),
        content=calendar(event("u1", "Meeting")).encode(),
        headers={**admin_cookie, "Content-Type": "application/octet-stream"},
    )
    nothing = post(
        home(emu.admin_url, "Inbox"),
        content=CSV,
        headers={**admin_cookie, "Content-Type": "application/octet-stream"},
    )

    assert (by_type.status_code, by_view.status_code, nothing.status_code) == (200, 200, 400)
    assert emu.rest_imports[(USER, "ics")] == 1


@pytest.mark.usefixtures("user")
def test_referer_of_another_host_is_403(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    response = post(
        home(emu.admin_url, "Contacts?fmt=csv"),
        content=CSV,
        headers={**admin_cookie, "Referer": "https://evil.example.net/"},
    )

    assert response.status_code == 403


@pytest.mark.usefixtures("user")
def test_maintenance_account_refuses_everyone(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    account = emu.account(USER)
    assert account is not None
    account.attrs.set("zimbraAccountStatus", "maintenance")

    response = post(home(emu.admin_url, "Contacts?fmt=csv"), content=CSV, headers=admin_cookie)

    assert response.status_code == 401


@pytest.fixture
def ics_post(
    emu: CarbonioEmulator, admin_cookie: dict[str, str], user: str
) -> Callable[..., httpx.Response]:
    """A function POSTing an ICS text to the user's Calendar."""

    def send(text: str, **params: str) -> httpx.Response:
        return post(
            home(emu.admin_url, "Calendar"),
            params={"fmt": "ics", **params},
            content=text.encode(),
            headers=admin_cookie,
        )

    return send


def test_ics_same_uid_updates_and_missing_uid_gets_one(
    emu: CarbonioEmulator, ics_post: Callable[..., httpx.Response]
) -> None:
    send = ics_post
    first = send(calendar(event("uid-1", "Planning"), event(None, "No UID")))
    second = send(calendar(event("uid-1", "Planning (moved)", sequence=1)))

    items = {a["uid"]: a for a in emu.appointments(USER)}
    assert first.status_code == second.status_code == 200
    assert len(items) == 2
    assert items["uid-1"]["summary"] == "Planning (moved)"
    assert "SUMMARY:Planning (moved)" in items["uid-1"]["raw"]
    generated = [uid for uid in items if uid != "uid-1"]
    assert generated and items[generated[0]]["summary"] == "No UID"


def test_ics_several_vcalendars(
    emu: CarbonioEmulator, ics_post: Callable[..., httpx.Response]
) -> None:
    send = ics_post
    text = calendar(event("a", "A")) + calendar(event("b", "B"))

    assert send(text).status_code == 200
    assert sorted(a["uid"] for a in emu.appointments(USER)) == ["a", "b"]


def _padding(size: int) -> str:
    """Events that push the body over the full-parse limit."""
    return "".join(event(f"pad-{i}", "x" * 200) for i in range(size // 260 + 1))


def test_small_ics_may_define_timezones_after_use(
    emu: CarbonioEmulator, ics_post: Callable[..., httpx.Response]
) -> None:
    send = ics_post
    text = calendar(event("tz-user", "Local", tzid="Office Zone"), timezone("Office Zone"))

    assert send(text).status_code == 200
    assert [a["uid"] for a in emu.appointments(USER)] == ["tz-user"]


def test_large_ics_needs_timezones_first_unless_ignored(
    emu: CarbonioEmulator, ics_post: Callable[..., httpx.Response]
) -> None:
    send = ics_post
    text = calendar(
        event("before", "Fine"),
        event("tz-user", "Local", tzid="Office Zone"),
        _padding(140_000),
        timezone("Office Zone"),
    )
    assert len(text) > 131072

    failed = send(text)
    after_failure = {a["uid"] for a in emu.appointments(USER)}
    ignored = send(text, ignore="1")
    after_ignore = {a["uid"] for a in emu.appointments(USER)}

    assert failed.status_code == 500
    assert after_failure == {"before"}
    assert ignored.status_code == 200
    assert "tz-user" not in after_ignore
    assert "pad-0" in after_ignore


def test_ics_invalid_component_fails_or_is_skipped(
    emu: CarbonioEmulator, ics_post: Callable[..., httpx.Response]
) -> None:
    send = ics_post
    broken = event("bad", "Broken").replace("DTSTART:20240105T100000Z", "DTSTART:garbage")
    text = calendar(event("good", "Good"), broken, event("later", "Later"))

    assert send(text).status_code == 500
    assert send(text, ignore="1").status_code == 200
    assert {a["uid"] for a in emu.appointments(USER)} == {"good", "later"}


VCARDS = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:John Doe\r\nN:Doe;John;;;\r\n"
    "EMAIL;TYPE=INTERNET:john@x.org\r\nEMAIL:j2@x.org\r\nTEL;TYPE=CELL:+39 333\r\n"
    "ORG:Acme;Sales\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n"
)


@pytest.mark.usefixtures("user")
def test_vcard_every_card_is_a_new_contact(
    emu: CarbonioEmulator, admin_cookie: dict[str, str]
) -> None:
    url = home(emu.admin_url, "Contacts?fmt=vcf")
    headers = {**admin_cookie, "Content-Type": "text/vcard; charset=utf-8"}

    first = post(url, content=VCARDS.encode(), headers=headers)
    again = post(url, content=VCARDS.encode(), headers=headers)

    contacts = emu.contacts(USER)
    assert first.status_code == again.status_code == 200
    assert len(contacts) == 4
    assert contacts[0] == {
        "fullName": "John Doe",
        "lastName": "Doe",
        "firstName": "John",
        "email": "john@x.org",
        "email2": "j2@x.org",
        "mobilePhone": "+39 333",
        "company": "Acme",
        "department": "Sales",
    }


@pytest.mark.usefixtures("user")
def test_vcard_without_cards_is_400(emu: CarbonioEmulator, admin_cookie: dict[str, str]) -> None:
    response = post(home(emu.admin_url, "Contacts?fmt=vcf"), content=b"", headers=admin_cookie)

    assert response.status_code == 400
    assert b"no contact fields found in vcard" in response.content


@pytest.mark.usefixtures("user")
def test_create_folder_over_soap_for_another_account(emu: CarbonioEmulator, soap: Soap) -> None:
    envelope = {
        "Header": {
            "context": {
                "_jsns": "urn:zimbra",
                "authToken": soap.token,
                "account": {"by": "name", "_content": USER},
            }
        },
        "Body": {
            "CreateFolderRequest": {
                "_jsns": "urn:zimbraMail",
                "folder": {"name": "Imported", "l": "7", "view": "contact"},
            }
        },
    }

    created = soap.http.post(soap.url, json=envelope)
    again = soap.http.post(soap.url, json=envelope)

    folder = body(created, "CreateFolderResponse")["folder"][0]
    assert (folder["name"], folder["l"], folder["view"]) == ("Imported", "7", "contact")
    assert again.status_code == 422
    assert again.json()["Body"]["Fault"]["Detail"]["Error"]["Code"] == "mail.ALREADY_EXISTS"
    assert "Contacts/Imported" in emu.folders(USER)
