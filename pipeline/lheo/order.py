"""Where a child goes in a LHÉO element: the order of the XSD's sequences.

The writer keeps a producer's elements as they were and adds only what FASD knows
and the flow lacked (a referent, a funder from --defauts). An added element must go
where the XSD sequence wants it; the order is read from the XSD, not retyped.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"


@lru_cache(maxsize=1)
def _sequences() -> dict[str, list]:
    """element name -> the `xs:element ref` children of its type's sequence, in order."""
    with resources.files("pipeline").joinpath("data/lheo-2.3.xsd").open("rb") as fh:
        xsd = etree.parse(fh).getroot()
    types = {t.get("name"): t for t in xsd.iter(f"{XS}complexType") if t.get("name")}
    sequences: dict[str, list] = {}
    for element in xsd.iterchildren(f"{XS}element"):
        name = element.get("name")
        type_name = (element.get("type") or "").split(":")[-1]
        for candidate in (type_name.replace("-type", "-subtype"), type_name):
            t = types.get(candidate)
            if t is None:
                continue
            refs = [e for e in t.iter(f"{XS}element") if e.get("ref")]
            if refs:
                sequences[name] = refs
                break
    return sequences


@lru_cache(maxsize=1)
def child_order() -> dict[str, dict[str, int]]:
    """element name -> child name -> rank in the element's sequence."""
    return {
        name: {r: i for i, r in enumerate(dict.fromkeys(e.get("ref").split(":")[-1] for e in refs))}
        for name, refs in _sequences().items()
    }


def occurs(parent: str, child: str) -> str | None:
    """How many `child` elements the XSD allows in `parent`: "1", "0..1", "1..n"…;
    None when the sequence of `parent` has no such child (docs/lheo-mapping.md)."""
    for e in _sequences().get(parent, []):
        if e.get("ref").split(":")[-1] == child:
            low, high = e.get("minOccurs", "1"), e.get("maxOccurs", "1")
            high = "n" if high == "unbounded" else high
            return low if low == high else f"{low}..{high}"
    return None


def insert_child(parent, child) -> None:
    """Insert `child` into `parent` after the children the XSD puts before it."""
    ranks = child_order().get(etree.QName(parent).localname, {})
    rank = ranks.get(etree.QName(child).localname)
    if rank is None:
        parent.append(child)
        return
    for existing in parent.iterchildren(tag=etree.Element):
        other = ranks.get(etree.QName(existing).localname)
        if other is not None and other > rank:
            existing.addprevious(child)
            return
    parent.append(child)
