"""The temporary files of one process, in one folder that no process outlives for long.

Every temporary file or folder the program makes (the spool of a streamed run, the
parts of report.xlsx, the uploads of `fasd serve` without `--dossier`) lives in one
folder per process, `fasd-<pid>-<random>` in the system's temporary folder (TMPDIR).
The process holds a lock on the `.proprietaire` file inside it as long as it lives,
and removes the folder when it ends (at exit, after an error, Ctrl-C or SIGTERM). A
process killed with `kill -9` cannot: the next fasd run (or `fasd serve` at start)
recognises the folder by its name, sees that its owner is gone (no such process, and
the lock is free: the kernel releases it with the process), and removes it.

What a run makes next to its output folder (the lock `.<dossier>.fasd-lock`, the
temporary folders `.<dossier>.fasd-new-<pid>-*`) is listed in that folder's `.sorties`
while it exists (`left_behind`): the sweep of a dead process's folder removes them too,
so a `kill -9` leaves nothing in the user's tree past the next fasd run, wherever it
writes. A lock is removed only when no process holds it; a temporary folder whose run
a catalogue base recorded (`COMMITTED` inside) is kept for the next run into that
output folder, which swaps it in (atomic.recover).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import glob
import json
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import IO

PREFIX = "fasd-"
OWNER = ".proprietaire"
LEFT = ".sorties"  # the paths (glob patterns) this process may leave outside its folder
LOCK_SUFFIX = ".fasd-lock"
# In a temporary output folder: its run is recorded in a catalogue base, so the folder must
# be swapped in, never thrown away (atomic.recover).
COMMITTED = ".fasd-enregistre"
# tempfile.mkdtemp's random part: 8 characters of [a-z0-9_]
NAME = re.compile(r"^fasd-(\d+)-[a-z0-9_]{8}$")

_folder: Path | None = None
_owner: IO | None = None
_pid: int | None = None  # the process that made _folder (a forked child makes its own)
_left: list[str] = []  # this process's entries of LEFT, in order
_left_lock = threading.Lock()  # the web page's threads register their runs' outputs


def root() -> Path:
    return Path(tempfile.gettempdir())


def folder() -> Path:
    """This process's scratch folder, made on first use (orphans of killed runs removed then)."""
    global _folder, _owner, _pid
    if _folder is not None and _pid == os.getpid() and _folder.is_dir():
        return _folder
    sweep()
    if _pid != os.getpid():
        _left.clear()  # a forked child lists its own outputs, not its parent's
    made = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=root()))
    owner = open(made / OWNER, "w")
    fcntl.flock(owner, fcntl.LOCK_EX)
    if _pid is None:
        atexit.register(remove)
    _folder, _owner, _pid = made, owner, os.getpid()
    return made


def mkdtemp(prefix: str) -> Path:
    """A fresh folder inside this process's scratch folder."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder()))


@contextlib.contextmanager
def left_behind(*patterns: str):
    """Say, while the block runs, that this process may leave files matching `patterns`
    (absolute glob patterns) outside its folder: listed before they exist, so a kill -9 at
    any point leaves them to the sweep of this folder."""
    _note(patterns, add=True)
    try:
        yield
    finally:
        _note(patterns, add=False)


def _note(patterns, add: bool) -> None:
    with _left_lock:
        where = folder()
        if add:
            _left.extend(patterns)
        else:
            for pattern in patterns:
                with contextlib.suppress(ValueError):
                    _left.remove(pattern)
        tmp = where / f"{LEFT}.part"
        tmp.write_text(json.dumps(_left), encoding="utf-8")
        os.replace(tmp, where / LEFT)


def _sweep_left(path: Path) -> None:
    """What the dead owner of the scratch folder `path` listed in its LEFT file."""
    try:
        patterns = json.loads((path / LEFT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    for pattern in patterns if isinstance(patterns, list) else ():
        if not isinstance(pattern, str) or not os.path.isabs(pattern):
            continue
        for found in map(Path, glob.glob(pattern, include_hidden=True)):
            if found.is_symlink():
                continue
            if found.is_dir():
                if not (found / COMMITTED).exists():  # a recorded run waits to be swapped in
                    shutil.rmtree(found, ignore_errors=True)
            elif found.name.endswith(LOCK_SUFFIX):
                remove_free_lock(found)


def remove_free_lock(path: Path) -> bool:
    """Unlink the lock file `path` if no process holds it (taken, then unlinked while held:
    a run that opened it meanwhile sees it is gone and locks a new one)."""
    try:
        fh = open(path, "a")
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a live run
            return False
        try:
            if not os.path.samestat(os.fstat(fh.fileno()), os.stat(path)):
                return False
            os.unlink(path)
        except OSError:
            return False
    return True


def remove() -> None:
    """Remove this process's scratch folder (at exit; safe to call twice)."""
    global _folder, _owner
    if _folder is None or _pid != os.getpid():
        return
    shutil.rmtree(_folder, ignore_errors=True)
    _left.clear()
    if _owner is not None:
        with contextlib.suppress(OSError):
            _owner.close()
    _folder, _owner = None, None


def alive(pid: int) -> bool:
    """Whether a process of that PID exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:  # PermissionError: another user's process, alive
        return True
    return True


def orphaned(path: Path) -> bool:
    """Whether `path` is the scratch folder of a fasd process that is gone."""
    match = NAME.match(path.name)
    if not match or not path.is_dir() or path.is_symlink():
        return False
    pid = int(match.group(1))
    if pid == os.getpid() or alive(pid):
        return False
    try:
        fh = open(path / OWNER, "r")
    except FileNotFoundError:  # its owner died before locking it
        return True
    except OSError:
        return False
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: a process of another PID namespace still owns it
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
    return True


def sweep(where: Path | None = None) -> list[str]:
    """Remove the scratch folders whose owner is gone; their names."""
    base = root() if where is None else Path(where)
    removed: list[str] = []
    try:
        entries = list(base.iterdir())
    except OSError:
        return removed
    for path in entries:
        if path.name.startswith(PREFIX) and orphaned(path):
            _sweep_left(path)
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed
