"""Where each source folder goes on Carbonio.

The source's personal namespace and separator become the destination's; special-use folders
land in Carbonio's system folders (Sent, Drafts, Trash, Junk, Archive), found by their
SPECIAL-USE attribute or by the names other clients give them in several languages; a name
Carbonio refuses is renamed by fixed rules, so every run (and a run with a new state store)
renames it the same way, and every rename is listed with its reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

# Carbonio's system folders that a source folder may be merged into (reference 5.3).
ROLES = ("Sent", "Drafts", "Trash", "Junk", "Archive")
SPECIAL_USE_ROLES = {
    "\\sent": "Sent",
    "\\drafts": "Drafts",
    "\\trash": "Trash",
    "\\junk": "Junk",
    "\\archive": "Archive",
}
# Views over other folders: copying them would copy every message twice.
VIRTUAL_SPECIAL_USE = frozenset({"\\all", "\\flagged"})
_NOT_SELECTABLE = frozenset({"\\noselect", "\\nonexistent"})

# Names other clients and servers give the same folders, compared case-insensitively.
COMMON_NAMES: Mapping[str, tuple[str, ...]] = {
    "Sent": (
        "Sent", "Sent Items", "Sent Messages", "Sent Mail", "Outbox Sent", "Gesendet",
        "Gesendete Elemente", "Gesendete Objekte", "Envoyés", "Éléments envoyés",
        "Messages envoyés", "Enviados", "Elementos enviados", "Posta inviata", "Inviati",
        "Elementi inviati", "Verzonden", "Verzonden items", "Itens enviados", "Wysłane",
        "Отправленные", "送信済み", "已发送",
    ),
    "Drafts": (
        "Drafts", "Draft", "Entwürfe", "Brouillons", "Borradores", "Bozze", "Concepten",
        "Rascunhos", "Kopie robocze", "Черновики", "下書き", "草稿",
    ),
    "Trash": (
        "Trash", "Deleted Items", "Deleted Messages", "Deleted", "Bin", "Papierkorb",
        "Gelöschte Elemente", "Gelöschte Objekte", "Corbeille", "Éléments supprimés",
        "Papelera", "Elementos eliminados", "Cestino", "Posta eliminata", "Prullenbak",
        "Verwijderde items", "Lixeira", "Itens excluídos", "Kosz", "Корзина", "Удаленные",
        "ゴミ箱", "已删除",
    ),
    "Junk": (
        "Junk", "Spam", "Junk E-mail", "Junk Email", "Junk Mail", "Bulk Mail", "Junk-E-Mail",
        "Indésirables", "Courrier indésirable", "Correo no deseado", "Posta indesiderata",
        "Ongewenste e-mail", "Lixo eletrônico", "Lixo eletrónico", "Спам", "迷惑メール",
        "垃圾邮件",
    ),
    "Archive": ("Archive", "Archives", "Archiv", "Archivo", "Archivio", "Archief", "Arquivo",
                "Archiwum", "Архив", "アーカイブ", "存档"),
}  # fmt: skip
_ROLE_BY_NAME = {name.casefold(): role for role, names in COMMON_NAMES.items() for name in names}

# Carbonio's naming rules (reference 5.2): refused characters, reserved names, length.
MAX_NAME = 255
_REFUSED_CHARACTERS = frozenset(':"/')
RENAME_CHARACTER = "_"


@dataclass(frozen=True)
class FolderStatus:
    """What STATUS says about a folder; unchanged means nothing to copy."""

    uidvalidity: int
    uidnext: int
    messages: int
    highestmodseq: int | None = None


@dataclass(frozen=True)
class SourceFolder:
    """A folder as the source lists it.

    ``name`` is the Unicode name with the source's separator, ``raw`` the modified UTF-7 name
    commands use, and ``path`` the Unicode parts inside the personal namespace.
    """

    name: str
    raw: bytes
    path: tuple[str, ...]
    attributes: frozenset[str] = frozenset()
    subscribed: bool = False
    status: FolderStatus | None = None
    listed: bool = True  # False for a parent the server did not list

    @property
    def selectable(self) -> bool:
        """Whether the folder can hold messages."""
        return self.listed and not (_NOT_SELECTABLE & self.attributes)

    @property
    def special_use(self) -> str | None:
        """The folder's special-use attribute (lower case), if it has one."""
        found = (SPECIAL_USE_ROLES.keys() | VIRTUAL_SPECIAL_USE) & self.attributes
        return min(found) if found else None


@dataclass(frozen=True)
class DestinationLayout:
    """The destination's namespace, separator, system folders and existing folders."""

    prefix: str = ""
    separator: str = "/"
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # "Sent" -> its path
    existing: frozenset[tuple[str, ...]] = frozenset()

    def name(self, path: tuple[str, ...]) -> str:
        """The full Unicode name of a destination path."""
        if path == ("INBOX",):
            return "INBOX"
        return self.prefix + self.separator.join(path)

    def path(self, name: str) -> tuple[str, ...]:
        """The path of a full destination name (the inverse of :meth:`name`)."""
        if name.upper() == "INBOX":
            return ("INBOX",)
        return tuple(name.removeprefix(self.prefix).split(self.separator))


@dataclass(frozen=True)
class FolderRules:
    """Which folders to copy: shell-style patterns on the Unicode path, parts joined by ``/``.

    With ``include`` only matching folders are copied; ``exclude`` wins over ``include``.
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def allows(self, path: tuple[str, ...]) -> bool:
        """Whether a folder with this path is copied."""
        text = "/".join(path)
        if any(fnmatchcase(text, pattern) for pattern in self.exclude):
            return False
        return not self.include or any(fnmatchcase(text, pattern) for pattern in self.include)


@dataclass(frozen=True)
class FolderTarget:
    """A source folder and where it goes; ``notes`` say why the name changed, if it did."""

    source: SourceFolder
    path: tuple[str, ...]
    name: str
    role: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def renamed(self) -> bool:
        """Whether the folder's name had to change for Carbonio (beyond the separator)."""
        return bool(self.notes)


@dataclass
class FolderMapping:
    """Every source folder's target, and the folders left out with the reason."""

    targets: list[FolderTarget] = field(default_factory=list)
    excluded: list[tuple[SourceFolder, str]] = field(default_factory=list)

    def groups(self) -> dict[str, list[FolderTarget]]:
        """Targets by destination name: several source folders may merge into one."""
        grouped: dict[str, list[FolderTarget]] = {}
        for target in self.targets:
            grouped.setdefault(target.name, []).append(target)
        return grouped

    def by_source(self) -> dict[str, FolderTarget]:
        """Targets by source name."""
        return {target.source.name: target for target in self.targets}


def role_of(folder: SourceFolder) -> str | None:
    """The Carbonio system folder a source folder belongs in, if any.

    SPECIAL-USE decides at any depth; a well-known name only at the top of the namespace.
    """
    special = folder.special_use
    if special in SPECIAL_USE_ROLES:
        return SPECIAL_USE_ROLES[special]
    if len(folder.path) == 1:
        return _ROLE_BY_NAME.get(folder.path[0].casefold())
    return None


def clean_name(component: str, separator: str) -> tuple[str, tuple[str, ...]]:
    """A name part Carbonio accepts, and the reasons it had to change (none if it did not)."""
    notes: list[str] = []
    cleaned = "".join(
        RENAME_CHARACTER
        if ch in _REFUSED_CHARACTERS or ch == separator or ord(ch) < 32 or ord(ch) == 127
        else ch
        for ch in component
    )
    if cleaned != component:
        notes.append(f'characters Carbonio refuses (: " / control) became {RENAME_CHARACTER}')

    stripped = cleaned.rstrip(" ")
    if stripped != cleaned:
        notes.append("trailing spaces removed")
    if stripped in ("", ".", ".."):
        stripped = RENAME_CHARACTER + stripped
        notes.append("a blank, . or .. name is not allowed")
    if len(stripped) > MAX_NAME:
        stripped = stripped[:MAX_NAME].rstrip(" ")
        notes.append(f"shortened to {MAX_NAME} characters")
    return stripped, tuple(notes)


def with_parents(folders: Iterable[SourceFolder], separator: str) -> list[SourceFolder]:
    """The folders plus any parent the server did not list, so the tree has no gaps."""
    found = {folder.path: folder for folder in folders}
    for path in list(found):
        for depth in range(1, len(path)):
            parent = path[:depth]
            if parent not in found:
                name = separator.join(parent)
                found[parent] = SourceFolder(name, b"", parent, listed=False)
    return sorted(found.values(), key=lambda folder: folder.path)


def map_folders(
    sources: Iterable[SourceFolder],
    layout: DestinationLayout,
    *,
    separator: str,
    rules: FolderRules | None = None,
    recorded: Mapping[str, str] | None = None,
) -> FolderMapping:
    """Map source folders (``separator`` is the source's) onto the destination.

    ``recorded`` holds the destination names chosen by earlier runs; they are kept, so a
    folder never moves once copied. Everything else depends only on the source's folder list,
    so the same source always gives the same mapping.
    """
    rules = rules or FolderRules()
    recorded = recorded or {}
    mapping = FolderMapping()
    chosen: dict[tuple[str, ...], tuple[str, ...]] = {}  # source path -> destination path
    taken: dict[tuple[str, ...], set[str]] = {}  # destination parent -> casefolded names
    spelling = {_fold(path): path for path in layout.existing}

    folders = with_parents(sources, separator)
    kept: list[SourceFolder] = []
    for folder in folders:
        reason = excluded_reason(folder, rules)
        if reason:
            mapping.excluded.append((folder, reason))
        else:
            kept.append(folder)

    for depth in sorted({len(folder.path) for folder in folders}):
        level = [folder for folder in folders if len(folder.path) == depth]
        for folder in sorted(level, key=lambda f: _priority(f, recorded, separator)):
            target = _place(folder, layout, chosen, taken, spelling, recorded)
            chosen[folder.path] = target.path
            if folder in kept:
                mapping.targets.append(target)
    mapping.targets.sort(key=lambda target: target.source.path)
    return mapping


def excluded_reason(folder: SourceFolder, rules: FolderRules) -> str | None:
    """Why a folder is not copied, or None when it is."""
    if folder.special_use in VIRTUAL_SPECIAL_USE:
        return f"a virtual folder ({folder.special_use}) showing messages of other folders"
    if not rules.allows(folder.path):
        return "left out by the include/exclude rules"
    return None


def _priority(
    folder: SourceFolder, recorded: Mapping[str, str], separator: str
) -> tuple[int, tuple[str, ...]]:
    """Who gets a contested name first: system folders, earlier runs, valid names, renamed."""
    if (len(folder.path) == 1 and folder.path[0].upper() == "INBOX") or role_of(folder):
        rank = 0
    elif folder.name in recorded:
        rank = 1
    elif clean_name(folder.path[-1], separator)[1]:
        rank = 3
    else:
        rank = 2
    return rank, folder.path


def _place(
    folder: SourceFolder,
    layout: DestinationLayout,
    chosen: dict[tuple[str, ...], tuple[str, ...]],
    taken: dict[tuple[str, ...], set[str]],
    spelling: dict[tuple[str, ...], tuple[str, ...]],
    recorded: Mapping[str, str],
) -> FolderTarget:
    """Decide one folder's destination path; its parent is already placed."""
    path = folder.path
    if len(path) == 1 and path[0].upper() == "INBOX":
        return FolderTarget(folder, ("INBOX",), "INBOX")

    role = role_of(folder)
    if role is not None:
        target = tuple(layout.roles.get(role, (role,)))
        return FolderTarget(folder, target, layout.name(target), role)

    if folder.name in recorded:
        target = layout.path(recorded[folder.name])
        taken.setdefault(target[:-1], set()).add(target[-1].casefold())
        return FolderTarget(folder, target, layout.name(target))

    parent = chosen.get(path[:-1], ()) if len(path) > 1 else ()
    name, notes = clean_name(path[-1], layout.separator)
    siblings = taken.setdefault(parent, set())
    # Children of the inbox keep their parent; a top-level "inbox" lookalike is renamed.
    if not parent and name.upper() == "INBOX":
        siblings.add("inbox")
    unique = _unique(name, siblings)
    if unique != name:
        notes += (f"another folder is already named {name!r} (names ignore case on Carbonio)",)
    siblings.add(unique.casefold())

    target = (*parent, unique)
    target = spelling.get(_fold(target), target)
    return FolderTarget(folder, target, layout.name(target), notes=notes)


def _unique(name: str, siblings: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... whichever no sibling has."""
    if name.casefold() not in siblings:
        return name
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = name[: MAX_NAME - len(suffix)].rstrip(" ") + suffix
        if candidate.casefold() not in siblings:
            return candidate
        number += 1


def _fold(path: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(part.casefold() for part in path)


def layout_with_folders(layout: DestinationLayout, names: Iterable[str]) -> DestinationLayout:
    """The layout with these existing folders added."""
    return replace(layout, existing=layout.existing | {layout.path(name) for name in names})
