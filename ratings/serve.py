"""`ratings serve`: build, serve the site on 127.0.0.1, rebuild when the data or templates change.

For a local preview only: a plain standard-library server, bound to the loopback address.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ratings.errors import DataError
from ratings.models import Dataset


def snapshot(paths: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of every file under `paths`: changes when any does."""
    seen = []
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            seen.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(seen)


class Preview:
    """Keeps `out` built from `data_path`; a failed rebuild reports and keeps the last good site."""

    def __init__(
        self,
        data_path: Path,
        shown: str,
        out: Path,
        as_of: dt.date | None,
        watch: list[Path],
        report: Callable[[str], None],
    ) -> None:
        self.data_path, self.shown, self.out, self.as_of = data_path, shown, out, as_of
        self.watch, self.report = watch, report
        self._state = snapshot(watch)
        self._stop = threading.Event()

    def build(self, data: Dataset | None = None) -> bool:
        """Build from `data` when already loaded, else from the file; False if the data is bad."""
        from ratings.atomic import replace_dir
        from ratings.site import iter_files
        from ratings.validate import load_dataset

        try:
            data = data if data is not None else load_dataset(self.data_path, self.shown)
        except DataError as exc:
            for problem in exc.problems:
                self.report(str(problem))
            self.report("Not rebuilt: the previous site is still served.")
            return False
        count = replace_dir(iter_files(data, self.as_of), self.out)
        self.report(f"Built {count} files into {self.out}/")
        return True

    def poll(self) -> bool:
        """Rebuild if anything watched changed since the last look; True when it rebuilt."""
        state = snapshot(self.watch)
        if state == self._state:
            return False
        self._state = state
        return self.build()

    def watch_forever(self, interval: float = 1.0) -> None:
        while not self._stop.wait(interval):
            self.poll()

    def stop(self) -> None:
        self._stop.set()


def make_server(out: Path, port: int) -> ThreadingHTTPServer:
    """A server for the folder `out` (looked up per request, so a swapped-in build is served)."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(out), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler))
