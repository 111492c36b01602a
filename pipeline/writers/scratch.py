"""The temporary files of one process, in one folder that no process outlives for long.

Every temporary file or folder the program makes (the spool of a streamed run, the
parts of report.xlsx, the uploads of `fasd serve` without `--dossier`) lives in one
folder per process, `fasd-<pid>-<random>` in the system's temporary folder (TMPDIR).
The process holds a lock on the `.proprietaire` file inside it as long as it lives,
and removes the folder when it ends (at exit, after an error, Ctrl-C or SIGTERM). A
process killed with `kill -9` cannot: the next fasd run (or `fasd serve` at start)
recognises the folder by its name, sees that its owner is gone (no such process, and
the lock is free: the kernel releases it with the process), and removes it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import IO

PREFIX = "fasd-"
OWNER = ".proprietaire"
# tempfile.mkdtemp's random part: 8 characters of [a-z0-9_]
NAME = re.compile(r"^fasd-(\d+)-[a-z0-9_]{8}$")

_folder: Path | None = None
_owner: IO | None = None
_pid: int | None = None  # the process that made _folder (a forked child makes its own)


def root() -> Path:
    return Path(tempfile.gettempdir())


def folder() -> Path:
    """This process's scratch folder, made on first use (orphans of killed runs removed then)."""
    global _folder, _owner, _pid
    if _folder is not None and _pid == os.getpid() and _folder.is_dir():
        return _folder
    sweep()
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


def remove() -> None:
    """Remove this process's scratch folder (at exit; safe to call twice)."""
    global _folder, _owner
    if _folder is None or _pid != os.getpid():
        return
    shutil.rmtree(_folder, ignore_errors=True)
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
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed
