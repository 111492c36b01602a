"""LHÉO XML (2.3 or 2.2, UTF-8 or ISO-8859-1) -> the raw tables of the workbook readers.

The file is streamed: `lxml.etree.iterparse` hands over one `formation` at a time,
which is mapped to rows (readers/lheo_rows.py, after the table of
pipeline/lheo/mapping.py) and then cleared (with its already-read siblings), so
memory follows one formation, not the file. The parser never resolves entities,
never loads a DTD and never touches the network; a DOCTYPE that declares entities
or an external DTD is refused before any content is read.

This module walks the file; readers/lheo_flow.py gathers the rows into tables (the
directory merged by code as it streams, the offers column-wise). Elements the mapping does not use are
counted and reported (LHEO_UNUSED, one information line per path; readers/lheo_elements.py)
and kept: a formation holding some is kept whole as written (`Table.origins`, then
`lheo_origine` in records.jsonl) and lheo.xml is written from it (writers/lheo.py
`origin_element`). docs/lheo-mapping.md describes the mapping.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from lxml import etree

from ..model.findings import Findings
from ..lheo import NAMESPACES
from ..model.fields import ENTITIES
from ..model.tables import Table
from .errors import InputError
from .lheo_elements import Bundle
from .lheo_flow import LheoFlow, fewer_collections, frame_of
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


def read_lheo(path: Path, findings: Findings) -> dict[str, Table]:
    """Tables of one LHÉO file: entity -> Table (directory and offers)."""
    flow = LheoFlow(path)
    with fewer_collections():
        for _ in flow.gather(stream_lheo(flow.path)):
            pass
    data, origins = flow.take()
    frames = {e: frame_of(columns) for e, columns in data.items()}
    del data
    frames.update(flow.directory_frames())
    tables = {entity: flow.table(entity, frames.pop(entity), origins) for entity in ENTITIES}
    flow.file_findings(findings)
    return tables
