"""Records read but rejected by the checks: kept at the base's version, with their subtree.

A rejected record never touches the base (docs/catalogue.md). Two consequences this
module keeps (issue 25, D1 and D10): in a complete upload, the children of a rejected
record (a session rejected for NO_CHILD has no dispositif in the file) are not withdrawn
either — the record keeps its whole published tree; and each such record already in the
base is listed in changes.csv (kind `rejete`) so a person sees which offer stayed as it was.
"""

from __future__ import annotations

from ..writers.changes import Change

PARENT_ENTITY = {"dispositif": "session", "session": "action", "action": "formation"}
REASON = "rejeté par les contrôles : la version de la base est gardée"


def rejected_keys(job, read: dict[str, set[str]]) -> dict[str, set[str]]:
    """Per entity, the keys read but neither applied nor left aside as a conflict."""
    applied = {(e, k) for (_, e, k) in job.seen}
    conflicts = {(c.entity, c.key) for c in job.report.changes if c.change == "conflit"}
    return {e: {k for k in keys if (e, k) not in applied and (e, k) not in conflicts} for e, keys in read.items()}


def under_rejected(job, rejected: dict[str, set[str]], row: dict) -> bool:
    """True when an ancestor of this base record was read but rejected."""
    org, entity, key = row["organisation_id"], row["entity"], row["key"]
    while entity in PARENT_ENTITY:
        key = job.parent.get((org, entity, key))
        entity = PARENT_ENTITY[entity]
        if key is None:
            return False
        if key in rejected.get(entity, ()):
            return True
    return False


def report_kept(job, rejected: dict[str, set[str]]) -> None:
    """One `rejete` change per rejected record the base holds (it keeps its version)."""
    for (org, entity, key), row in job.existing.items():
        if key in rejected.get(entity, ()) and row["status"] == "actif":
            change = Change(entity, key, "rejete", reason=REASON)
            job.org_of_change[id(change)] = org
            job.report.add(change)
