"""LHÉO XML (2.3 or 2.2, UTF-8 or ISO-8859-1) -> the raw tables of the workbook readers.

The file is streamed: `lxml.etree.iterparse` hands over one `formation` at a time,
which is mapped to rows (readers/lheo_rows.py, after the table of
pipeline/lheo/mapping.py) and then cleared (with its already-read siblings), so
memory follows one formation, not the file. The parser never resolves entities,
never loads a DTD and never touches the network; a DOCTYPE that declares entities
or an external DTD is refused before any content is read.

This module walks the file and gathers the rows into tables: the directory merged
by code as it streams, the offers column-wise. Elements the mapping does not use are
counted and reported (LHEO_UNUSED, one information line per path; readers/lheo_elements.py)
and kept: a formation holding some is kept whole as written (`Table.origins`, then
`lheo_origine` in records.jsonl) and lheo.xml is written from it (writers/lheo.py
`origin_element`). docs/lheo-mapping.md describes the mapping.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator

import pandas as pd
from lxml import etree

from ..findings import Findings
from ..lheo import NAMESPACES
from ..model import ENTITIES
from ..tables import SourceColumn, Table, conform
from .errors import InputError
from .lheo_elements import Bundle
from .lheo_rows import FormationMapper

__all__ = ["Bundle", "FormationMapper", "check_prolog", "read_lheo", "stream_lheo"]

PARSER_OPTIONS = dict(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
)


def _short(message: str) -> str:
    return message.split(", line ")[0].strip().rstrip(".")[:150]


def check_prolog(path: Path) -> str:
    """Namespace of the `lheo` root; InputError for a DOCTYPE, a wrong root or bad XML."""
    name = path.name
    try:
        for _, root in etree.iterparse(str(path), events=("start",), **PARSER_OPTIONS):
            break
        else:
            raise InputError(f"{name} : fichier XML vide.")
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name} : XML mal formé ligne {exc.lineno} ({_short(exc.msg)}).") from None
    except OSError as exc:
        raise InputError(f"{name} : fichier illisible ({exc.strerror or exc}).") from None
    info = root.getroottree().docinfo
    dtd = info.internalDTD
    entities = list(dtd.entities()) if dtd is not None else []
    external = [e for e in entities if e.system_url]
    if external:
        raise InputError(
            f"{name} : entité externe « {external[0].name} » vers « {external[0].system_url} » "
            "(XXE) refusée : un flux LHÉO ne doit pas déclarer d'entités."
        )
    if entities:
        raise InputError(
            f"{name} : déclarations d'entités ({', '.join(e.name for e in entities[:3])}…) "
            "refusées (risque d'expansion exponentielle) : un flux LHÉO ne doit pas en contenir."
        )
    if info.system_url or info.public_id:
        raise InputError(
            f"{name} : DTD externe « {info.system_url or info.public_id} » refusée : "
            "le lecteur ne charge aucune DTD et n'accède pas au réseau."
        )
    qname = etree.QName(root)
    if qname.localname != "lheo" or qname.namespace not in NAMESPACES:
        found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
        raise InputError(
            f"{name} : racine « {found} » inattendue ; un flux LHÉO commence par « lheo » "
            f"dans l'espace de noms {NAMESPACES[0]} ou {NAMESPACES[1]}."
        )
    return qname.namespace


def stream_lheo(path: Path) -> Iterator[Bundle]:
    """One Bundle per formation (and one for the directory extras), clearing as it goes."""
    path = Path(path)
    ns = check_prolog(path)
    formation_tag, extras_tag, root_tag, offres_tag = (
        f"{{{ns}}}{n}" for n in ("formation", "extras", "lheo", "offres")
    )
    paths: dict = {}
    kinds: set = set()
    context = etree.iterparse(str(path), events=("end",), tag=(formation_tag, extras_tag), **PARSER_OPTIONS)
    try:
        for _, el in context:
            parent = el.getparent()
            if el.tag == formation_tag:
                yield FormationMapper(ns, paths, kinds).formation(el)
            elif parent is not None and parent.tag in (root_tag, offres_tag):
                yield FormationMapper(ns, paths, kinds).root_extras(el)
            else:
                continue
            el.clear(keep_tail=False)
            while el.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path.name} : XML mal formé ligne {exc.lineno} ({_short(exc.msg)}).") from None
    finally:
        del context


class Directory:
    """Sites or contacts by code, merged as they stream in: memory follows the codes."""

    def __init__(self, entity: str) -> None:
        self.key = ENTITIES[entity].key[0]
        self.exact: dict[str, dict] = {}  # from the fasd-annuaire extras
        self.inline: dict[str, dict] = {}  # from the offers' elements, merged field by field

    def add(self, row: dict, exact: bool) -> None:
        code = row.get(self.key, "")
        if exact:
            self.exact.setdefault(code, row)
            return
        target = self.inline.get(code)
        if target is None:
            self.inline[code] = dict(row)
            return
        for name, value in row.items():
            if value and not target.get(name):
                target[name] = value

    def rows(self) -> list[dict]:
        """The exact directory wins; inline records fill in the codes it lacks."""
        return list(self.exact.values()) + [r for c, r in self.inline.items() if c not in self.exact]


class Columns:
    """Rows of one entity stored column-wise; repeated short values share one string."""

    def __init__(self, entity: str, pool: dict) -> None:
        self.names = ENTITIES[entity].names + ["_line"]
        self.data: dict[str, list] = {n: [] for n in self.names}
        self.pool = pool

    def add(self, row: dict) -> None:
        pool = self.pool
        for name in self.names:
            value = row.get(name, "")
            if isinstance(value, str) and len(value) < 64:
                value = pool.setdefault(value, value)
            self.data[name].append(value)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({n: pd.Series(v, dtype=object) for n, v in self.data.items()})


def read_lheo(path: Path, findings: Findings) -> dict[str, Table]:
    """Tables of one LHÉO file: entity -> Table (directory and offers)."""
    path = Path(path)
    source = path.name
    pool: dict[str, str] = {}
    offers = {e: Columns(e, pool) for e in ENTITIES if e not in ("site", "contact")}
    directory = {e: Directory(e) for e in ("site", "contact")}
    unused: Counter = Counter()
    publics: Counter = Counter()
    paths: dict[tuple[str, str], str] = {}
    origins: dict[tuple[str, int], str] = {}
    for bundle in stream_lheo(path):
        publics.update(bundle.publics)
        origins.update(((source, line), xml) for line, xml in bundle.origins.items())
        for entity, items in bundle.rows.items():
            if entity in directory:
                for row in items:
                    directory[entity].add(row, bundle.annuaire)
            else:
                for row in items:
                    offers[entity].add(row)
        unused.update(bundle.unused)
        for k, v in bundle.paths.items():
            paths.setdefault(k, v)
    frames = {e: c.frame() for e, c in offers.items()}
    for entity, d in directory.items():
        items = Columns(entity, pool)
        for row in d.rows():
            items.add(row)
        frames[entity] = items.frame()
    del pool
    tables = {}
    for entity in ENTITIES:
        frame = frames.pop(entity)
        frame["_source"] = source
        frame["_sheet"] = ""
        frame["_row"] = None
        columns = {name: SourceColumn(p, p) for (e, name), p in paths.items() if e == entity}
        tables[entity] = Table(
            entity, conform(entity, frame), {(source, ""): columns}, origins=origins if entity == "formation" else {}
        )
    for (code, version, v12), count in sorted(publics.items()):
        where = "formation/action/code-public-vise"
        if v12:
            findings.add_file("PUBLIC_VERSION", source, column=where, value=code, count=count, version=version, v12=v12)
        else:
            findings.add_file("PUBLIC_UNMAPPED", source, column=where, value=code, count=count, version=version)
    for element_path, count in sorted(unused.items()):
        findings.add_file("LHEO_UNUSED", source, column=element_path, value=str(count), count=count, path=element_path)
    return tables
