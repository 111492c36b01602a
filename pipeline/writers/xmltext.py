"""XML written as text, byte for byte as lxml's `pretty_print` would write it.

Why: lheo.xml holds about a hundred elements per session; making each one an lxml
element, cleaning its text with a regular expression and serialising it cost more than
reading the whole input. Here an element is one formatted string, each distinct text
is cleaned and escaped once (`text`, `attr`: cached), and a block that repeats (a
site's address, a contact) is rendered once per indentation level and copied.

The format is lxml's (libxml2's): two spaces per level, an element with neither text
nor children as `<tag/>`, an empty text as `<tag></tag>`, `&<>` and carriage returns
escaped in text, `&<>"` and tab, newline and carriage return in attribute values.
`tests/test_xmltext.py` checks it against lxml. `pretty=False` writes the same
elements without indentation, for turning a fragment back into lxml elements
(`fragment`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CACHE = 1 << 15  # distinct texts kept escaped: long texts repeat on every session of an action


def xml_text(value) -> str:
    """Text that XML can carry: characters XML 1.0 forbids are dropped."""
    return NOT_XML.sub("", str(value))


@lru_cache(maxsize=_CACHE)
def _escape_text(value: str) -> str:
    value = NOT_XML.sub("", value)
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def text(value) -> str:
    """Element content: XML-forbidden characters dropped, then escaped."""
    return _escape_text(value if value.__class__ is str else str(value))


@lru_cache(maxsize=_CACHE)
def _escape_attr(value: str) -> str:
    value = _escape_text(value)
    for raw, ref in (('"', "&quot;"), ("\n", "&#10;"), ("\t", "&#9;")):
        if raw in value:
            value = value.replace(raw, ref)
    return value


def attr_value(value) -> str:
    """An attribute's value, escaped (without the quotes)."""
    return _escape_attr(value if value.__class__ is str else str(value))


def attr(name: str, value) -> str:
    """` name="value"`, or "" when the value is None or empty (the attribute is left out)."""
    if value is None or (value.__class__ is str and value == ""):
        return ""
    return f' {name}="{attr_value(value)}"'


class XmlOut:
    """A list of strings that joined make the XML; elements are added in document order.

    `open` returns a mark that `close` needs: when nothing was added in between, the
    element is rewritten as `<tag/>`."""

    __slots__ = ("parts", "pretty", "_nl")

    def __init__(self, pretty: bool = True) -> None:
        self.parts: list[str] = []
        self.pretty = pretty
        self._nl = "\n" if pretty else ""

    def indent(self, depth: int) -> str:
        return "  " * depth if self.pretty else ""

    def leaf(self, depth: int, tag: str, value, attrs: str = "") -> None:
        """`<tag attrs>value</tag>`; value None gives `<tag attrs/>`."""
        pad = "  " * depth if self.pretty else ""
        if value is None:
            self.parts.append(f"{pad}<{tag}{attrs}/>{self._nl}")
        else:
            self.parts.append(f"{pad}<{tag}{attrs}>{text(value)}</{tag}>{self._nl}")

    def open(self, depth: int, tag: str, attrs: str = "") -> int:
        pad = "  " * depth if self.pretty else ""
        self.parts.append(f"{pad}<{tag}{attrs}>{self._nl}")
        return len(self.parts)

    def close(self, depth: int, tag: str, mark: int) -> None:
        pad = "  " * depth if self.pretty else ""
        if len(self.parts) == mark:  # no child: lxml writes an empty element
            start = self.parts[mark - 1]
            self.parts[mark - 1] = start[: len(start) - 1 - len(self._nl)] + "/>" + self._nl
        else:
            self.parts.append(f"{pad}</{tag}>{self._nl}")

    def end(self, depth: int, tag: str) -> None:
        """Close an element known to have children (no mark needed)."""
        pad = "  " * depth if self.pretty else ""
        self.parts.append(f"{pad}</{tag}>{self._nl}")

    def raw(self, xml: str) -> None:
        """Add XML already rendered at the right level (a cached block)."""
        self.parts.append(xml)

    def getvalue(self) -> str:
        return "".join(self.parts)


class _FragmentOut(XmlOut):
    """Compact output that remembers which elements have an empty text: parsed back,
    `<a></a>` has no text, and lxml would then write it `<a/>`. (Blocks added with `raw`
    are not counted: a fragment is built without them.)"""

    __slots__ = ("_elements", "empty")

    def __init__(self) -> None:
        super().__init__(pretty=False)
        self._elements = 0
        self.empty: list[int] = []

    def leaf(self, depth: int, tag: str, value, attrs: str = "") -> None:
        if value is not None and text(value) == "":
            self.empty.append(self._elements)
        self._elements += 1
        super().leaf(depth, tag, value, attrs)

    def open(self, depth: int, tag: str, attrs: str = "") -> int:
        self._elements += 1
        return super().open(depth, tag, attrs)


def fragment(namespace: str, build) -> etree._Element:
    """The lxml element that `build(out, depth)` writes (one element), in `namespace`:
    for code that patches an lxml tree with the same elements."""
    out = _FragmentOut()
    build(out, 0)
    element = etree.fromstring(f'<w xmlns="{namespace}">{out.getvalue()}</w>')[0]
    if out.empty:
        elements = list(element.iter())
        for index in out.empty:
            elements[index].text = ""
    return element
