"""Work beside the build: results and errors come back from the child; threads mean no fork."""

from __future__ import annotations

import errno
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings import export, parallel, site, table
from ratings.atomic import replace_dir
from ratings.models import Dataset
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


@pytest.mark.parametrize("slow", ["database", "owners"])
def test_the_league_pages_go_to_whichever_process_gets_to_them_first(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch, slow: str
):
    """With the child's database slow, the parent makes the league's pages once its provider
    pages are done, rather than wait; with the parent's owners' pages slow, the child makes
    them, as it did alone before. Either way the site is the same."""
    log = tmp_path / "made-by.txt"
    page = site.Pages.page

    def logged(self: site.Pages, path: str, *args: object, **context: object) -> tuple[str, bytes]:
        handle = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(handle, f"{os.getpid()} {path}\n".encode())
        finally:
            os.close(handle)
        return page(self, path, *args, **context)  # type: ignore[arg-type]

    monkeypatch.setattr(site.Pages, "page", logged)
    if slow == "database":
        database_file = site.database_file

        def slow_database(data: Dataset, tables: table.Tables, built: dict[str, export.Table]) -> tuple[str, Any]:
            name, make = database_file(data, tables, built)

            def slowly(path: str) -> None:
                time.sleep(1.5)
                make(path)  # type: ignore[operator]

            return name, slowly

        monkeypatch.setattr(site, "database_file", slow_database)
    else:
        other_pages = site.Pages.other_pages

        def slow_owners(self: site.Pages) -> Iterator[tuple[str, bytes]]:
            time.sleep(1.5)
            yield from other_pages(self)

        monkeypatch.setattr(site.Pages, "other_pages", slow_owners)
    data = load_dataset(small)
    site.write_site(data, tmp_path / "site")

    made_by = dict(line.split(" ", 1)[::-1] for line in log.read_text().splitlines())
    league = site.Pages(data, table.build(data), None, None).league_page_names()
    makers = {made_by[name] for name in league}
    if slow == "database":
        assert makers == {str(os.getpid())}
    else:
        assert str(os.getpid()) not in makers
    written = {
        p.relative_to(tmp_path / "site").as_posix(): p.read_bytes()
        for p in (tmp_path / "site").rglob("*")
        if p.is_file()
    }
    assert written == site.build_files(data)
