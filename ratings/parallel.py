"""One piece of work in a second process, beside the work of this one.

A large site's pages and its downloads take about as long as each other and need nothing from
each other, so on a machine with two cores they are made at the same time: the downloads in a
forked child, which shares the ranked tables with the parent (copy-on-write) and writes its
files itself, so nothing but its result and any error comes back through a pipe.

Where fork is missing (Windows), or unsafe because this process runs threads (`ratings serve`),
the work simply runs in this process when its result is asked for. The child is tied to the
parent's life: if the parent is killed, so is the child (Linux), and a half-made build is never
swapped in, because only the parent swaps, after the child has reported success.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from ratings import allocator

T = TypeVar("T")


def can_fork() -> bool:
    return hasattr(os, "fork") and threading.active_count() == 1


@contextlib.contextmanager
def beside(work: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Start `work` in a child process; the block receives a function that waits for its result
    (re-raising the child's exception). If the block fails, the child is stopped."""
    if not can_fork():
        yield work
        return
    reap()
    reader, writer = os.pipe()
    parent = os.getpid()
    gc.freeze()  # the child's collector would otherwise touch (and so copy) every shared object
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, which coverage does not follow
        os.close(reader)
        _run_child(work, writer, parent)
    os.close(writer)
    waited = False

    def result() -> T:
        nonlocal waited
        with os.fdopen(reader, "rb") as stream:
            payload = stream.read()
        waited = True
        if payload:
            # Its say said, the child is ending: the system takes back its memory meanwhile
            # (0.03-0.05 s for a large build's), and it is reaped later (`reap`).
            _ending.append(pid)
            ok, value = pickle.loads(payload)
            if ok:
                return value  # type: ignore[no-any-return]
            raise value
        _, status = os.waitpid(pid, 0)
        raise RuntimeError(f"the background build process ended without a result ({_describe(status)})")

    try:
        yield result
    finally:
        # Frozen until the child is done: a full collection here would write to every shared
        # object's header and so make the system copy the pages the child still reads.
        gc.unfreeze()
        if not waited:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                os.close(reader)


# Children that have sent their result and may still be ending, to reap (see `reap`).
_ending: list[int] = []


def reap(wait: bool = False) -> None:
    """Reap the children that sent their result (each `beside` does, before it starts another):
    those that have ended, or with `wait`, all of them once ended."""
    for pid in list(_ending):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped already
            done = pid
        if done:
            _ending.remove(pid)


def _run_child(work: Callable[[], Any], writer: int, parent: int) -> None:  # pragma: no cover - child
    code = 1
    try:
        _die_with(parent)
        allocator.keep_to_the_end()  # this process ends with os._exit, below
        try:
            outcome: tuple[bool, Any] = (True, work())
            code = 0
        except BaseException as exc:  # the parent decides what an error means
            outcome = (False, exc)
        try:
            payload = pickle.dumps(outcome)
        except Exception as exc:  # an unpicklable exception: send its words
            payload = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        with os.fdopen(writer, "wb") as stream:
            stream.write(payload)
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _die_with(parent: int) -> None:  # pragma: no cover - child
    """Ask Linux to kill this process when the parent dies; stop at once if it already has."""
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"


class Shares:
    """Numbered pieces of work that the processes claim in turns, a chunk at a time, so that
    whichever is free takes the next: neither waits while the other still has a long list.

    The chunks' first numbers wait in a pipe, written before the fork and read by both;
    Linux hands each 4-byte read to one reader whole. In one process it simply takes them all.
    """

    _MAX_CHUNKS = 4096  # 16 KiB of numbers: the pipe holds them without a reader

    def __init__(self, count: int, size: int) -> None:
        self.count = count
        self.size = max(size, -(-count // self._MAX_CHUNKS))
        self._reader, writer = os.pipe()
        try:
            os.write(writer, b"".join(struct.pack("=I", start) for start in range(0, count, self.size)))
        finally:
            os.close(writer)  # so that a reader sees the end once the numbers are taken

    def claim(self) -> Iterable[int]:
        """The numbers of every chunk this process claims, until none are left."""
        while record := os.read(self._reader, 4):
            (start,) = struct.unpack("=I", record)
            yield from range(start, min(start + self.size, self.count))

    def close(self) -> None:
        os.close(self._reader)


_NOTHING = object()


class Handoff:
    """A value one process hands the other after the fork, once it has it: the ranking, which
    the parent makes while the child starts on work that needs none, or the pieces of the
    file the child reads (see `load.Started`). The sender never waits for the other to take it:
    the value goes into a temporary file both share and only its size through a pipe, which
    holds a few bytes without a reader but not a large value. In one process (no fork), the
    value is simply there when the work asks for it, after it has been sent."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - open for the handoff's life, closed by close()
        self._reader, self._writer = os.pipe()
        self._value: Any = _NOTHING

    def send(self, value: Any) -> None:
        self._value = value
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        os.pwrite(self._file.fileno(), payload, 0)
        with contextlib.suppress(BrokenPipeError):  # the child has ended: its result says why
            os.write(self._writer, struct.pack("=Q", len(payload)))

    def receive(self) -> Any:
        """The value, waiting for the other process to send it."""
        if self._value is not _NOTHING:
            return self._value
        os.close(self._writer)  # this process's copy: with only the sender's left, its end is seen
        self._writer = -1
        header = os.read(self._reader, 8)
        if len(header) != 8:
            raise RuntimeError("the other build process ended before handing over its value")
        (size,) = struct.unpack("=Q", header)
        payload = bytearray()
        while len(payload) < size:
            piece = os.pread(self._file.fileno(), size - len(payload), len(payload))
            if not piece:
                raise RuntimeError("the ranking handed over was cut short")
            payload += piece
        self._value = pickle.loads(payload)
        return self._value

    def close(self) -> None:
        for handle in (self._reader, self._writer):
            if handle >= 0:
                os.close(handle)
        self._file.close()
