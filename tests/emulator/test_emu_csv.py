"""Contact CSV import and the contact formats (reference 4.7, 4.9)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from lab.emulator import CarbonioEmulator
from lab.emulator.csvformats import CsvParseError, parse_contacts
from tests.emulator.conftest import DOMAIN, Soap, body, post

USER = f"jdoe@{DOMAIN}"

THUNDERBIRD_HEADERS = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
    "Screen Name", "Work Phone", "Home Phone", "Fax Number", "Pager Number", "Mobile Number",
    "Home Address", "Home Address 2", "Home City", "Home State", "Home ZipCode", "Home Country",
    "Work Address", "Work Address 2", "Work City", "Work State", "Work ZipCode", "Work Country",
    "Job Title", "Department", "Organization", "Web Page 1", "Web Page 2", "Birth Year",
    "Birth Month", "Birth Day", "Custom 1", "Custom 2", "Custom 3", "Custom 4", "Notes",
]  # fmt: skip

EXPECTED_FIELDS = {
    "firstName": "First Name", "lastName": "Last Name", "fullName": "Display Name",
    "nickname": "Nickname", "email": "Primary Email", "email2": "Secondary Email",
    "aimId": "Screen Name", "workPhone": "Work Phone", "homePhone": "Home Phone",
    "workFax": "Fax Number", "pager": "Pager Number", "mobilePhone": "Mobile Number",
    "homeStreet": "Home Address\nHome Address 2", "homeCity": "Home City",
    "homeState": "Home State", "homePostalCode": "Home ZipCode", "homeCountry": "Home Country",
    "workStreet": "Work Address\nWork Address 2", "workCity": "Work City",
    "workState": "Work State", "workPostalCode": "Work ZipCode", "workCountry": "Work Country",
    "jobTitle": "Job Title", "department": "Department", "company": "Organization",
    "workURL": "Web Page 1", "homeURL": "Web Page 2", "birthday": "1980-05-17",
    "custom1": "Custom 1", "custom2": "Custom 2", "custom3": "Custom 3", "custom4": "Custom 4",
    "notes": "Notes",
}  # fmt: skip


def thunderbird_row() -> list[str]:
    """A row whose values name their header (the date parts are numbers)."""
    dates = {"Birth Year": "1980", "Birth Month": "5", "Birth Day": "17"}
    return [dates.get(h, h) for h in THUNDERBIRD_HEADERS]


def csv_text(headers: list[str], *rows: list[str]) -> bytes:
    """Quote every value, as the server's own export does."""
    lines = [",".join(f'"{v}"' for v in line) for line in (headers, *rows)]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def upload(emu: CarbonioEmulator, soap: Soap) -> Callable[..., httpx.Response]:
    """A function POSTing CSV to the user's Contacts with the admin cookie."""
    emu.add_account(USER, "User-pass1")
    cookie = {"Cookie": f"ZM_ADMIN_AUTH_TOKEN={soap.token}"}

    def send(data: bytes, **params: str) -> httpx.Response:
        url = f"{emu.admin_url}/service/home/{USER}/Contacts"
        return post(url, params={"fmt": "csv", **params}, content=data, headers=cookie)

    return send


def test_thunderbird_csv_maps_all_37_headers(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    data = csv_text(THUNDERBIRD_HEADERS, thunderbird_row())

    response = upload(data, csvfmt="thunderbird-csv")

    assert response.status_code == 200
    assert emu.contacts(USER) == [EXPECTED_FIELDS]


def test_header_matching_ignores_case_and_keeps_unknown_columns(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    data = csv_text(["primary email", "FIRST NAME", "Favourite Colour"], ["a@x.org", "Ann", "red"])

    upload(data, csvfmt="thunderbird-csv")

    assert emu.contacts(USER) == [
        {"email": "a@x.org", "firstName": "Ann", "Favourite Colour": "red"}
    ]


def test_german_headers_with_csvlocale(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    data = csv_text(
        [
            "Vorname",
            "Nachname",
            "Primäre E-Mail-Adresse",
            "Geburtsjahr",
            "Geburtsmonat",
            "Geburtstag",
        ],
        ["Jürgen", "Groß", "j@x.de", "1975", "12", "3"],
    )

    upload(data, csvfmt="thunderbird-csv", csvlocale="de")

    assert emu.contacts(USER) == [
        {"firstName": "Jürgen", "lastName": "Groß", "email": "j@x.de", "birthday": "1975-12-03"}
    ]


def test_the_authenticated_accounts_locale_selects_the_variant(emu: CarbonioEmulator) -> None:
    emu.add_account(USER, "User-pass1", zimbraPrefLocale="de")
    url = f"{emu.user_url}/service/home/~/Contacts"
    german = csv_text(["Vorname", "Nachname"], ["Jürgen", "Groß"])
    english = csv_text(["First Name", "Last Name"], ["John", "Doe"])

    auth = (USER, "User-pass1")
    post(url, params={"fmt": "csv", "csvfmt": "thunderbird-csv"}, content=german, auth=auth)
    post(url, params={"fmt": "csv", "csvfmt": "thunderbird-csv"}, content=english, auth=auth)
    post(
        url,
        params={"fmt": "csv", "csvfmt": "thunderbird-csv", "csvlocale": "en_US"},
        content=english,
        auth=auth,
    )

    assert emu.contacts(USER) == [
        {"firstName": "Jürgen", "lastName": "Groß"},
        {"First Name": "John", "Last Name": "Doe"},
        {"firstName": "John", "lastName": "Doe"},
    ]


def test_broken_formats_fall_back_to_csv(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    emu.csv_formats_broken = True

    upload(csv_text(["First Name", "Primary Email"], ["Ann", "a@x.org"]), csvfmt="thunderbird-csv")

    assert emu.contacts(USER) == [{"First Name": "Ann", "Primary Email": "a@x.org"}]


def test_available_csv_formats_normal_and_broken(emu: CarbonioEmulator, soap: Soap) -> None:
    def names() -> list[str]:
        response = soap.json("GetAvailableCsvFormatsRequest", ns="urn:zimbraAccount")
        return [f["name"] for f in body(response, "GetAvailableCsvFormatsResponse")["csv"]]

    normal = names()
    emu.csv_formats_broken = True

    assert normal == ["csv", "thunderbird-csv"]
    assert names() == ["csv"]


def test_carbonio_field_names_with_the_csv_format(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    upload(b"firstName,lastName,email,workPhone\nAnn,Lee,a@x.org,123\n", csvfmt="csv")

    assert emu.contacts(USER) == [
        {"firstName": "Ann", "lastName": "Lee", "email": "a@x.org", "workPhone": "123"}
    ]


def test_no_duplicate_detection(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    data = b"firstName,email\nAnn,a@x.org\n"

    upload(data)
    upload(data, resolve="skip")

    assert len(emu.contacts(USER)) == 2


def test_size_limit_is_500(emu: CarbonioEmulator, upload: Callable[..., httpx.Response]) -> None:
    emu.set_global_config("zimbraMtaMaxMessageSize", "20")
    data = b"firstName,email\nAnn,a@x.org\n"

    refused = upload(data)
    larger_limit = upload(data, lbfums="1")

    assert refused.status_code == 500
    assert larger_limit.status_code == 200


def test_contact_limit_is_500_with_a_partial_import(
    emu: CarbonioEmulator, upload: Callable[..., httpx.Response]
) -> None:
    emu.store.default_cos.attrs.set("zimbraContactMaxNumEntries", "2")

    response = upload(b"firstName\nA\nB\nC\n")

    assert response.status_code == 500
    assert [c["firstName"] for c in emu.contacts(USER)] == ["A", "B"]


def test_parse_errors_are_400(upload: Callable[..., httpx.Response]) -> None:
    unterminated = upload(b'firstName,notes\nAnn,"never closed\n')
    unnamed = upload(b"firstName,,email\nAnn,x,a@x.org\n")

    assert unterminated.status_code == 400
    assert b"Could not parse csv file - Reason : End of stream reached" in unterminated.content
    assert unnamed.status_code == 400
    assert b"missing column name for column[1]" in unnamed.content


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a;b\n1;2\n", [{"a": "1", "b": "2"}]),
        ('a,b\n"x, y","say ""hi"""\n', [{"a": "x, y", "b": 'say "hi"'}]),
        ('a,b\n"line1\r\nline2",z\n', [{"a": "line1\r\nline2", "b": "z"}]),
        ('a,b\nq"uote,2\n', [{"a": 'q"uote', "b": "2"}]),
        ("a,b,\n1,2,\n", [{"a": "1", "b": "2"}]),
        ("a,b\r\r\n1,2\r\n\n\n3,4", [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]),
        ('a,b\n"",2\n', [{"b": "2"}]),
        ("a\n   \n", []),
        ("\ufeffa,b\n1,2\n", [{"a": "1", "b": "2"}]),
        ('a,b\n"x"y,2\n', [{"a": "x", "b": "y"}]),
    ],
)
def test_csv_reading_rules(text: str, expected: list[dict[str, str]]) -> None:
    assert parse_contacts(text, "csv", None, broken=False) == expected


def test_format_is_guessed_from_the_headers_without_csvfmt() -> None:
    contacts = parse_contacts("First Name,Last Name\nAnn,Lee\n", None, None, broken=False)

    assert contacts == [{"firstName": "Ann", "lastName": "Lee"}]


def test_unrecognised_birthday_parts_are_kept_quoted() -> None:
    text = "Birth Month,Birth Day\n5,17\n"

    assert parse_contacts(text, "thunderbird-csv", None, broken=False) == [{"birthday": "'5-17'"}]


def test_empty_input_has_no_column_names() -> None:
    with pytest.raises(CsvParseError, match="no column name definitions"):
        parse_contacts("", "csv", None, broken=False)


def test_available_csv_formats_on_the_user_port(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.add_account(USER, "User-pass1")
    response = soap.json("DelegateAuthRequest", {"account": {"by": "name", "_content": USER}})
    user_token = body(response, "DelegateAuthResponse")["authToken"][0]["_content"]
    envelope = b'{"Body": {"GetAvailableCsvFormatsRequest": {"_jsns": "urn:zimbraAccount"}}}'

    answer = post(
        emu.user_url + "/service/soap",
        content=envelope,
        headers={"Cookie": f"ZM_AUTH_TOKEN={user_token}"},
    )

    formats = body(answer, "GetAvailableCsvFormatsResponse")["csv"]
    assert [f["name"] for f in formats] == ["csv", "thunderbird-csv"]
