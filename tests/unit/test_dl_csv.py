"""dl_provisioning.csv read as real CSV, each bad row reported with its line."""

from __future__ import annotations

from pathlib import Path

from carbonio_migrate.provision.dl_csv import read_list_file


def test_quoted_commas_spaces_bom_crlf_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "dl_provisioning.csv"
    path.write_bytes(
        '\ufeffsales@example.io,"Sales, EMEA",Sales Team,ann@example.io,bob@example.io,\r\n'
        "\r\n"
        "not-an-address,Broken,Broken,ann@example.io\r\n"
        "eng@example.io,Engineers of the company,Engineering,carl@example.io,bad member,\r\n"
        "sales@example.io,Again,Again,zoe@example.io\r\n"
        '"multi@example.io","line one\nline two",Multi,ann@example.io\r\n'.encode()
    )

    found = read_list_file(path)

    assert [(row.line, row.address) for row in found.lists] == [
        (1, "sales@example.io"),
        (4, "eng@example.io"),
        (6, "multi@example.io"),
    ]
    sales, eng, multi = found.lists
    assert sales.description == "Sales, EMEA"
    assert sales.name == "Sales Team"
    assert sales.members == ("ann@example.io", "bob@example.io")
    assert eng.members == ("carl@example.io",)
    assert multi.description == "line one\nline two"
    wheres = [problem.where for problem in found.problems]
    assert wheres == [f"{path}:3", f"{path}:4", f"{path}:5"]
    assert "already defined on line 1" in found.problems[2].message


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    found = read_list_file(tmp_path / "missing.csv")

    assert found.lists == []
    assert len(found.problems) == 1
