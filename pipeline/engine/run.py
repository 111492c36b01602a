"""The pipeline as one function: inputs + reference + options -> a Result.

Pure core: no output files, no printing. The CLI, the web worker and the tests call
`run`; every run goes through the one sequence of stream.py, over chunks of whole
formations (a workbook, several files or a small CSV are one chunk).
"""

from __future__ import annotations

from pathlib import Path

from ..model.dispositifs import using as using_dispositifs
from .options import RunOptions
from .result import Result
from .stream import run_chunks


def run(options: RunOptions | list[Path] | tuple[Path, ...], **keywords) -> Result:
    """Read, normalise, validate, resolve and decide. Raises InputError for unreadable inputs.

    `options`: a RunOptions (engine/options.py), built once by the caller and checked
    when built. A list of inputs plus its keywords is accepted too and builds one:
    `profil`: "sofi" or "lheo" for every record; None = lheo for records read from
    LHÉO XML, sofi for the others (profiles.py). `progress` (a callback taking a
    progress.Step, or a Progress) hears the `read` and `check` stages; see
    pipeline/model/progress.py. `dispositifs`: a dispositif list replacing the bundled one
    (see dispositifs.py). `colonnes`: a mapping.ColumnMapping (`--colonnes`), the field
    of each header. `defauts`: a defaults file (or a loaded defaults.Defaults) filling
    the empty cells it covers (defaults.py). `strict`: a bad optional value is an error,
    not a warning that leaves it out of the record. `organisme`: the SIRETs or SIRENs the
    upload is for (`--organisme`, one or several; default: every owner's offers).
    `stream`: True cuts a flat CSV or a LHÉO flow in chunks of whole formations
    (memory of the largest chunk), None does so for a large one, False reads every
    input as one chunk; `chunk_rows`: the rows of a chunk (tests force small ones).
    `on_chunk` (a catalogue application) hears each chunk as it is decided. The
    offers are written as they are decided (the result's spool), unless `write_offers`
    is False. `base` (a catalogue.options.BaseOptions) with no `on_chunk`: the run is
    applied to that base chunk by chunk and committed at its end (`result.catalogue` is
    the change report); callers that write outputs before the commit (the CLI, the page)
    open the Application themselves and pass it as `on_chunk`. `jobs`: worker processes
    checking and writing a streamed input's chunks (engine/workers.py; the outputs are
    those of 1, which checks every chunk in this process)."""
    if not isinstance(options, RunOptions):
        options = RunOptions(inputs=tuple(options), **keywords)
    elif keywords:
        options = options.with_(**keywords)
    with using_dispositifs(options.dispositifs):
        if options.base is None or options.on_chunk is not None:
            return run_chunks(options)
        from ..catalogue.api import Application

        with Application.for_run(options) as application:
            result = run_chunks(options.with_(on_chunk=application))
            result.catalogue = application.finish(result)
        return result
