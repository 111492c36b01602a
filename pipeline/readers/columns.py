"""The columns of a sheet's body as cell texts, each column computed once.

Both the header decisions (some look at a column's content: headers.py) and the
frame need every column as text; they share one `ColumnTexts`. Rows of one length
(calamine pads every row to the used range) are turned into columns in one pass over
the rows (zip), instead of one pass over all rows per column.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter


class ColumnTexts:
    """`texts(j)`: column j of `body` as cell texts (readers/grid.py cell_text), "" past a short row."""

    def __init__(self, body: list[list], cell_text) -> None:
        self.body = body
        self.cell_text = cell_text
        self.shortest = min(map(len, body), default=0)
        self._columns: list[tuple] | None = None
        self._texts: dict[int, list[str]] = {}
        self._seen: dict[tuple, str] = {}

    def __call__(self, j: int) -> list[str]:
        texts = self._texts.get(j)
        if texts is None:
            texts = self._texts[j] = self._column_text(j)
        return texts

    def _column_text(self, j: int) -> list[str]:
        cells: Iterable
        if j < self.shortest:
            if self._columns is None and self.shortest == max(map(len, self.body)):
                self._columns = list(zip(*self.body))
            cells = self._columns[j] if self._columns is not None else map(itemgetter(j), self.body)
        else:
            cells = (r[j] if j < len(r) else "" for r in self.body)
        return [v if v.__class__ is str else self._text(v) for v in cells]

    def _text(self, value) -> str:
        """cell_text of a number or date, once per distinct one (they repeat down a column)."""
        try:
            key = (value.__class__, value)  # 1.0 and True are equal keys, not the same text
            text = self._seen.get(key)
        except TypeError:  # not hashable
            return self.cell_text(value)
        if text is None:
            text = self._seen[key] = self.cell_text(value)
        return text
