"""The built site: what the page shows, that it stands alone, and that writing is all-or-nothing."""

import hashlib
import re
from pathlib import Path

import pytest

from ratings import atomic
from ratings.site import build_files
from ratings.validate import load_dataset


@pytest.fixture
def index(small: Path) -> str:
    return build_files(load_dataset(small))["index.html"].decode()


def rows_of(html: str) -> list[str]:
    """Provider names in table order."""
    return re.findall(r'<th scope="row" class="provider">([^<]+)</th>', html)


def test_index_shows_the_league_in_order(index: str):
    assert rows_of(index) == ["NPS North", "Alpha CRC", "Beta CRC", "Delta CRC", "Gamma CRC", "PDU One"]
    assert re.findall(r'<td class="rank">([^<]+)</td>', index) == ["1", "2", "=3", "=3", "5", "1"]


def test_index_shows_words_not_only_colours(index: str):
    assert '<td class="rating outstanding">Outstanding</td>' in index
    assert '<td class="rating not-recorded">not recorded</td>' in index
    assert '<td class="rating not-applicable">n/a</td>' in index
    assert '<td class="score partial">1 from 1 of 3 standards</td>' in index
    assert '<td class="score">7 / 9</td>' in index


def test_index_states_date_order_and_credit(index: str):
    assert 'Ratings as at <time datetime="2022-01-10">10 January 2022</time>' in index
    assert "Equal places share a rank" in index
    assert "Open Government Licence" in index and "HM Inspectorate of Probation" in index
    assert '<a href="https://example.org/nps-north">Report' in index
    assert (
        'Sources: <a href="https://example.org/gamma-2019">1<span class="visually-hidden"> for Gamma CRC</span></a>'
        in index
    )


def test_no_request_leaves_the_site(small: Path):
    files = build_files(load_dataset(small))
    for name, content in files.items():
        if name.endswith((".html", ".css")):
            text = content.decode()
            # Anything the browser would fetch by itself: stylesheets, scripts, images, fonts, CSS url().
            assert not re.search(r'<(link|script|img|iframe|source)\b[^>]*\b(href|src)="(https?:)?//', text), name
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), name
            assert not re.search(r'(href|src)="/', text), f"{name} has a root-relative link"


def test_text_is_escaped(tmp_path: Path, small: Path):
    path = tmp_path / "x.yaml"
    path.write_text(small.read_text().replace("name: Alpha CRC", "name: <script>alert(1)</script>"))
    html = build_files(load_dataset(path))["index.html"].decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_two_builds_are_byte_identical(small: Path):
    assert build_files(load_dataset(small)) == build_files(load_dataset(small))


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_failed_write_leaves_the_old_site_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "site"
    atomic.replace_dir({"index.html": b"old", "data/a.csv": b"1"}, out)
    before = digest(out)

    real_write = Path.write_bytes
    calls = {"n": 0}

    def failing_write(self: Path, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(OSError, match="disk full"):
        atomic.replace_dir({"index.html": b"new", "data/a.csv": b"2", "data/b.csv": b"3"}, out)
    monkeypatch.undo()
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder left behind


def test_write_file_replaces_whole(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    atomic.write_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
