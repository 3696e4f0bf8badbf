"""``check`` against the lab: all good, then each requirement broken on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from carbonio_migrate.errors import ExitCode
from lab.lab import DOMAIN, IMPORT_ADMIN, LAB_MAX_MESSAGE_SIZE, Lab
from tests.helpers import run_cli


def check(lab: Lab) -> tuple[int, list[str]]:
    result = run_cli("check", "-c", str(lab.config_path))
    assert "Traceback" not in result.stdout + result.stderr
    return result.returncode, result.stdout.splitlines()


def lines_with(lines: list[str], status: str, text: str) -> list[str]:
    return [line for line in lines if line.startswith(status) and text in line]


def following(lines: list[str], line: str) -> str:
    return lines[lines.index(line) + 1]


def test_the_lab_as_started_passes_every_check(lab: Lab) -> None:
    status, lines = check(lab)

    assert status == ExitCode.COMPLETE, "\n".join(lines)
    assert not lines_with(lines, "FAIL", "")
    assert lines_with(lines, "OK", "source directory: bound as")
    assert lines_with(lines, "OK", f"domain {DOMAIN}: exists; auto-provisioning EAGER")
    assert lines_with(lines, "OK", "default COS: zimbraMailQuota=0")
    assert lines_with(lines, "OK", "source IMAP: the administrator can open")
    assert lines_with(lines, "OK", "message size: no source message exceeds")
    assert lines_with(lines, "OK", "contact formats:")


def test_a_missing_domain_is_a_fail_with_the_command_to_create_it(lab: Lab) -> None:
    assert lab.emulator is not None
    store = lab.emulator.store
    store.remove_domain(DOMAIN)
    try:
        status, lines = check(lab)
    finally:
        store.add_domain(DOMAIN, **lab.autoprov_attributes())

    assert status == ExitCode.NEEDS_ATTENTION
    (fail,) = lines_with(lines, "FAIL", f"domain {DOMAIN}: does not exist on Carbonio")
    assert f"carbonio prov cd {DOMAIN}" in following(lines, fail)


def test_a_missing_autoprov_setting_is_a_fail_naming_it(lab: Lab) -> None:
    assert lab.emulator is not None
    store = lab.emulator.store
    store.clear_domain_attr(DOMAIN, "zimbraAutoProvLdapSearchFilter")
    try:
        status, lines = check(lab)
    finally:
        filter_ = lab.autoprov_attributes()["zimbraAutoProvLdapSearchFilter"]
        store.set_domain_attr(DOMAIN, "zimbraAutoProvLdapSearchFilter", filter_)

    assert status == ExitCode.NEEDS_ATTENTION
    (fail,) = lines_with(lines, "FAIL", "auto-provisioning is not set up")
    assert "missing zimbraAutoProvLdapSearchFilter" in fail
    assert "carbonio-migrate provision" in following(lines, fail)


@contextmanager
def an_account_on_the_destination(lab: Lab, address: str) -> Iterator[None]:
    assert lab.emulator is not None
    lab.emulator.store.add_account(address)
    try:
        yield
    finally:
        lab.emulator.store.remove_account(address)


def test_an_impersonation_failure_is_a_fail(lab: Lab) -> None:
    assert lab.destination is not None
    address = f"impersonation-probe@{DOMAIN}"
    with an_account_on_the_destination(lab, address):
        status_before, before = check(lab)
        # The import admin keeps its login but loses the right to open other mailboxes,
        # like a delegated admin without adminLoginAs.
        lab.destination.remove_master(IMPORT_ADMIN)
        try:
            status, lines = check(lab)
        finally:
            lab.destination.add_master(IMPORT_ADMIN, lab.passwords["import_admin"])

    assert lines_with(before, "OK", f"{IMPORT_ADMIN} can open {address}")
    assert status_before == ExitCode.COMPLETE
    assert status == ExitCode.NEEDS_ATTENTION
    (fail,) = lines_with(lines, "FAIL", f"{IMPORT_ADMIN} cannot open {address}")
    assert "adminLoginAs" in following(lines, fail)


def test_messages_over_the_size_limit_are_a_fail_naming_the_largest(lab: Lab) -> None:
    assert lab.emulator is not None
    store = lab.emulator.store
    store.set_global_config("zimbraMtaMaxMessageSize", "10240000")
    try:
        status, lines = check(lab)
    finally:
        store.set_global_config("zimbraMtaMaxMessageSize", str(LAB_MAX_MESSAGE_SIZE))

    assert status == ExitCode.NEEDS_ATTENTION
    (fail,) = lines_with(lines, "FAIL", "exceed zimbraMtaMaxMessageSize=10240000")
    assert fail.split("message size: ")[1].startswith("2 source messages")
    assert "carbonio prov mcf zimbraMtaMaxMessageSize 11534336" in following(lines, fail)


def test_an_untrusted_certificate_is_reported_with_the_remedy(lab: Lab) -> None:
    assert lab.certificates is not None
    config = lab.config_path.read_text()
    wrong = config.replace(str(lab.certificates.ca_file), "/etc/ssl/certs/ca-certificates.crt")
    other = lab.root / "untrusted.toml"
    other.write_text(wrong)

    result = run_cli("check", "-c", str(other))

    assert result.returncode == ExitCode.NEEDS_ATTENTION
    fails = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert any("source IMAP" in line and "not trusted" in line for line in fails)
    assert any("source directory" in line and "not trusted" in line for line in fails)
    assert any("Carbonio" in line and "not trusted" in line for line in fails)
