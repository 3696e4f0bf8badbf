"""What the state store keeps of imported items, and the command files for prov."""

from __future__ import annotations

from pathlib import Path

from carbonio_migrate.contacts.model import Contact, keyed
from carbonio_migrate.run.contacts import ContactPhase
from carbonio_migrate.run.imports import Batch, Item, _CommandWriter, safe_file_name
from carbonio_migrate.run.items import ItemKind, ItemStatus, known_items, record_items
from carbonio_migrate.state import StateStore
from lab.emulator.provlex import logical_lines, parse_line, physical_lines


def test_items_are_recorded_replaced_and_kept_apart_by_kind(tmp_path: Path) -> None:
    store = StateStore.open(f"sqlite:///{tmp_path / 'state.sqlite'}")
    account = store.account_id("jdoe@example.io")
    record_items(store, account, ItemKind.CONTACT, [("a", "1"), ("b", "2")], ItemStatus.IMPORTED)
    record_items(store, account, ItemKind.CONTACT, [("b", "3")], ItemStatus.UNCERTAIN)
    record_items(store, account, ItemKind.EVENT, [("a", "9")], ItemStatus.WRITTEN)

    contacts = known_items(store, account, ItemKind.CONTACT)
    assert {k: (v.fingerprint, v.status) for k, v in contacts.items()} == {
        "a": ("1", ItemStatus.IMPORTED),
        "b": ("3", ItemStatus.UNCERTAIN),
    }
    assert known_items(store, account, ItemKind.EVENT)["a"].status == ItemStatus.WRITTEN
    assert known_items(store, store.account_id("other@example.io"), ItemKind.CONTACT) == {}
    store.close()


def test_repeated_contacts_get_distinct_keys_and_a_change_keeps_the_key() -> None:
    first = Contact("f:2", {"fullName": "Ann", "email": "ann@x.org", "homePhone": "1"})
    twin = Contact("f:3", {"fullName": "Ann", "email": "ANN@x.org", "homePhone": "1"})
    changed = Contact("f:2", {"fullName": "Ann", "email": "ann@x.org", "homePhone": "2"})

    keys = [key for key, _ in keyed([first, twin])]
    assert len(set(keys)) == 2
    assert keyed([changed])[0][0] == keys[0]
    assert changed.fingerprint() != first.fingerprint()


def test_file_names_from_addresses_never_leave_the_folder() -> None:
    for address in ("../../etc/passwd@x", "a/b@example.io", ".hidden@x", "ok@example.io", ""):
        name = safe_file_name(address)
        assert "/" not in name and not name.startswith(".") and name not in ("", "..")
    assert safe_file_name("ok@example.io") == "ok@example.io"
    assert safe_file_name("a/b@x") != safe_file_name("a_b@x")


def test_a_command_file_reads_back_as_the_intended_arguments(tmp_path: Path) -> None:
    phase = _phase()
    writer = _CommandWriter(tmp_path / "contacts.cmd")
    body = 'firstName\r\n"Zoë ""Z"" \\\\ d\'Arc"\r\n'.encode()
    odd = 'o"dd\\name\t#1@example.io'
    writer.add(phase, odd, body)
    writer.add(phase, "jdoe@example.io", body)
    writer.close()

    raw = (tmp_path / "contacts.cmd").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = list(logical_lines(iter(physical_lines(raw.decode("utf-8")))))
    assert lines[-1] == "exit"
    first = parse_line(lines[0])
    assert first[:3] == ["sm", odd, "postRestURL"]
    assert first[3] == "/Contacts?fmt=csv&csvfmt=csv"
    data_file = tmp_path / first[4]
    assert data_file.parent == tmp_path / "contacts-files"
    assert data_file.read_bytes() == body
    assert (tmp_path / "contacts.cmd").stat().st_mode & 0o077 == 0


def test_contact_batches_hold_the_configured_number(tmp_path: Path) -> None:
    phase = _phase(per_request=2)
    items = [
        Item(str(n), "f", str(n), f"f:{n}", Contact(f"f:{n}", {"email": f"u{n}@x.org"}))
        for n in range(5)
    ]

    batches: list[Batch] = phase.batches(items, None)

    assert [len(b.items) for b in batches] == [2, 2, 1]
    assert batches[2].body.decode().splitlines() == ['"email"', '"u4@x.org"']


def _phase(per_request: int = 100) -> ContactPhase:
    from carbonio_migrate.config import ImportSettings

    class _Settings:
        imports = ImportSettings(contacts_per_request=per_request)

    return ContactPhase(_Settings())  # type: ignore[arg-type]
