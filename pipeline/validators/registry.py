"""The cross-record rules, each registered where it is written.

A rule is one decorated function. `@rule(CODE, entity, field)` says which finding
code it reports (catalogued in pipeline/model/codes.py), on which entity's records and at
which field's cell; the function receives that entity's table and returns the mask of
faulty records, optionally with the message parameters of each (`Hits`). The runner
does what every rule used to repeat: skip an empty table, loop over the flagged
records, add one finding each. A check that a mask does not express (it rewrites
values, or walks several entities) registers with `@check(CODES…)` and adds its
findings itself.

Rules run in the order they are registered: the modules that `validators/cross.py`
imports first, then cross.py from top to bottom. The order matters: the report sorts
findings by place, and findings of one cell keep the order they were found in.
docs/codes.md lists the registry (`make docs`), so the catalogue shows which entity
and field each rule checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Union

import pandas as pd

from ..model.findings import Findings
from ..model.tables import Table

Tables = dict[str, Table]


@dataclass(frozen=True)
class Context:
    """What a rule may read besides its own table."""

    tables: Tables
    today: dt.date


@dataclass(frozen=True)
class Hits:
    """Records flagged by a rule: a boolean mask over the table's index (NA is not
    flagged), the message parameters of one record, and the field whose cell the
    finding points to when it is not the rule's own."""

    mask: pd.Series
    params: Callable[[Any], dict] | None = None
    field: str | None = None


RuleResult = Union[pd.Series, Hits, Iterable[Hits]]


@dataclass(frozen=True)
class Registered:
    """One entry of the registry."""

    codes: tuple[str, ...]
    entity: str | None  # None: the check walks several entities itself
    field: str | None
    function: Callable
    needs: tuple[str, ...] = ()  # other entities that must have records for the rule to apply
    masked: bool = True  # @rule (mask) or @check (adds its findings)
    fields: tuple[str, ...] = ()  # the cells its findings may point to, besides `field`

    def checks(self, entity: str, field: str) -> bool:
        """True when this rule's findings may point to `field` of `entity` (the template's help)."""
        return self.entity == entity and (field == self.field or field in self.fields)

    @property
    def name(self) -> str:
        return f"{self.function.__module__.rsplit('.', 1)[-1]}.{self.function.__name__}"

    def run(self, ctx: Context, findings: Findings) -> None:
        if self.entity is not None:
            if any(ctx.tables[e].typed.empty for e in (self.entity, *self.needs)):
                return
        if not self.masked:
            self.function(ctx, findings)
            return
        table = ctx.tables[self.entity or ""]
        result = self.function(table, ctx)
        for hits in _as_hits(result):
            mask = hits.mask.fillna(False).astype(bool)
            for idx in table.typed.index[mask.to_numpy()]:
                params = hits.params(idx) if hits.params else {}
                findings.add(table, idx, self.codes[0], hits.field or self.field, **params)


REGISTRY: list[Registered] = []


def rule(
    code: str, entity: str, field: str | None = None, *, fields: tuple[str, ...] = (), needs: tuple[str, ...] = ()
):
    """Register `function(table, ctx) -> mask | Hits | [Hits…]` as the rule `code`; `fields`:
    the other cells its Hits point to."""

    def register(function: Callable[[Table, Context], RuleResult]):
        REGISTRY.append(Registered((code,), entity, field, function, needs, fields=fields))
        return function

    return register


def check(*codes: str, entity: str | None = None, fields: tuple[str, ...] = ()):
    """Register `function(ctx, findings)`, which adds findings of `codes` itself (at `fields`
    of `entity`, when it names them)."""

    def register(function: Callable[[Context, Findings], None]):
        REGISTRY.append(Registered(codes, entity, None, function, masked=False, fields=fields))
        return function

    return register


def rules_on(entity: str, field: str) -> list[Registered]:
    """The registered rules whose findings may point to `field` of `entity`."""
    return [r for r in REGISTRY if r.checks(entity, field)]


def run_rules(tables: Tables, findings: Findings, today: dt.date) -> None:
    ctx = Context(tables, today)
    for registered in REGISTRY:
        registered.run(ctx, findings)


def _as_hits(result: RuleResult) -> list[Hits]:
    if isinstance(result, Hits):
        return [result]
    if isinstance(result, pd.Series):
        return [Hits(result)]
    return list(result)
