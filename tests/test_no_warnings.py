"""No Python warning reaches the person's terminal (issue 28).

numpy prints « RuntimeWarning: invalid value encountered in greater » when an ordered
comparison meets NaN on CPUs whose vector code raises the floating-point « invalid »
flag; this machine may not, so besides running the CLI with -W error, the checks are run
with pandas' comparisons watched: none may compare an empty (NaN) number with < or >.
"""

from __future__ import annotations

import operator
import subprocess
import sys

import numpy as np
import pandas.core.ops as ops
import pytest

from factory import SAMPLES, TODAY
from pipeline.engine.run import run

ORDERED = (operator.gt, operator.lt, operator.ge, operator.le)


def _has_nan(side) -> bool:
    values = np.asarray(side)
    return values.dtype.kind == "f" and bool(np.isnan(values).any())


@pytest.mark.parametrize("sample", ["offre-sanitaire-social.xlsx", "offre-sanitaire-social-erreurs.xlsx"])
def test_no_ordered_comparison_meets_an_empty_number(monkeypatch, sample):
    compare = ops.comparison_op
    seen = []

    def watched(left, right, op):
        if op in ORDERED and (_has_nan(left) or _has_nan(right)):
            seen.append(op.__name__)
        return compare(left, right, op)

    monkeypatch.setattr(ops, "comparison_op", watched)
    run([SAMPLES / sample], today=TODAY)
    assert seen == []


def test_the_cli_runs_with_warnings_as_errors(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "pipeline",
            "import",
            str(SAMPLES / "offre-sanitaire-social-erreurs.xlsx"),
            "--out",
            str(tmp_path / "out"),
            "--today",
            TODAY.isoformat(),
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "FASD_DEBUG": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert "Warning" not in result.stderr, result.stderr
