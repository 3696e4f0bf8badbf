"""Domains, COS, server, global config and the EAGER thread control (reference 1.10, 3.5)."""

from __future__ import annotations

from typing import Any

from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import DOMAIN, Soap, attrs_of, body, fault

DEFAULT_COS_ID = "e00428a1-0c00-11d9-836a-000d93afea2a"


def get_domain(soap: Soap, value: str = DOMAIN, **options: Any) -> dict[str, Any]:
    """The domain entry of a GetDomainRequest by name."""
    content = {"domain": {"by": "name", "_content": value}, **options}
    return dict(body(soap.json("GetDomainRequest", content), "GetDomainResponse")["domain"][0])


def modify_domain(soap: Soap, domain_id: str, *pairs: tuple[str, str]) -> Any:
    """ModifyDomainRequest with `a` pairs; return the raw response."""
    content = {"id": domain_id, "a": [{"n": n, "_content": v} for n, v in pairs]}
    return soap.json("ModifyDomainRequest", content)


def test_get_domain_by_name_and_by_id(soap: Soap) -> None:
    by_name = get_domain(soap)
    by_id = soap.json("GetDomainRequest", {"domain": {"by": "id", "_content": by_name["id"]}})

    assert by_name["name"] == DOMAIN
    assert attrs_of(by_name)["zimbraDomainName"] == [DOMAIN]
    assert body(by_id, "GetDomainResponse")["domain"][0]["name"] == DOMAIN


def test_get_domain_inherits_config_unless_apply_config_is_0(soap: Soap) -> None:
    applied = attrs_of(get_domain(soap))
    own = attrs_of(get_domain(soap, applyConfig="0"))

    assert applied["zimbraAutoProvBatchSize"] == ["20"]
    assert "zimbraAutoProvBatchSize" not in own


def test_get_domain_attrs_filter(soap: Soap) -> None:
    entry = get_domain(soap, attrs="zimbraDomainName,zimbraAutoProvBatchSize")

    assert set(attrs_of(entry)) == {"zimbraDomainName", "zimbraAutoProvBatchSize"}


def test_get_domain_missing(soap: Soap) -> None:
    response = soap.json("GetDomainRequest", {"domain": {"by": "name", "_content": "nope.org"}})

    assert fault(response)[:2] == ("account.NO_SUCH_DOMAIN", "no such domain: nope.org")


def test_get_domain_without_by_is_invalid(soap: Soap) -> None:
    response = soap.json("GetDomainRequest", {"domain": {"_content": DOMAIN}})

    assert fault(response)[0] == "service.INVALID_REQUEST"


def test_get_all_domains(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.add_domain("another.org")

    domains = body(soap.json("GetAllDomainsRequest"), "GetAllDomainsResponse")["domain"]

    assert [d["name"] for d in domains] == ["another.org", DOMAIN]


def test_modify_domain_replace_add_remove_and_empty(soap: Soap) -> None:
    domain_id = get_domain(soap)["id"]
    modify_domain(
        soap,
        domain_id,
        ("zimbraAutoProvMode", "EAGER"),
        ("zimbraAutoProvMode", "LAZY"),
        ("zimbraAutoProvAttrMap", "givenName=givenName"),
        ("zimbraAutoProvNotificationFromAddress", "admin@example.com"),
    )
    response = modify_domain(
        soap,
        domain_id,
        ("+zimbraAutoProvAttrMap", "sn=sn"),
        ("-zimbraAutoProvMode", "LAZY"),
        ("zimbraAutoProvNotificationFromAddress", ""),
    )

    attrs = attrs_of(body(response, "ModifyDomainResponse")["domain"][0])
    assert attrs["zimbraAutoProvAttrMap"] == ["givenName=givenName", "sn=sn"]
    assert attrs["zimbraAutoProvMode"] == ["EAGER"]
    assert "zimbraAutoProvNotificationFromAddress" not in attrs


def test_modify_domain_plain_name_replaces_all_values(soap: Soap) -> None:
    domain_id = get_domain(soap)["id"]
    modify_domain(
        soap, domain_id, ("zimbraAutoProvAttrMap", "a=b"), ("zimbraAutoProvAttrMap", "c=d")
    )
    response = modify_domain(soap, domain_id, ("zimbraAutoProvAttrMap", "e=f"))

    attrs = attrs_of(body(response, "ModifyDomainResponse")["domain"][0])
    assert attrs["zimbraAutoProvAttrMap"] == ["e=f"]


def test_modify_domain_refuses_domain_name(soap: Soap) -> None:
    response = modify_domain(soap, get_domain(soap)["id"], ("zimbraDomainName", "other.org"))

    assert fault(response)[:2] == (
        "service.INVALID_REQUEST",
        "invalid request: zimbraDomainName cannot be changed.",
    )


def test_modify_domain_unknown_id(soap: Soap) -> None:
    response = modify_domain(soap, "00000000-0000-0000-0000-000000000000", ("description", "x"))

    assert fault(response)[0] == "account.NO_SUCH_DOMAIN"


def test_modify_domain_unknown_attribute_name(soap: Soap) -> None:
    response = modify_domain(soap, get_domain(soap)["id"], ("favouriteColour", "blue"))

    assert fault(response)[0] == "account.INVALID_ATTR_NAME"


def test_changing_the_search_filter_clears_last_polled(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.set_domain_attr(DOMAIN, "zimbraAutoProvLastPolledTimestamp", "20240101000000.000Z")
    emu.set_domain_attr(DOMAIN, "zimbraAutoProvLdapSearchFilter", "(uid=%u)")
    domain_id = get_domain(soap)["id"]

    same = modify_domain(soap, domain_id, ("zimbraAutoProvLdapSearchFilter", "(uid=%u)"))
    kept = attrs_of(body(same, "ModifyDomainResponse")["domain"][0])
    changed = modify_domain(soap, domain_id, ("zimbraAutoProvLdapSearchFilter", "(mail=%n)"))
    cleared = attrs_of(body(changed, "ModifyDomainResponse")["domain"][0])

    assert kept["zimbraAutoProvLastPolledTimestamp"] == ["20240101000000.000Z"]
    assert "zimbraAutoProvLastPolledTimestamp" not in cleared


def test_get_default_cos_by_name(soap: Soap) -> None:
    response = soap.json("GetCosRequest", {"cos": {"by": "name", "_content": "default"}})

    cos = body(response, "GetCosResponse")["cos"][0]
    markers = {a["n"]: a.get("c") for a in cos["a"]}
    assert cos["id"] == DEFAULT_COS_ID
    assert cos["isDefaultCos"] is True
    assert attrs_of(cos)["zimbraMailQuota"] == ["0"]
    assert attrs_of(cos)["zimbraContactMaxNumEntries"] == ["10000"]
    assert markers["zimbraMailQuota"] is None
    assert markers["zimbraMailHostPool"] is True
    assert markers["cn"] is True


def test_get_cos_by_id_and_other_cos_has_no_default_marker(
    emu: CarbonioEmulator, soap: Soap
) -> None:
    cos_id = emu.add_cos("staff", zimbraMailQuota="1024")

    response = soap.json("GetCosRequest", {"cos": {"by": "id", "_content": cos_id}})

    cos = body(response, "GetCosResponse")["cos"][0]
    assert cos["name"] == "staff"
    assert "isDefaultCos" not in cos


def test_get_cos_missing(soap: Soap) -> None:
    response = soap.json("GetCosRequest", {"cos": {"by": "name", "_content": "gold"}})

    assert fault(response)[:2] == ("account.NO_SUCH_COS", "no such cos: gold")


def server_id(emu: CarbonioEmulator, soap: Soap) -> str:
    """The id of the emulator's server."""
    response = soap.json(
        "GetServerRequest", {"server": {"by": "name", "_content": "mail.example.io"}}
    )
    return str(body(response, "GetServerResponse")["server"][0]["id"])


def schedule(soap: Soap, sid: str, domain: str) -> Any:
    """Add a domain to zimbraAutoProvScheduledDomains."""
    content = {"id": sid, "a": [{"n": "+zimbraAutoProvScheduledDomains", "_content": domain}]}
    return soap.json("ModifyServerRequest", content)


def test_get_server_inherits_the_polling_interval(emu: CarbonioEmulator, soap: Soap) -> None:
    response = soap.json(
        "GetServerRequest", {"server": {"by": "name", "_content": "mail.example.io"}}
    )

    attrs = attrs_of(body(response, "GetServerResponse")["server"][0])
    assert attrs["zimbraAutoProvPollingInterval"] == ["15m"]


def test_scheduling_an_unknown_domain(emu: CarbonioEmulator, soap: Soap) -> None:
    response = schedule(soap, server_id(emu, soap), "nope.org")

    assert fault(response)[:2] == ("account.NO_SUCH_DOMAIN", "no such domain: nope.org")


def test_scheduling_a_domain_without_eager(emu: CarbonioEmulator, soap: Soap) -> None:
    response = schedule(soap, server_id(emu, soap), DOMAIN)

    assert fault(response)[:2] == (
        "service.INVALID_REQUEST",
        f"invalid request: EAGER auto provision is not enabled on domain {DOMAIN}",
    )


def test_scheduling_an_eager_domain_starts_the_thread(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.set_domain_attr(DOMAIN, "zimbraAutoProvMode", ["EAGER"])

    response = schedule(soap, server_id(emu, soap), DOMAIN)
    status = soap.json("AutoProvTaskControlRequest", {"action": "status"})

    attrs = attrs_of(body(response, "ModifyServerResponse")["server"][0])
    assert attrs["zimbraAutoProvScheduledDomains"] == [DOMAIN]
    assert body(status, "AutoProvTaskControlResponse")["status"] == "running"


def test_auto_prov_task_control_states(soap: Soap) -> None:
    def control(action: str) -> str:
        response = soap.json("AutoProvTaskControlRequest", {"action": action})
        return str(body(response, "AutoProvTaskControlResponse")["status"])

    assert [control(a) for a in ("status", "start", "start", "status", "stop", "stop")] == [
        "idle",
        "started",
        "running",
        "running",
        "stopped",
        "idle",
    ]


def test_auto_prov_task_control_unknown_action(soap: Soap) -> None:
    response = soap.json("AutoProvTaskControlRequest", {"action": "restart"})

    assert fault(response)[:2] == (
        "service.INVALID_REQUEST",
        "invalid request: unknown action: restart",
    )


def test_auto_prov_task_control_is_for_global_admins(delegated: Soap) -> None:
    response = delegated.json("AutoProvTaskControlRequest", {"action": "status"})

    assert fault(response)[0] == "service.PERM_DENIED"


def test_get_config_one_attribute(soap: Soap) -> None:
    response = soap.json("GetConfigRequest", {"a": [{"n": "zimbraMtaMaxMessageSize"}]})

    assert attrs_of(body(response, "GetConfigResponse")) == {
        "zimbraMtaMaxMessageSize": ["10240000"]
    }


def test_get_all_config_reflects_lab_changes(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.set_global_config("zimbraMtaMaxMessageSize", "52428800")

    attrs = attrs_of(body(soap.json("GetAllConfigRequest"), "GetAllConfigResponse"))

    assert attrs["zimbraMtaMaxMessageSize"] == ["52428800"]
    assert attrs["zimbraFileUploadMaxSize"] == ["10485760"]
