"""The element tree that requests are parsed into and responses are built from.

Carbonio's SOAP layer treats XML and JSON as two spellings of one tree; handlers here see and
build that tree only, and `soap.py` turns it into either spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Scalar = str | int | bool


@dataclass
class Element:
    """One element: name, namespace, attributes, text and children, in document order.

    In JSON a child element is an array of objects, as the server adds most elements as
    repeatable; `unique` marks one written as a single object, and `scalar` a text-only one
    written as a plain key (`"lifetime": 3600000`).
    """

    name: str
    ns: str | None = None
    attrs: dict[str, Scalar] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)
    text: Scalar | None = None
    scalar: bool = False
    unique: bool = False

    def add(self, tag: str, text: Scalar | None = None, /, **attrs: Scalar) -> Element:
        """Append a child element and return it."""
        child = Element(tag, attrs=dict(attrs), text=text)
        self.children.append(child)
        return child

    def add_scalar(self, name: str, value: Scalar) -> Element:
        """Append a text-only child that JSON writes as a plain key."""
        child = Element(name, text=value, scalar=True)
        self.children.append(child)
        return child

    def add_attr(self, attr_name: str, value: str, /, **markers: Scalar) -> Element:
        """Append one `<a n="attr_name">value</a>` attribute element."""
        return self.add("a", value, n=attr_name, **markers)

    def first(self, name: str) -> Element | None:
        """Return the first child with this name, or None."""
        return next((c for c in self.children if c.name == name), None)

    def all(self, name: str) -> list[Element]:
        """Return every child with this name, in order."""
        return [c for c in self.children if c.name == name]

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return an attribute, falling back to a child's text as Carbonio's parser does."""
        if name in self.attrs:
            return scalar_text(self.attrs[name])
        child = self.first(name)
        if child is not None and child.text is not None:
            return scalar_text(child.text)
        return default

    @property
    def value(self) -> str:
        """The element's text as a string ('' when it has none)."""
        return "" if self.text is None else scalar_text(self.text)


def scalar_text(value: Scalar) -> str:
    """Spell a scalar the way the XML form does: booleans as 1/0."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def parse_bool(value: str | None, default: bool) -> bool:
    """Read a SOAP boolean ("1", "true", "0", "false"); anything else gives the default."""
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false"):
        return False
    return default
