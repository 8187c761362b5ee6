"""Work beside the build: results and errors come back from the child; threads mean no fork."""

from __future__ import annotations

import errno
import os
import signal
import threading
from pathlib import Path

import pytest

from ratings import parallel, site, table
from ratings.atomic import replace_dir
from ratings.validate import load_dataset


def test_the_result_comes_from_another_process():
    with parallel.beside(os.getpid) as other:
        assert other() != os.getpid()


def test_a_child_that_sent_its_result_is_reaped_later_not_waited_for():
    parallel.reap(wait=True)
    with parallel.beside(os.getpid) as other:
        child = other()
    assert parallel._ending == [child]  # ending while this process goes on
    parallel.reap(wait=True)
    assert parallel._ending == []
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # none left to reap


def test_an_error_in_the_child_is_raised_in_the_parent():
    def fail() -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "site/data/ratings.db")

    with pytest.raises(OSError) as caught, parallel.beside(fail) as other:
        other()
    assert (caught.value.errno, caught.value.filename) == (errno.ENOSPC, "site/data/ratings.db")


def test_a_failing_parent_stops_the_child_and_keeps_the_old_folder(tmp_path: Path):
    out = tmp_path / "site"
    replace_dir({"index.html": b"old"}, out)

    def write(folder: Path) -> int:
        with parallel.beside(lambda: (folder / "from-child").write_bytes(b"x")) as other:
            raise ValueError("the pages failed")
        return other()  # pragma: no cover - not reached

    with pytest.raises(ValueError, match="the pages failed"):
        replace_dir(write, out)
    assert sorted(p.name for p in out.iterdir()) == [".ratings-build", "index.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_with_threads_running_the_work_runs_here():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not parallel.can_fork()
        with parallel.beside(os.getpid) as other:
            assert other() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_a_handoff_reaches_the_child_without_the_parent_waiting_for_it():
    """The value is larger than a pipe holds, and the child asks for it only after the parent
    has gone on (it waits for a second pipe that the parent writes after sending): a parent
    that waited for the child to take the value would never get there."""
    value = [(i, i % 7, f"={i}") for i in range(100_000)]
    handoff = parallel.Handoff()
    gone_on, go = os.pipe()
    signal.alarm(60)  # a hang fails the test instead of the run
    try:

        def child() -> int:
            os.read(gone_on, 1)
            return len(handoff.receive()) if handoff.receive() == value else -1

        with parallel.beside(child) as other:
            handoff.send(value)
            os.write(go, b"x")
            assert other() == len(value)
    finally:
        signal.alarm(0)
        handoff.close()
        os.close(gone_on)
        os.close(go)


def test_in_one_process_the_handoff_is_there_when_asked_for(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(parallel, "can_fork", lambda: False)
    handoff = parallel.Handoff()
    try:
        with parallel.beside(handoff.receive) as other:
            handoff.send({"rank": 1})
            assert other() == {"rank": 1}
    finally:
        handoff.close()


def test_a_child_whose_parent_never_hands_over_is_told_so():
    handoff = parallel.Handoff()
    signal.alarm(60)
    try:
        with pytest.raises(RuntimeError, match="ended before handing over"), parallel.beside(handoff.receive) as other:
            handoff.close()  # the parent's end goes without a value, as when it fails
            other()
    finally:
        signal.alarm(0)


@pytest.mark.parametrize(("count", "size"), [(1000, 7), (5, 200), (0, 200)])
def test_shared_work_is_claimed_once_each(count: int, size: int):
    shares = parallel.Shares(count, size)
    try:
        with parallel.beside(lambda: list(shares.claim())) as other:
            mine = list(shares.claim())
            theirs = other()
    finally:
        shares.close()
    assert sorted(mine + theirs) == list(range(count))
    assert not set(mine) & set(theirs)


def test_a_process_that_claims_no_provider_page_does_not_make_the_page_context(small: Path):
    """The downloads' process asks for provider pages once its files are written; when the
    other has taken them all, it must not spend time preparing pages it will not make."""
    data = load_dataset(small)
    made = site.Pages(data, table.build(data), None, None)
    assert list(made.providers([])) == []
    assert "ctx" not in vars(made)
    assert [name for name, _ in made.providers([1, 0])] == [
        f"providers/{data.providers[1].id}.html",
        f"providers/{data.providers[0].id}.html",
    ]
    assert "ctx" in vars(made)
