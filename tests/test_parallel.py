"""Work beside the build: results and errors come back from the child; threads mean no fork."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from ratings import parallel, site, table
from ratings.atomic import replace_dir
from ratings.validate import load_dataset


def test_the_result_comes_from_another_process():
    with parallel.beside(os.getpid) as other:
        assert other() != os.getpid()


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
