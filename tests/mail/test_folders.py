"""Folder mapping: namespaces, separators, system folders, refused names, rules."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from carbonio_migrate.mail.folders import (
    MAX_NAME,
    DestinationLayout,
    FolderRules,
    SourceFolder,
    clean_name,
    map_folders,
)

CARBONIO = DestinationLayout(
    prefix="",
    separator="/",
    roles={"Sent": ("Sent",), "Drafts": ("Drafts",), "Trash": ("Trash",), "Junk": ("Junk",)},
    existing=frozenset({("INBOX",), ("Sent",), ("Drafts",), ("Trash",), ("Junk",)}),
)


def folder(name: str, *attributes: str, separator: str = ".") -> SourceFolder:
    return SourceFolder(
        name, name.encode(), tuple(name.split(separator)), frozenset(a.lower() for a in attributes)
    )


def mapped(*folders: SourceFolder, **kwargs: object) -> dict[str, str]:
    result = map_folders(folders, CARBONIO, separator=".", **kwargs)  # type: ignore[arg-type]
    return {target.source.name: target.name for target in result.targets}


def test_separator_and_unicode_names_are_translated() -> None:
    names = mapped(folder("Projets.Société"), folder("Привет"), folder("R&D"), folder("A.B.C"))

    assert names == {
        "Projets": "Projets",
        "Projets.Société": "Projets/Société",
        "Привет": "Привет",
        "R&D": "R&D",
        "A": "A",
        "A.B": "A/B",
        "A.B.C": "A/B/C",
    }


def test_special_use_attributes_map_onto_system_folders_at_any_depth() -> None:
    names = mapped(folder("Gmail.Sent Mail", "\\Sent"), folder("Papers", "\\Trash"))

    assert names["Gmail.Sent Mail"] == "Sent"
    assert names["Papers"] == "Trash"


def test_common_names_in_several_languages_map_onto_system_folders() -> None:
    for name, role in [
        ("Sent Items", "Sent"),
        ("Deleted Items", "Trash"),
        ("Spam", "Junk"),
        ("Gesendet", "Sent"),
        ("Envoyés", "Sent"),
        ("Éléments supprimés", "Trash"),
        ("Entwürfe", "Drafts"),
        ("Posta indesiderata", "Junk"),
        ("Archiv", "Archive"),
        ("sent items", "Sent"),
    ]:
        assert mapped(folder(name))[name] == role, name


def test_well_known_names_only_count_at_the_top() -> None:
    names = mapped(folder("Projects.Sent"), folder("Sent Items.2019"))

    assert names["Projects.Sent"] == "Projects/Sent"
    assert names["Sent Items.2019"] == "Sent/2019"


def test_several_source_folders_merge_into_one_system_folder() -> None:
    result = map_folders([folder("Sent", "\\Sent"), folder("Sent Items")], CARBONIO, separator=".")

    assert [target.name for target in result.groups()["Sent"]] == ["Sent", "Sent"]


def test_names_carbonio_refuses_are_renamed_and_say_why() -> None:
    result = map_folders(
        [folder("Notes: 2024"), folder('Say "hi"'), folder("Trailing  "), folder("a/b")],
        CARBONIO,
        separator=".",
    )
    by_source = result.by_source()

    assert by_source["Notes: 2024"].name == "Notes_ 2024"
    assert by_source['Say "hi"'].name == "Say _hi_"
    assert by_source["Trailing  "].name == "Trailing"
    assert by_source["a/b"].name == "a_b"
    assert all(target.notes for target in result.targets)


def test_reserved_long_and_control_character_names() -> None:
    assert clean_name(".", "/")[0] == "_."
    assert clean_name("..", "/")[0] == "_.."
    assert clean_name("   ", "/")[0] == "_"
    assert clean_name("tab\there", "/")[0] == "tab_here"
    long_name, notes = clean_name("x" * 300, "/")
    assert len(long_name) == MAX_NAME and notes
    assert clean_name("Fine name", "/") == ("Fine name", ())


def test_case_only_siblings_get_a_number() -> None:
    names = mapped(folder("Projects"), folder("projects"), folder("PROJECTS"))

    assert sorted(names.values()) == ["PROJECTS", "Projects (2)", "projects (3)"]


def test_a_renamed_folder_never_takes_the_name_of_a_valid_one() -> None:
    names = mapped(folder("Notes: x"), folder("Notes_ x"))

    assert names["Notes_ x"] == "Notes_ x"
    assert names["Notes: x"] == "Notes_ x (2)"


@given(st.randoms())
def test_the_mapping_does_not_depend_on_listing_order(rng: random.Random) -> None:
    folders = [
        folder(name)
        for name in ("Notes: x", "Notes_ x", "a", "A", "a.b", "Sent Items", "Sent", "x.y.z")
    ]
    expected = mapped(*folders)
    rng.shuffle(folders)

    assert mapped(*folders) == expected


def test_recorded_names_win_so_a_folder_never_moves() -> None:
    names = mapped(folder("Notes: x"), folder("Notes_ x"), recorded={"Notes: x": "Notes_ x"})

    assert names["Notes: x"] == "Notes_ x"
    assert names["Notes_ x"] == "Notes_ x (2)"


def test_an_existing_destination_folder_keeps_its_spelling() -> None:
    layout = DestinationLayout(separator="/", existing=frozenset({("projects",)}))
    result = map_folders([folder("Projects")], layout, separator=".")

    assert result.targets[0].name == "projects"


def test_unlisted_parents_are_added_and_virtual_folders_left_out() -> None:
    result = map_folders([folder("a.b.c"), folder("All Mail", "\\All")], CARBONIO, separator=".")

    assert [target.name for target in result.targets] == ["a", "a/b", "a/b/c"]
    assert not result.targets[0].source.selectable
    assert [f.name for f, _ in result.excluded] == ["All Mail"]


def test_include_and_exclude_rules() -> None:
    rules = FolderRules(include=("Projects*",), exclude=("Projects/Old*",))
    names = mapped(
        folder("Projects"),
        folder("Projects.Old"),
        folder("Projects.New"),
        folder("Other"),
        rules=rules,
    )

    assert set(names) == {"Projects", "Projects.New"}


def test_inbox_and_its_children() -> None:
    names = mapped(folder("INBOX"), folder("INBOX.Receipts"), folder("inbox"))

    assert names["INBOX"] == "INBOX"
    assert names["INBOX.Receipts"] == "INBOX/Receipts"


def test_a_destination_with_a_prefix_and_another_separator() -> None:
    layout = DestinationLayout(prefix="INBOX.", separator=".")
    result = map_folders([folder("A/B", separator="/")], layout, separator="/")

    assert [target.name for target in result.targets] == ["INBOX.A", "INBOX.A.B"]
