"""Distribution lists and SearchDirectoryRequest (reference 3.5)."""

from __future__ import annotations

from typing import Any

import pytest

from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import DOMAIN, Soap, attrs_of, body, create_account, fault

LIST = f"staff@{DOMAIN}"


def create_list(soap: Soap, name: str = LIST) -> str:
    """CreateDistributionListRequest; return the id."""
    response = soap.json(
        "CreateDistributionListRequest",
        {"name": name, "a": [{"n": "displayName", "_content": "Staff"}]},
    )
    return str(body(response, "CreateDistributionListResponse")["dl"][0]["id"])


def add_members(soap: Soap, list_id: str, *members: str) -> Any:
    """AddDistributionListMemberRequest."""
    content = {"id": list_id, "dlm": [{"_content": m} for m in members]}
    return soap.json("AddDistributionListMemberRequest", content)


def get_list(soap: Soap, **options: Any) -> Any:
    """GetDistributionListRequest by name."""
    return soap.json(
        "GetDistributionListRequest", {"dl": {"by": "name", "_content": LIST}, **options}
    )


def test_create_list_answers_the_entry(emu: CarbonioEmulator, soap: Soap) -> None:
    response = soap.json("CreateDistributionListRequest", {"name": "Staff@Example.com"})

    dl = body(response, "CreateDistributionListResponse")["dl"][0]
    assert dl["name"] == LIST
    assert dl["dynamic"] is False
    assert emu.lists() == [LIST]


def test_create_list_on_a_taken_address(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.add_account(LIST)

    response = soap.json("CreateDistributionListRequest", {"name": LIST})

    assert fault(response)[:2] == (
        "account.DISTRIBUTION_LIST_EXISTS",
        f"email address already exists: {LIST}",
    )


def test_create_list_errors(soap: Soap) -> None:
    no_name = soap.json("CreateDistributionListRequest", {})
    no_domain = soap.json("CreateDistributionListRequest", {"name": "l@nope.org"})

    assert fault(no_name)[0] == "service.INVALID_REQUEST"
    assert fault(no_domain)[:2] == ("account.NO_SUCH_DOMAIN", "no such domain: nope.org")


def test_add_members_skips_existing_lower_cases_and_accepts_external(
    emu: CarbonioEmulator, soap: Soap
) -> None:
    list_id = create_list(soap)

    first = add_members(soap, list_id, "Bob@Partner.Example.org", f"alice@{DOMAIN}")
    second = add_members(soap, list_id, f"ALICE@{DOMAIN}", "carol@elsewhere.net")

    assert first.status_code == second.status_code == 200
    assert emu.list_members(LIST) == [
        "bob@partner.example.org",
        f"alice@{DOMAIN}",
        "carol@elsewhere.net",
    ]


def test_add_the_list_to_itself(soap: Soap) -> None:
    response = add_members(soap, create_list(soap), LIST.upper())

    assert fault(response)[:2] == (
        "service.INVALID_REQUEST",
        f"invalid request: Cannot add self as a member: {LIST}",
    )


def test_add_without_members(soap: Soap) -> None:
    response = soap.json("AddDistributionListMemberRequest", {"id": create_list(soap)})

    assert fault(response)[:2] == (
        "service.INVALID_REQUEST",
        "invalid request: members to add not specified",
    )


def test_add_to_unknown_list_id(soap: Soap, delegated: Soap) -> None:
    as_global = add_members(soap, "no-such-id", "a@b.org")
    as_delegated = add_members(delegated, "no-such-id", "a@b.org")

    assert fault(as_global)[:2] == (
        "account.NO_SUCH_DISTRIBUTION_LIST",
        "no such distribution list: no-such-id",
    )
    assert fault(as_delegated)[0] == "service.PERM_DENIED"


def test_get_list_members_sorted_as_dlm(soap: Soap) -> None:
    add_members(soap, create_list(soap), "zed@x.org", "amy@x.org", "max@x.org")

    answer = body(get_list(soap), "GetDistributionListResponse")

    dl = answer["dl"][0]
    assert [m["_content"] for m in dl["dlm"]] == ["amy@x.org", "max@x.org", "zed@x.org"]
    assert "zimbraMailForwardingAddress" not in attrs_of(dl)
    assert attrs_of(dl)["displayName"] == ["Staff"]
    assert answer["total"] == 3
    assert answer["more"] is False


def test_get_list_paging_and_offset_past_the_end(soap: Soap) -> None:
    add_members(soap, create_list(soap), "a@x.org", "b@x.org", "c@x.org")

    page = body(get_list(soap, limit="2", offset="1"), "GetDistributionListResponse")
    past = get_list(soap, offset="3")

    assert [m["_content"] for m in page["dl"][0]["dlm"]] == ["b@x.org", "c@x.org"]
    assert fault(past)[:2] == (
        "service.INVALID_REQUEST",
        "invalid request: offset 3 greater than size 3",
    )


def test_get_unknown_list(soap: Soap) -> None:
    assert fault(get_list(soap))[0] == "account.NO_SUCH_DISTRIBUTION_LIST"


def test_remove_members(emu: CarbonioEmulator, soap: Soap) -> None:
    list_id = create_list(soap)
    add_members(soap, list_id, "a@x.org", "b@x.org")

    removed = soap.json(
        "RemoveDistributionListMemberRequest", {"id": list_id, "dlm": [{"_content": "A@x.org"}]}
    )
    missing = soap.json(
        "RemoveDistributionListMemberRequest", {"id": list_id, "dlm": [{"_content": "z@x.org"}]}
    )

    assert removed.status_code == 200
    assert emu.list_members(LIST) == ["b@x.org"]
    assert fault(missing)[0] == "account.NO_SUCH_MEMBER"


@pytest.fixture
def directory(emu: CarbonioEmulator) -> None:
    """Three accounts, an alias and a list with members."""
    emu.add_account(f"alice@{DOMAIN}", displayName="Alice Smith")
    emu.add_account(f"bob@{DOMAIN}", displayName="Bob Jones")
    emu.add_domain("other.org")
    emu.add_account("carol@other.org")
    emu.add_alias(f"alice@{DOMAIN}", f"al@{DOMAIN}")
    emu.add_list(LIST, [f"alice@{DOMAIN}", "ext@partner.org"])


def search(soap: Soap, **options: Any) -> dict[str, Any]:
    """SearchDirectoryRequest answer."""
    return body(soap.json("SearchDirectoryRequest", options), "SearchDirectoryResponse")


def names(answer: dict[str, Any], kind: str = "account") -> list[str]:
    """Names of the hits of one kind."""
    return [hit["name"] for hit in answer.get(kind, [])]


@pytest.mark.usefixtures("directory")
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("(zimbraMailDeliveryAddress=*@example.com)", ["admin", "alice", "bob", "helpdesk"]),
        ("(&(objectClass=zimbraAccount)(displayName=*Smith))", ["alice"]),
        ("(|(uid=bob)(uid=carol))", ["bob", "carol"]),
        ("(!(mail=*@example.com))", ["carol"]),
        ("(displayName=*)", ["alice", "bob"]),
        ("(displayName=b*j*s)", ["bob"]),
        ("(mail=AL@EXAMPLE.COM)", ["alice"]),
        ("", ["admin", "alice", "bob", "carol", "helpdesk"]),
    ],
)
def test_search_filters(soap: Soap, query: str, expected: list[str]) -> None:
    answer = search(soap, query=query)

    assert [n.split("@")[0] for n in names(answer)] == expected


@pytest.mark.usefixtures("directory")
def test_search_types_domain_and_list_members(soap: Soap) -> None:
    answer = search(soap, types="accounts,distributionlists,aliases", domain=DOMAIN, query="")

    dl = answer["dl"][0]
    assert names(answer, "dl") == [LIST]
    assert attrs_of(dl)["zimbraMailForwardingAddress"] == [f"alice@{DOMAIN}", "ext@partner.org"]
    assert answer["alias"][0]["targetName"] == f"alice@{DOMAIN}"
    assert "carol@other.org" not in names(answer)


@pytest.mark.usefixtures("directory")
def test_search_attrs_limit_offset_and_more(soap: Soap) -> None:
    answer = search(soap, query="", attrs="displayName", limit="2", offset="1")

    assert names(answer) == [f"alice@{DOMAIN}", f"bob@{DOMAIN}"]
    assert answer["more"] is True
    assert answer["searchTotal"] == 5
    assert set(attrs_of(answer["account"][0])) == {"displayName"}
    assert answer["account"][0]["isExternal"] is False


@pytest.mark.usefixtures("directory")
def test_search_sort_by_attribute_descending(soap: Soap) -> None:
    answer = search(soap, query="(displayName=*)", sortBy="displayName", sortAscending="0")

    assert names(answer) == [f"alice@{DOMAIN}", f"bob@{DOMAIN}"][::-1]


@pytest.mark.usefixtures("directory")
def test_search_count_only(soap: Soap) -> None:
    assert search(soap, query="", countOnly="1") == {"num": 5, "_jsns": "urn:zimbraAdmin"}


@pytest.mark.usefixtures("directory")
def test_search_over_max_results(soap: Soap) -> None:
    response = soap.json("SearchDirectoryRequest", {"query": "", "maxResults": "2"})

    code, reason, side = fault(response)
    assert code == "account.TOO_MANY_SEARCH_RESULTS"
    assert reason.startswith("number of results exceeded the limit: ")
    assert side == "soap:Receiver"


def test_search_bad_filter_and_bad_combinations(soap: Soap) -> None:
    bad_filter = soap.json("SearchDirectoryRequest", {"query": "(mail=a"})
    coses = soap.json("SearchDirectoryRequest", {"types": "coses", "domain": DOMAIN})

    assert fault(bad_filter)[0] == "ldap.INVALID_SEARCH_FILTER"
    assert fault(coses)[0] == "service.INVALID_REQUEST"


def test_search_finds_created_accounts(soap: Soap) -> None:
    create_account(soap, f"new@{DOMAIN}")

    answer = search(soap, query=f"(mail=new@{DOMAIN})")

    assert names(answer) == [f"new@{DOMAIN}"]
