"""A catalogue without sessions: one row per formation and place, read as offers to complete.

Real apprenticeship catalogues (the Démarches-simplifiées model of the Mission
apprentissage, a CFA's own list) give each formation's title, its place (a UAI, a
site code), its capacity and its entry months — no reference, no date, no session.
SOFI takes them as formations and actions « à compléter ». A flat sheet that names no
key column and no session field, but a title, a place and a capacity, is such a
catalogue: its rows get references derived from their values (the same from one
export to the next while the values are), it holds no session, and the profile makes
its formations and actions « à compléter », naming what SOFI still needs
(profiles.py). The model's example row is left out, and a row holding only the rest
of the title above it is joined to it. Without a title, a place or a capacity the
sheet is still refused.
"""

from __future__ import annotations

import pandas as pd

from ..model.fields import ENTITIES, OFFER_ENTITIES
from ..model.text import fold
from .derived_refs import ref_from

TITLE_FIELDS = ("intitule",)
PLACE_FIELDS = ("code_site_dispensateur",)
CAPACITY_FIELDS = ("nb_places", "capacite_simultanee")
# Fields that name the formation of a row (a formation given at two places is one).
FORMATION_FIELDS = tuple(ENTITIES["formation"].names)


def is_sessionless(read: set[str], entities: tuple[str, ...]) -> bool:
    """The fields read from a flat sheet make it a catalogue without sessions."""
    if tuple(entities) != OFFER_ENTITIES:
        return False
    keys = {ENTITIES[e].key[0] for e in OFFER_ENTITIES}
    session = set(ENTITIES["session"].names)
    return (
        not (read & keys)
        and not (read & session)
        and all(read & set(group) for group in (TITLE_FIELDS, PLACE_FIELDS, CAPACITY_FIELDS))
    )


def lacking(read: set[str]) -> list[str]:
    """What a sheet without keys lacks to be read as a catalogue without sessions (labels)."""
    groups = (
        (TITLE_FIELDS, "un intitulé"),
        (PLACE_FIELDS, "un lieu (UAI ou code du site)"),
        (CAPACITY_FIELDS, "une capacité d'accueil"),
    )
    return [what for group, what in groups if not read & set(group)]


def join_continuations(frame: pd.DataFrame) -> pd.DataFrame:
    """A row with a title and no place below a full row (« Option B : audiovisuel… » under
    « BAC PRO Systèmes Numériques ») continues that row's text: joined to it, dropped."""
    own = [n for n in frame if not n.startswith("_")]
    places = [n for n in own if n in PLACE_FIELDS or n in CAPACITY_FIELDS or n not in FORMATION_FIELDS]
    cells = frame[own].fillna("").astype(str).apply(lambda c: c.str.strip())
    keep = frame.copy()
    previous = None
    dropped = []
    for idx in frame.index:
        row = cells.loc[idx]
        if previous is not None and not any(row[n] for n in places) and any(row[n] for n in own):
            for n in own:
                if row[n]:
                    before = str(keep.at[previous, n] or "").strip()
                    keep.at[previous, n] = f"{before} {row[n]}".strip()
            dropped.append(idx)
        else:
            previous = idx
    return keep.drop(index=dropped)


def drop_examples(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's example row left in (« Exemple : Bac professionnel MVA »): no offer."""
    own = [n for n in frame if not n.startswith("_")]
    first = [next((str(v).strip() for v in row if str(v or "").strip()), "") for row in frame[own].itertuples(False)]
    example = pd.Series([fold(v).startswith("exemple") for v in first], index=frame.index, dtype=bool)
    return frame[~example]


def derive_refs(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with `ref_formation` (from the formation's cells) and `ref_action` (the
    formation and its place) derived from each row's values."""
    frame = join_continuations(drop_examples(frame)).reset_index(drop=True)
    formation = [n for n in FORMATION_FIELDS if n in frame]
    place = [n for n in ENTITIES["action"].names if n in frame and n != "ref_formation"]
    cells = frame.fillna("").astype(str)
    refs_f = [ref_from("F", [row[n] for n in formation]) for _, row in cells.iterrows()]
    refs_a = [ref_from("A", [ref, *(row[n] for n in place)]) for ref, (_, row) in zip(refs_f, cells.iterrows())]
    frame["ref_formation"] = refs_f
    frame["ref_action"] = refs_a
    return frame


def capacity_of(frame: pd.DataFrame) -> dict[str, str]:
    """ref_action -> its capacity as written, for the « à compléter » message."""
    name = next((n for n in CAPACITY_FIELDS if n in frame), None)
    if name is None or "ref_action" not in frame:
        return {}
    out: dict[str, str] = {}
    for ref, value in zip(frame["ref_action"], frame[name].fillna("").astype(str)):
        if value.strip():
            out.setdefault(ref, value.strip())
    return out
