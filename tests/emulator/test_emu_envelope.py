"""The SOAP layer: format detection, content types, faults, ports, referer, token forms."""

from __future__ import annotations

import json
import ssl
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from lab.certs import make_certificates
from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import (
    ADMIN,
    ADMIN_NS,
    ADMIN_PASSWORD,
    DOMAIN,
    SOAP11,
    SOAP12,
    ZIMBRA,
    Soap,
    body,
    fault,
    post,
)


def get_domain_json(by: str = "name", value: str = DOMAIN) -> dict[str, object]:
    """GetDomainRequest content."""
    return {"domain": {"by": by, "_content": value}}


def test_json_answers_are_typed_text_javascript_and_not_cached(soap: Soap) -> None:
    response = soap.json("GetDomainRequest", get_domain_json())

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "no-store, no-cache"
    assert response.json()["_jsns"] == "urn:zimbraSoap"
    assert body(response, "GetDomainResponse")["_jsns"] == ADMIN_NS


def test_json_repeatable_elements_are_arrays_even_when_single(soap: Soap) -> None:
    response = soap.json("GetDomainRequest", get_domain_json())

    domain = body(response, "GetDomainResponse")["domain"]
    assert isinstance(domain, list) and len(domain) == 1
    assert isinstance(domain[0]["a"], list)


def test_xml_soap12_answer_uses_soap12_content_type(soap: Soap) -> None:
    response = soap.xml("GetDomainRequest", f'<domain by="name">{DOMAIN}</domain>')

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/soap+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{SOAP12}}}Envelope"
    domain = root.find(f".//{{{ADMIN_NS}}}GetDomainResponse/{{{ADMIN_NS}}}domain")
    assert domain is not None and domain.get("name") == DOMAIN


def test_xml_soap11_is_accepted_and_answered_in_kind(soap: Soap) -> None:
    response = soap.xml("GetDomainRequest", '<domain by="name">nope.org</domain>', soap_ns=SOAP11)

    assert response.status_code == 422
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.findtext(f".//{{{SOAP11}}}Fault/faultcode") == "soap:Client"
    assert root.findtext(f".//{{{SOAP11}}}Fault/faultstring") == "no such domain: nope.org"
    assert root.findtext(f".//{{{ZIMBRA}}}Code") == "account.NO_SUCH_DOMAIN"


def test_xml_booleans_are_one_and_zero(soap: Soap) -> None:
    response = soap.xml("GetCosRequest", '<cos by="name">default</cos>')

    cos = ET.fromstring(response.content).find(f".//{{{ADMIN_NS}}}cos")
    assert cos is not None and cos.get("isDefaultCos") == "1"


def test_json_fault_shape_and_status_422(soap: Soap) -> None:
    response = soap.json("GetDomainRequest", get_domain_json(value="nope.org"))

    assert response.status_code == 422
    content = response.json()["Body"]["Fault"]
    assert content["Code"] == {"Value": "soap:Sender"}
    assert content["Reason"] == {"Text": "no such domain: nope.org"}
    assert content["Detail"]["Error"]["Code"] == "account.NO_SUCH_DOMAIN"
    assert content["Detail"]["Error"]["_jsns"] == "urn:zimbra"


def test_xml_fault_has_code_reason_and_detail(soap: Soap) -> None:
    response = soap.xml("GetDomainRequest", '<domain by="name">nope.org</domain>')

    assert fault(response) == ("account.NO_SUCH_DOMAIN", "no such domain: nope.org", "soap:Sender")


def test_empty_body_is_a_parse_error(emu: CarbonioEmulator) -> None:
    response = post(emu.admin_url + "/service/admin/soap", content=b"")

    assert fault(response) == (
        "service.PARSE_ERROR",
        "parse error: empty request payload",
        "soap:Sender",
    )


def test_body_not_starting_with_lt_is_parsed_as_json(emu: CarbonioEmulator) -> None:
    response = post(emu.admin_url + "/service/admin/soap", content=b" <soap:Envelope/>")

    code, reason, _ = fault(response)
    assert response.headers["content-type"].startswith("text/javascript")
    assert code == "service.PARSE_ERROR"
    assert reason.startswith("parse error: ")


def test_unknown_request_is_unknown_document(soap: Soap) -> None:
    assert fault(soap.json("NoSuchThingRequest"))[:2] == (
        "service.UNKNOWN_DOCUMENT",
        "unknown document: NoSuchThingRequest",
    )


def test_request_in_the_wrong_namespace_is_unknown_document(soap: Soap) -> None:
    response = soap.json("GetDomainRequest", get_domain_json(), ns="urn:zimbraMail")

    assert fault(response)[0] == "service.UNKNOWN_DOCUMENT"


@pytest.mark.parametrize("suffix", ["", "/", "/GetDomainRequest"])
def test_servlet_path_variants(soap: Soap, suffix: str) -> None:
    soap.url += suffix

    assert soap.json("GetDomainRequest", get_domain_json()).status_code == 200


def test_admin_soap_on_the_proxy_port_works(emu: CarbonioEmulator) -> None:
    client = Soap(emu.proxy_admin_url)

    assert client.login().startswith("0_")
    client.close()


def test_admin_soap_on_the_user_port_is_500_with_a_soap12_fault(emu: CarbonioEmulator) -> None:
    client = Soap(emu.user_url)
    response = client.json("AuthRequest", {"name": ADMIN, "password": ADMIN_PASSWORD}, token=None)
    client.close()

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/soap+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    reason = root.findtext(f".//{{{SOAP12}}}Text")
    assert reason == f"system failure: Request not allowed on port {emu.port('user')}"
    assert root.findtext(f".//{{{ZIMBRA}}}Code") == "service.FAILURE"
    assert root.findtext(f".//{{{SOAP12}}}Value") == "soap:Receiver"


def test_user_soap_on_an_admin_port_is_refused(emu: CarbonioEmulator) -> None:
    response = post(emu.admin_url + "/service/soap", content=b"{}")

    assert response.status_code == 500
    assert b"Request not allowed on port" in response.content


def test_referer_naming_another_host_is_403_without_body(soap: Soap) -> None:
    envelope = {"Body": {"GetDomainRequest": {"_jsns": ADMIN_NS, **get_domain_json()}}}
    response = post(
        soap.url,
        content=json.dumps(envelope).encode(),
        headers={"Referer": "https://evil.example.net/page"},
    )

    assert response.status_code == 403
    assert response.content == b""


def test_referer_naming_the_same_host_passes(soap: Soap) -> None:
    envelope = {
        "Header": {"context": {"_jsns": ZIMBRA, "authToken": soap.token}},
        "Body": {"GetDomainRequest": {"_jsns": ADMIN_NS, **get_domain_json()}},
    }
    response = post(
        soap.url,
        content=json.dumps(envelope).encode(),
        headers={"Referer": "https://localhost/admin"},
    )

    assert response.status_code == 200


def test_token_as_array_of_content_objects(soap: Soap) -> None:
    envelope = {
        "Header": {"context": {"_jsns": ZIMBRA, "authToken": [{"_content": soap.token}]}},
        "Body": {"GetDomainRequest": {"_jsns": ADMIN_NS, **get_domain_json()}},
    }

    response = post(soap.url, content=json.dumps(envelope).encode())

    assert response.status_code == 200


def test_token_from_the_admin_cookie(soap: Soap) -> None:
    envelope = {"Body": {"GetDomainRequest": {"_jsns": ADMIN_NS, **get_domain_json()}}}
    response = post(
        soap.url,
        content=json.dumps(envelope).encode(),
        headers={"Cookie": f"ZM_ADMIN_AUTH_TOKEN={soap.token}"},
    )

    assert response.status_code == 200


def test_attrs_map_is_accepted_like_a_arrays(soap: Soap) -> None:
    domain_id = body(soap.json("GetDomainRequest", get_domain_json()), "GetDomainResponse")[
        "domain"
    ][0]["id"]
    content = {
        "id": domain_id,
        "_attrs": {"description": "Main", "zimbraAutoProvMode": ["EAGER", "LAZY"]},
    }

    response = soap.json("ModifyDomainRequest", content)

    attrs = {
        a["n"]: a["_content"] for a in body(response, "ModifyDomainResponse")["domain"][0]["a"]
    }
    modes = [
        a["_content"]
        for a in body(response, "ModifyDomainResponse")["domain"][0]["a"]
        if a["n"] == "zimbraAutoProvMode"
    ]
    assert attrs["description"] == "Main"
    assert modes == ["EAGER", "LAZY"]


def test_format_js_in_the_context_answers_json_to_xml(soap: Soap) -> None:
    envelope = (
        f'<soap:Envelope xmlns:soap="{SOAP12}"><soap:Header><context xmlns="{ZIMBRA}">'
        f'<authToken>{soap.token}</authToken><format type="js"/></context></soap:Header>'
        f'<soap:Body><GetDomainRequest xmlns="{ADMIN_NS}"><domain by="name">{DOMAIN}</domain>'
        "</GetDomainRequest></soap:Body></soap:Envelope>"
    )

    response = post(soap.url, content=envelope.encode())

    assert body(response, "GetDomainResponse")["domain"][0]["name"] == DOMAIN


def test_xml_without_envelope_is_invalid_request(soap: Soap) -> None:
    response = post(soap.url, content=f'<GetDomainRequest xmlns="{ADMIN_NS}"/>'.encode())

    assert fault(response)[:2] == (
        "service.INVALID_REQUEST",
        "invalid request: unable to determine SOAP version",
    )


def test_https_with_the_given_certificate(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path)
    emulator = CarbonioEmulator(certfile=certificates.cert_file, keyfile=certificates.key_file)
    emulator.start()
    try:
        assert emulator.admin_url.startswith("https://localhost:")
        envelope = {"Body": {"AuthRequest": {"_jsns": ADMIN_NS, "name": "x", "password": "y"}}}
        response = httpx.post(
            emulator.admin_url + "/service/admin/soap",
            content=json.dumps(envelope).encode(),
            verify=ssl.create_default_context(cafile=certificates.ca_file),
        )
    finally:
        emulator.stop()

    assert fault(response)[0] == "account.AUTH_FAILED"


def test_stop_ends_every_thread_and_releases_the_ports() -> None:
    before = set(threading.enumerate())
    emulator = CarbonioEmulator()
    emulator.start()
    port = emulator.port("mailbox")
    with httpx.Client() as client:  # a kept-alive connection must not block stop()
        client.post(emulator.admin_url + "/service/admin/soap", content=b"")
        emulator.stop()

    assert set(threading.enumerate()) <= before
    with pytest.raises(httpx.ConnectError):
        post(f"http://127.0.0.1:{port}/service/admin/soap", content=b"")
