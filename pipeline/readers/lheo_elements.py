"""One LHÉO `formation` (or the root extras) read element by element, noting what was used.

The mapping (readers/lheo_rows.py) asks for children by name through an
`ElementReader`: every element handed over is marked used, so what no mapping asked
for is counted per path (LHEO_UNUSED, `finish`) and the formation is then kept whole
as written (`origin`) for the writer to start from. Texts that mean "empty" (our
placeholders and the shared list) read as "" one element at a time. The FASD fields
a row gets, and from which elements, are the mapping's business, not this module's.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from ..lheo import FASD, NS_22, NS_23, ORIGIN_REF, PLACEHOLDERS
from ..lheo.mapping import STANDARD
from ..model.fields import ENTITIES
from .placeholders import is_placeholder


@dataclass
class Bundle:
    """What one formation (or the root directory extras) gives: rows and the unused."""

    rows: dict[str, list[dict]] = field(default_factory=lambda: {e: [] for e in ENTITIES})
    annuaire: bool = False
    unused: Counter = field(default_factory=Counter)
    paths: dict = field(default_factory=dict)
    publics: Counter = field(default_factory=Counter)  # (code, version, V12 code or "") -> count
    origins: dict = field(default_factory=dict)  # formation line -> its XML, when FASD leaves some out
    as_written: bool = False  # a code FASD keeps but cannot write back (a modalité outside SOFI's list)


class QNames(dict):
    """Local name -> `{ns}name`, made once per name (a dict look-up, not a format, per step)."""

    def __init__(self, ns: str) -> None:
        super().__init__()
        self.ns = ns

    def __missing__(self, name: str) -> str:
        qname = self[name] = f"{{{self.ns}}}{name}"
        return qname


@lru_cache(maxsize=None)
def qnames(ns: str) -> QNames:
    return QNames(ns)


CLEAN_CACHED = 64  # texts up to this length (codes, dates, numbers) are cleaned once
CLEAN_CACHE_SIZE = 100_000  # distinct texts kept; the cache starts again when full
_cleaned: dict[str, str] = {}


def clean(text: str) -> str:
    """Element text, or "" for a placeholder: ours (writers/lheo.py) and the shared list
    (`-`, `00000000`…, pipeline/readers/placeholders.py), so one element of a list is blanked alone.
    A flow repeats its short texts on every session: each is judged once."""
    found = _cleaned.get(text)
    if found is not None:
        return found
    stripped = text.strip()
    found = "" if stripped in PLACEHOLDERS or is_placeholder(stripped) else text
    if len(text) <= CLEAN_CACHED:
        if len(_cleaned) >= CLEAN_CACHE_SIZE:
            _cleaned.clear()
        _cleaned[text] = found
    return found


class ElementReader:
    """Children by name, marking each element it hands over as used; rows and the
    element path of their fields, noted once per kind of element."""

    def __init__(self, ns: str, paths: dict | None = None, kinds: set | None = None) -> None:
        self.ns = ns
        self.seen: set = set()
        self.bundle = Bundle()
        # Shared by the mappers of one file: element path of each field, kinds already noted.
        self.paths: dict[tuple[str, str], str] = {} if paths is None else paths
        self.kinds: set = set() if kinds is None else kinds
        self._index: dict = {}
        self.qn = qnames(ns)
        self.refs: dict = {}  # action, session, organisme-financeur element -> FASD key it became

    # -- element access that records what was used ---------------------------------
    def q(self, name: str) -> str:
        return self.qn[name]

    def index(self, el) -> dict[str, list]:
        """Children of `el` by tag, built once (find() re-parses its path on every call)."""
        idx = self._index.get(el)
        if idx is None:
            idx = {}
            for c in el.iterchildren(tag=etree.Element):
                tag = c.tag
                found = idx.get(tag)
                if found is None:
                    idx[tag] = [c]
                else:
                    found.append(c)
            self._index[el] = idx
        return idx

    def kid(self, el, *names):
        qn, cache, seen = self.qn, self._index, self.seen
        for name in names:
            if el is None:
                return None
            idx = cache.get(el)
            found = (self.index(el) if idx is None else idx).get(qn[name])
            if not found:
                return None
            el = found[0]
            seen.add(el)
        return el

    def kids(self, el, name: str) -> list:
        if el is None:
            return []
        idx = self._index.get(el)
        found = (self.index(el) if idx is None else idx).get(self.qn[name])
        if not found:
            return []
        self.seen.update(found)
        return found

    def text(self, el, *names) -> str:
        el = self.kid(el, *names)
        if el is None:
            return ""
        value = (el.text or "") if len(el) == 0 else "".join(el.itertext())
        return clean(value)

    def texts(self, el, name: str) -> list[str]:
        return [t for t in (clean(e.text or "") for e in self.kids(el, name)) if t.strip()]

    def note(self, entity: str, name: str, path: str) -> None:
        self.paths.setdefault((entity, name), path)

    def extras(self, el) -> dict[str, str] | None:
        """The FASD fields of `<extras info="fasd">`, or None when the element has none."""
        found = None
        for x in self.kids(el, "extras"):
            if x.get("info") != FASD:
                self.seen.discard(x)
                continue
            found = {} if found is None else found
            items = list(x.iterchildren(self.qn["extra"]))  # no index: nothing else asks for them
            self.seen.update(items)
            for e in items:
                info = e.get("info")
                if info and info != "dispositifs":
                    found[info] = e.text or ""
        return found

    @staticmethod
    def apply(entity: str, row: dict, extras: dict | None) -> None:
        """Authoritative extras: every non-standard field from them, overrides too."""
        if extras is None:
            return
        standard = STANDARD[entity]
        for name in ENTITIES[entity].names:
            if name in extras:
                row[name] = extras[name]
            elif name not in standard:
                row[name] = ""

    def keep(self, entity: str, row: dict, base: str, extras: dict | None, standard_paths: dict) -> None:
        """Add the row; note its fields' element paths once per kind of element."""
        self.bundle.rows[entity].append(row)
        kind = (entity, extras is not None)
        if kind in self.kinds:
            return
        self.kinds.add(kind)
        for name in row:
            if name.startswith("_"):
                continue
            if extras is not None and (name in extras or name not in STANDARD[entity]):
                self.note(entity, name, f"{base}/extras/extra[@info='{name}']")
            elif name in standard_paths:
                self.note(entity, name, standard_paths[name])

    def finish(self, top, where: str = "") -> Bundle:
        """Count the elements under `top` that the mapping did not use, by path."""
        for el in top.iter(etree.Element):
            if el not in self.seen and (el is not top or where):
                names = []
                e = el
                while e is not None and e is not top:
                    names.append(etree.QName(e).localname)
                    e = e.getparent()
                names.append(etree.QName(top).localname)
                self.bundle.unused[where + "/".join(reversed(names))] += 1
        self.bundle.paths = self.paths
        if (self.bundle.unused or self.bundle.as_written) and etree.QName(top).localname == "formation":
            self.bundle.origins[top.sourceline] = self.origin(top)
        return self.bundle

    def origin(self, f) -> str:
        """The formation as written, in the 2.3 namespace, each action, session and
        funder stamped with the FASD key it became (`fasd-ref`, see ORIGIN_REF): the
        writer starts from it, so what FASD does not model is written back in place."""
        copied = copy.deepcopy(f)
        for original, el in zip(f.iter(), copied.iter()):
            if not isinstance(el.tag, str):
                continue
            qname = etree.QName(el)
            if qname.namespace == NS_22:
                el.tag = f"{{{NS_23}}}{qname.localname}"
            if original in self.refs:
                el.set(ORIGIN_REF, self.refs[original])
        root = etree.Element(copied.tag, dict(copied.attrib), nsmap={None: NS_23})
        root.text = copied.text
        root[:] = copied[:]
        etree.cleanup_namespaces(root)
        return etree.tostring(root, encoding="unicode")
