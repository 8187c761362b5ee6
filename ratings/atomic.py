"""Writing without ever leaving a half-written file or folder behind."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

# Written into every built folder: a folder without it is never replaced (it may be someone's
# documents), a folder with it is ours to replace whole.
MARKER = ".ratings-build"
MARKER_TEXT = b"Built by probation-ratings. Each build replaces this folder whole.\n"


def write_file(path: Path, content: bytes) -> None:
    """Write beside the target, then rename over it: readers see the old file or the new one."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def unsafe_target(out: Path, data: Path | None = None) -> str | None:
    """Why replacing `out` would be dangerous, or None when it is safe."""
    target = out.expanduser().resolve()
    if target == Path(target.anchor):
        return "is the root of the file system"
    if target == Path.home().resolve():
        return "is your home folder"
    if target == Path.cwd().resolve():
        return "is the current folder"
    if (target / ".git").exists():
        return "is the root of a repository"
    if data is not None and data.resolve().is_relative_to(target):
        return "holds the data file"
    if target.exists() and not target.is_dir():
        return "is a file, not a folder"
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        return (
            f"is a folder with other files in it and no {MARKER} marker from an earlier build "
            "(expected a new or empty folder)"
        )
    return None


Writer = Callable[[str], None]  # makes a file itself at the path it is given (a database)
Content = bytes | Iterable[bytes] | Writer  # a file's bytes, its bytes in pieces, or its maker
Files = Mapping[str, bytes] | Iterable[tuple[str, Content]] | Callable[[Path], int]


def replace_dir(files: Files, out: Path) -> int:
    """Write every file into a folder beside `out`, then swap it in for `out` in one step.

    `files` may be a mapping, a stream of (path, content) pairs (written as it comes, so a
    large site need not be held in memory whole), or a function that writes into the folder it
    is given and returns how many files it wrote. A build that fails or is killed at any point
    leaves `out` as it was: the swap is a single rename (an atomic exchange where the system
    offers one). Returns the number of files written (the marker not counted).
    """
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-{os.getpid()}-", dir=out.parent))
    count = 0
    swapped = False
    try:
        if callable(files):
            count = files(staging)
        else:
            count = write_files(staging, sorted(files.items()) if isinstance(files, Mapping) else files)
        (staging / MARKER).write_bytes(MARKER_TEXT)
        os.chmod(staging, 0o755)
        if not out.exists():
            staging.rename(out)
        elif not _exchange(staging, out):
            retired = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(retired)
            staging.rename(out)
            staging = retired  # removed below
        swapped = True
    finally:
        # The old site, once the new one is in: a large one is removed by a process of its own,
        # because deleting ten thousand files can take seconds (on a disk that discards freed
        # blocks, over two) that the new site need not wait for.
        if not (swapped and count >= BACKGROUND_REMOVAL and staging.exists() and _remove_in_background(staging)):
            shutil.rmtree(staging, ignore_errors=True)
    return count


# From this many files, the previous build is removed in the background (see replace_dir).
BACKGROUND_REMOVAL = 2000


def _remove_in_background(folder: Path) -> bool:
    """Remove `folder` with a detached `rm -rf`; False where that cannot be done (not POSIX,
    or no shell), for the caller to remove it itself. A removal cut short is finished by the
    next build (`_remove_abandoned`)."""
    if os.name != "posix":
        return False
    # The shell starts rm in the background and exits at once: rm is nobody's child, has no
    # terminal or pipe of the build's, and shares none of its memory (posix_spawn, not a fork
    # of a large Python process).
    try:
        subprocess.run(
            ["/bin/sh", "-c", 'rm -rf -- "$1" &', "sh", os.fspath(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def write_files(folder: Path, files: Iterable[tuple[str, Content]]) -> int:
    """Write (relative path, content) pairs under `folder`; returns how many.

    One after another: writer threads were tried, and lost more to waiting for Python's lock
    after every system call than they won by overlapping the file system's waits. Plain system
    calls rather than file objects: ten thousand small files are written in a third of the time.
    """
    count = 0
    made: set[str] = set()
    base = os.fspath(folder)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    for relative, content in files:
        target = os.path.join(base, relative)
        parent = os.path.dirname(target)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        if callable(content):
            content(target)
            count += 1
            continue
        handle = os.open(target, flags, 0o666)  # the mode `open` gives, less the umask
        try:
            for piece in (content,) if isinstance(content, bytes) else content:
                _write_all(handle, piece)
        finally:
            os.close(handle)
        count += 1
    return count


def _write_all(handle: int, piece: bytes) -> None:
    view = memoryview(piece)
    while view:  # a write may take only part (a signal, a full pipe): write on until all is written
        view = view[os.write(handle, view) :]


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call (Linux renameat2 RENAME_EXCHANGE); False if unavailable."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return bool(renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0)


def _remove_abandoned(out: Path) -> None:
    """Staging folders left by builds that were killed (their process is gone)."""
    pattern = re.compile(rf"^\.{re.escape(out.name)}\.(?:building|old)-(\d+)")
    for sibling in out.parent.iterdir():
        match = pattern.match(sibling.name)
        if match and sibling.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(sibling, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
