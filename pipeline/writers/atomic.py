"""Outputs that appear whole or not at all.

- `atomic_path` / `atomic_open`: one file, written to a temporary name next to it, then
  renamed.
- `run_folder`: a whole output folder, written into a fresh temporary folder next to it
  and swapped in at the end, under a lock, so a reader never sees files of two runs.
Temporary files and folders are removed on every exit path the process sees (errors,
Ctrl-C, SIGTERM through pipeline/cli/main.py); after a `kill -9`, the next fasd run, into
any folder, removes the lock and the temporary folders (named with the PID of their
process, listed in its scratch folder: scratch.left_behind), except a temporary folder
whose run a catalogue base has committed (`mark_committed`): that one is swapped in by
the next run into the same folder (`recover`).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import glob
import os
import re
import shutil
import tempfile
from pathlib import Path

from ..model.errors import OutputError
from . import scratch
from .scratch import COMMITTED, LOCK_SUFFIX, alive

NEW_MARK, OLD_MARK, LOCK_MARK = ".fasd-new-", ".fasd-old-", LOCK_SUFFIX


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove_stale_parts(target: Path) -> None:
    """The `.part` files of `target` that a killed process left (its PID is in their name)."""
    name = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)\.[a-z0-9_]{{8}}\.part$")
    for part in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        found = name.match(part.name)
        if found and int(found.group(1)) != os.getpid() and not alive(int(found.group(1))):
            with contextlib.suppress(OSError):
                part.unlink()


@contextlib.contextmanager
def atomic_path(target: Path):
    """Yield a temporary path next to `target` (named with our PID, so that the next write
    of `target` removes it after a kill -9); rename it onto `target` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are shared files
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(target: Path, mode: str = "w", **kwargs):
    with atomic_path(target) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _take(lock_path: Path, target: Path):
    """The open lock file, locked; it is the one at `lock_path` (not one a releasing run unlinked)."""
    while True:
        try:
            fh = open(lock_path, "a")
        except OSError as exc:
            raise OutputError(f"impossible d'écrire dans {target.parent} ({exc.strerror or exc}).") from None
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise OutputError(f"un autre fasd écrit déjà dans {target} ; relancez quand il aura fini.") from None
        try:
            same = os.path.samestat(os.fstat(fh.fileno()), os.stat(lock_path))
        except FileNotFoundError:
            same = False
        if same:
            return fh
        fh.close()  # the run we waited behind removed it on release: lock the new one


@contextlib.contextmanager
def _locked(lock_path: Path, target: Path):
    """The output folder's lock, `.<dossier>.fasd-lock` next to it, removed on release.

    Removed while still held, so a run that opened the old file sees, once it holds
    it, that it is no longer the one at that name, and locks the new one (_take): no
    two runs ever hold the folder at once. It holds the PID of its run; after a kill -9
    the next fasd run removes it (scratch.left_behind), once no process holds it."""
    with scratch.left_behind(glob.escape(str(lock_path))):
        fh = _take(lock_path, target)
        try:
            with contextlib.suppress(OSError):  # who holds it, for a person looking
                os.ftruncate(fh.fileno(), 0)
                os.write(fh.fileno(), f"{os.getpid()}\n".encode())
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path)
            fh.close()


def _check_target(target: Path, allowed: frozenset[str]) -> None:
    """The folder may hold an earlier run (replaced whole), never anything else of the user's."""
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target} existe et n'est pas un dossier.")
    try:
        others = sorted(
            p.name
            for p in target.iterdir()
            if p.name not in allowed
            and p.name != COMMITTED
            and not (p.name.startswith(".") and p.name.endswith(".part"))
        )
    except OSError as exc:
        raise OutputError(f"impossible de lire le dossier {target} ({exc.strerror or exc}).") from None
    if others:
        shown = ", ".join(others[:3]) + ("…" if len(others) > 3 else "")
        raise OutputError(
            f"{target} contient d'autres fichiers que des résultats de fasd ({shown}) : "
            "indiquez un dossier vide ou réservé à fasd."
        )


_HELD: set[Path] = set()  # output folders whose lock this process holds (claimed)


def _output_folder(target: Path) -> Path:
    target = Path(target).absolute()
    if not target.name or target.name in (".", ".."):
        raise OutputError(f"{target} ne peut pas servir de dossier de résultats.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"impossible de créer {target.parent} ({exc.strerror or exc}).") from None
    return target


def _lock_of(target: Path):
    if target in _HELD:
        return contextlib.nullcontext()
    return _locked(target.parent / f".{target.name}{LOCK_MARK}", target)


def mark_committed(staging: Path, what: str) -> None:
    """Say in `staging` that its run is now in the base (`what`: which run, for the message)."""
    with open(staging / COMMITTED, "w", encoding="utf-8") as fh:
        fh.write(what)
        fh.flush()
        os.fsync(fh.fileno())


def _committed_staging(target: Path) -> Path | None:
    for staging in sorted(target.parent.glob(f".{target.name}{NEW_MARK}*")):
        if (staging / COMMITTED).is_file():
            return staging
    return None


def recover(target: Path, allowed: frozenset[str]) -> str | None:
    """Swap in the outputs of a run that was recorded in a base, then killed before its
    folder was swapped in; which run it was (None when there is none). Under the lock."""
    staging = _committed_staging(target)
    if staging is None:
        return None
    _check_target(target, allowed)
    what = (staging / COMMITTED).read_text(encoding="utf-8", errors="replace").strip()
    _swap_in(staging, target)
    _rmtree(staging)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target / COMMITTED)
    return what or "un import"


def recover_folder(target: Path, allowed: frozenset[str]) -> str | None:
    """`recover` under the folder's lock (the web page, after a worker died); None when
    there was nothing to recover or another run holds the folder."""
    target = Path(target).absolute()
    try:
        with _lock_of(target):
            return recover(target, allowed)
    except OutputError:
        return None


def _recovered(target: Path, allowed: frozenset[str]) -> None:
    what = recover(target, allowed)
    if what is not None:
        raise OutputError(
            f"{target} : {what} a été enregistré dans la base, puis interrompu avant que ses résultats "
            "soient mis en place ; ils viennent de l'être dans ce dossier (changes.csv compris) : "
            "consultez-les, puis relancez."
        )


@contextlib.contextmanager
def claimed(target: Path, allowed: frozenset[str]):
    """Hold the output folder for a whole run (read, check, write): a second run into the
    same folder, or a folder holding other files, is refused before minutes of reading,
    not after. run_folder inside it takes no second lock."""
    target = _output_folder(target)
    with _lock_of(target):
        _recovered(target, allowed)
        _check_target(target, allowed)
        held = target not in _HELD
        _HELD.add(target)
        try:
            yield
        finally:
            if held:
                _HELD.discard(target)


@contextlib.contextmanager
def run_folder(target: Path, allowed: frozenset[str]):
    """Yield a fresh empty folder; on success it replaces `target` whole, in one step.

    `allowed` names the files an earlier run leaves: a folder holding anything else is
    refused (OutputError), since replacing it would delete the user's files.
    """
    target = _output_folder(target)
    parent = target.parent
    with _lock_of(target):
        _recovered(target, allowed)
        for stale in parent.glob(f".{target.name}.fasd-*-*"):  # left by a killed run: we hold the lock
            if stale.is_dir():
                _rmtree(stale)
        _check_target(target, allowed)
        with scratch.left_behind(*_own_temporaries(target)):
            try:
                staging = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target, NEW_MARK), dir=parent))
            except OSError as exc:
                raise OutputError(f"impossible d'écrire dans {parent} ({exc.strerror or exc}).") from None
            try:
                os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; outputs are shared
                yield staging
                _swap_in(staging, target)
            except OSError as exc:
                raise OutputError(f"impossible d'écrire dans {target} ({exc.strerror or exc}).") from None
            finally:
                _rmtree(staging)


def _temporary_prefix(target: Path, mark: str) -> str:
    """`.<dossier>.fasd-new-<pid>-`: the PID says whose it is."""
    return f".{target.name}{mark}{os.getpid()}-"


def _own_temporaries(target: Path) -> tuple[str, ...]:
    """The glob patterns of this process's temporary folders next to `target`."""
    return tuple(
        glob.escape(str(target.parent / _temporary_prefix(target, mark))) + "*" for mark in (NEW_MARK, OLD_MARK)
    )


def _swap_in(staging: Path, target: Path) -> None:
    """Put `staging` at `target`; the earlier run ends up in `staging`, removed by the caller.

    The mark of a committed run goes in with it and is removed just after (a hidden
    file a kill may leave in `target`, where no recovery looks for it)."""
    _exchange_in(staging, target)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(target / COMMITTED)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(staging / COMMITTED)


def _exchange_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        return
    old = Path(tempfile.mkdtemp(prefix=_temporary_prefix(target, OLD_MARK), dir=target.parent))
    os.rename(target, old / "run")
    os.rename(staging, target)
    os.rename(old, staging)  # so the caller's cleanup removes the earlier run
