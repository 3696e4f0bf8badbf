"""Request and import counters, which later tests use to prove reruns do no extra work."""

from __future__ import annotations

from lab.emulator import CarbonioEmulator
from tests.emulator.conftest import DOMAIN, Soap, create_account, fault, post


def test_every_handled_request_is_counted_by_name_faults_included(
    emu: CarbonioEmulator, soap: Soap
) -> None:
    create_account(soap, f"a@{DOMAIN}")
    fault(soap.json("CreateAccountRequest", {"name": f"a@{DOMAIN}"}))
    soap.json("NoSuchRequest")

    assert emu.calls["AuthRequest"] == 1
    assert emu.calls["CreateAccountRequest"] == 2
    assert "NoSuchRequest" not in emu.calls


def test_reset_then_a_rerun_that_creates_nothing_counts_zero(
    emu: CarbonioEmulator, soap: Soap
) -> None:
    create_account(soap, f"a@{DOMAIN}")
    emu.reset_calls()

    soap.json("GetAccountRequest", {"account": {"by": "name", "_content": f"a@{DOMAIN}"}})

    assert emu.calls["CreateAccountRequest"] == 0
    assert emu.calls["GetAccountRequest"] == 1


def test_rest_imports_are_counted_by_account_and_format(emu: CarbonioEmulator, soap: Soap) -> None:
    emu.add_account(f"a@{DOMAIN}")
    cookie = {"Cookie": f"ZM_ADMIN_AUTH_TOKEN={soap.token}"}
    url = f"{emu.admin_url}/service/home/a@{DOMAIN}/Contacts"

    post(url, params={"fmt": "csv"}, content=b"firstName\nA\n", headers=cookie)
    post(url, params={"fmt": "csv"}, content=b"firstName\nB\n", headers=cookie)
    emu.reset_calls()
    post(url, params={"fmt": "csv"}, content=b"firstName\nC\n", headers=cookie)

    assert dict(emu.rest_imports) == {(f"a@{DOMAIN}", "csv"): 1}
