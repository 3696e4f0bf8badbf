"""A mailbox as far as imports see it: folders, contacts and calendar items."""

from __future__ import annotations

from dataclasses import dataclass, field

# System folders created with every Carbonio mailbox: id, name, view (reference 5.3).
SYSTEM_FOLDERS = (
    (2, "Inbox", "message"),
    (3, "Trash", "message"),
    (4, "Junk", "message"),
    (5, "Sent", "message"),
    (6, "Drafts", "message"),
    (7, "Contacts", "contact"),
    (10, "Calendar", "appointment"),
    (13, "Emailed Contacts", "contact"),
    (14, "Chats", "message"),
)
ROOT_ID = 1
FIRST_USER_ID = 257


@dataclass
class Folder:
    """A folder: its id, parent, name and default view."""

    id: int
    parent_id: int
    name: str
    view: str


@dataclass
class Contact:
    """An imported contact: Carbonio field name -> value."""

    id: int
    folder_id: int
    fields: dict[str, str]


@dataclass
class CalendarItem:
    """An appointment or task, keyed by iCalendar UID; `components` holds the raw text."""

    id: int
    folder_id: int
    uid: str
    kind: str
    summary: str | None
    sequence: int
    components: dict[str, str] = field(default_factory=dict)


class Mailbox:
    """One account's folders and imported items."""

    def __init__(self) -> None:
        self.folders: dict[int, Folder] = {ROOT_ID: Folder(ROOT_ID, 0, "", "unknown")}
        for folder_id, name, view in SYSTEM_FOLDERS:
            self.folders[folder_id] = Folder(folder_id, ROOT_ID, name, view)
        self.contacts: list[Contact] = []
        self.calendar: dict[str, CalendarItem] = {}
        self._next_id = FIRST_USER_ID

    def next_id(self) -> int:
        """Allocate an item id."""
        self._next_id += 1
        return self._next_id

    def resolve(self, path: str) -> Folder | None:
        """Find a folder by slash-separated path, case-insensitively ('' is the root)."""
        folder = self.folders[ROOT_ID]
        for part in [p for p in path.split("/") if p]:
            child = self._child(folder.id, part)
            if child is None:
                return None
            folder = child
        return folder

    def _child(self, parent_id: int, name: str) -> Folder | None:
        """The child of `parent_id` named `name`, ignoring case."""
        lowered = name.lower()
        for folder in self.folders.values():
            if folder.parent_id == parent_id and folder.name.lower() == lowered:
                return folder
        return None

    def create_folder(self, path: str, view: str) -> Folder:
        """Create a folder (and missing parents, with the same view); return the leaf."""
        folder = self.folders[ROOT_ID]
        for part in [p for p in path.split("/") if p]:
            child = self._child(folder.id, part)
            if child is None:
                child = Folder(self.next_id(), folder.id, part, view)
                self.folders[child.id] = child
            folder = child
        return folder

    def path_of(self, folder_id: int) -> str:
        """The slash-separated path of a folder."""
        parts = []
        folder = self.folders[folder_id]
        while folder.id != ROOT_ID:
            parts.append(folder.name)
            folder = self.folders[folder.parent_id]
        return "/".join(reversed(parts))

    def add_contact(self, folder_id: int, fields: dict[str, str]) -> Contact:
        """Store a new contact; there is no duplicate detection, as on the server."""
        contact = Contact(self.next_id(), folder_id, dict(fields))
        self.contacts.append(contact)
        return contact
