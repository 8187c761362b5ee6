"""The built site: what each page shows, that it stands alone, and that writing is all-or-nothing."""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratings import atomic
from ratings.site import LEAGUE_UNITS, Pages, build_files, whole
from ratings.table import build as build_tables
from ratings.table import groups
from ratings.validate import load_dataset

from .conftest import REPO
from .html import read, table

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return build_files(load_dataset(Path(__file__).parent / "fixtures" / "small.yaml"))


def page(files: dict[str, bytes], name: str) -> str:
    return files[name].decode("utf-8")


def test_index_shows_the_league_in_order(files: dict[str, bytes]):
    rows = table(page(files, "index.html"), "league-1")
    assert rows[0][:8] == ["Rank", "Provider", "Type", "Owner at the time", "Area", "Published", "Overall", "Score"]
    assert [r[:2] for r in rows[1:]] == [
        ["1", "NPS North"],
        ["2", "Alpha CRC"],
        ["=3", "Beta CRC"],
        ["=3", "Delta CRC"],
        ["5", "Gamma CRC"],
    ]
    assert rows[5][7] == "1 from 1 of 3 standards"
    assert rows[1][7] == "7 / 9"
    # A framework with another maximum gets its own table, ranked from 1.
    assert [r[:2] for r in table(page(files, "index.html"), "league-2")[1:]] == [["1", "PDU One"]]


def test_rating_cells_show_words_with_their_colour_class(files: dict[str, bytes]):
    html = page(files, "index.html")
    assert '<td class="rating outstanding" data-sort="3">Outstanding</td>' in html
    assert '<td class="rating not-recorded" data-sort="-2">not recorded</td>' in html
    assert '<td class="rating not-applicable" data-sort="-3">n/a</td>' in html
    gamma = next(r for r in table(html, "league-1") if r[1] == "Gamma CRC")
    assert gamma[8:12] == ["Requires improvement", "not recorded", "n/a", "not recorded"]


def test_index_states_date_order_and_credit(files: dict[str, bytes]):
    html = page(files, "index.html")
    assert 'Ratings as at <time datetime="2022-01-10">10 January 2022</time>' in html
    assert "Equal places share a rank" in html
    assert "Open Government Licence" in html and "HM Inspectorate of Probation" in html
    links = read(html).links
    assert "https://example.org/nps-north" in links  # the report
    assert "https://example.org/gamma-2019" in links  # a source


def test_filters_offer_every_type_owner_and_area(files: dict[str, bytes]):
    html = page(files, "index.html")
    assert '<form class="filters" hidden' in html  # shown by the script; useless without it
    for option in ("CRC", "NPS", "PDU", "Acme Justice", "Bravo Services", "North", "South", "East"):
        assert f"<option>{option}</option>" in html


def test_provider_page_has_history_and_movement(files: dict[str, bytes]):
    html = page(files, "providers/alpha-crc.html")
    rows = table(html, "table-1")
    assert [r[0] for r in rows[1:]] == ["1 October 2018", "1 March 2020"]
    assert rows[2][5] == "▲ Overall: up, from Requires improvement to Good ▲ Score: up, from 4 to 6 (+2)"
    assert rows[1][5] == "first inspection"
    gamma = table(page(files, "providers/gamma-crc.html"), "table-1")
    assert gamma[2][5] == (
        "– Overall: no comparison (Requires improvement before, not rated now) "
        "– Score: no comparison (a score is not known for both)"
    )


def test_owner_pages_count_inspections_while_owned(files: dict[str, bytes]):
    html = page(files, "owners/acme.html")
    # Alpha 2018 (4) and 2020 (6), Beta 2019 (5), Gamma 2019 (partial) and 2020 (not rated).
    assert (
        "5 inspections while owned: 1 Good, 3 Requires improvement, 1 not rated. "
        "Average score 5.0, over the 3 with a known score."
    ) in " ".join(html.split())
    owners = table(page(files, "owners/index.html"), "owners")
    assert owners[1][:4] == ["Acme Justice", "3", "5", "0"]


def test_area_page_sets_the_division_beside_its_crcs(files: dict[str, bytes]):
    html = page(files, "areas/north.html")
    rows = table(html, "area-1")
    assert [r[1] for r in rows[1:]] == ["NPS North", "Alpha CRC", "Beta CRC"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "=3"]  # their places in the whole league


def test_standards_page_orders_weakest_first(files: dict[str, bytes]):
    rows = table(page(files, "standards.html"), "table-1")
    assert rows[0][0] == "Standard"
    # Latest inspections: assessment Good, Good, Requires improvement, Good (+ 1 not recorded): 1.75.
    assert [r[0] for r in rows[1:]] == ["1.1 Leadership", "2.1 Assessment", "4.1 Unpaid work", "3.1 Court reports"]
    assert rows[2][1:] == ["0", "3", "1", "0", "1", "1.75 from 4 of 5"]


def test_methodology_describes_each_framework(files: dict[str, bytes]):
    html = page(files, "methodology.html")
    for name in ("Mini CRC framework", "Mini NPS framework", "Mini PDU framework"):
        assert f"<h3>{name}</h3>" in html
    assert "unofficial" in html and "Open Government Licence" in html and "not rated" in html


def test_every_link_is_relative_and_resolves(files: dict[str, bytes]):
    for name, content in files.items():
        if not name.endswith(".html"):
            continue
        reader = read(content.decode())
        for href in reader.links + reader.resources:
            if href.startswith(("https://", "http://", "#")):
                assert href.startswith(("https://", "http://", "#")) and not href.startswith("//")
                continue
            assert not href.startswith("/"), f"{name}: root-relative link {href}"
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href.split("#")[0]))
            assert target in files, f"{name}: {href} leads nowhere"


def test_no_request_leaves_the_site(files: dict[str, bytes]):
    for name, content in files.items():
        if name.endswith(".html"):
            resources = read(content.decode()).resources
            assert all(not r.startswith(("http:", "https:", "//")) for r in resources), name
        if name.endswith(".css"):
            assert "url(" not in content.decode() and "@import" not in content.decode()


def link(entry: ET.Element) -> str | None:
    found = entry.find(f"{ATOM}link")
    return found.get("href") if found is not None else None


def test_feed_lists_every_inspection_newest_first(files: dict[str, bytes]):
    feed = ET.fromstring(files["feed.xml"])
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 8
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert entries[0].findtext(f"{ATOM}title") == "PDU One: Inadequate"
    assert link(entries[0]) == "providers/pdu-one.html#pdu-one-2022-01-10"
    assert "sitemap.xml" not in files  # a sitemap needs absolute addresses: only with --site-url


def test_site_url_makes_feed_and_sitemap_absolute(small: Path):
    built = build_files(load_dataset(small), site_url="https://example.org/probation")
    feed = ET.fromstring(built["feed.xml"])
    first = feed.findall(f"{ATOM}entry")[0]
    assert link(first) == "https://example.org/probation/providers/pdu-one.html#pdu-one-2022-01-10"
    sitemap = ET.fromstring(built["sitemap.xml"])
    locations = [u.text for u in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "https://example.org/probation/index.html" in locations
    assert len(locations) == sum(1 for p in built if p.endswith(".html")) - 1  # all but 404.html
    assert build_files(load_dataset(small))["index.html"] == built["index.html"]  # pages stay relative


def test_text_is_escaped(tmp_path: Path, small: Path):
    path = tmp_path / "x.yaml"
    path.write_text(small.read_text().replace("name: Alpha CRC", "name: <script>alert(1)</script>"))
    built = build_files(load_dataset(path))
    for name in ("index.html", "providers/alpha-crc.html", "owners/acme.html", "areas/north.html"):
        html = built[name].decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert b"<script>alert" not in built["feed.xml"]


def test_table_rows_go_where_the_page_puts_its_table_and_nowhere_else(small: Path, monkeypatch: pytest.MonkeyPatch):
    from ratings import pages, table
    from ratings.site import BODY_MARK, Pages

    data = load_dataset(small)
    made = Pages(data, table.build(data), None, None)
    page = pages.index_page(made.ctx)
    first = page.tables[0]
    _, html = made.page("index.html", "index.html", "League table", page=page)
    text = html.decode()
    assert str(BODY_MARK) not in text
    # Each table's rows sit between its <tbody> and </tbody>, in the order of its rows.
    bodies = [part.split("</tbody>")[0] for part in text.split("<tbody>\n")[1:]]
    assert len(bodies) == len(page.tables)
    assert [b.count("<tr") for b in bodies] == [len(t.rows) for t in page.tables]
    assert bodies[0].index(first.rows[0].provider) < bodies[0].index(first.rows[-1].provider)

    # A template that makes a table's rows without placing them is a mistake, not a page.
    made.env.globals["unplaced"] = lambda: made.env.from_string(
        "{% set rows = table_body(t, 'league', '') %}no table here"
    ).render(t=first)
    monkeypatch.setattr(made.env, "get_template", lambda *_: made.env.from_string("{{ unplaced() }}"))
    with pytest.raises(RuntimeError, match="1 table bodies but 0 places"):
        made.page("odd.html", "odd.html", "Odd")


def test_two_builds_are_byte_identical(small: Path):
    assert build_files(load_dataset(small)) == build_files(load_dataset(small))


def test_the_league_pages_are_named_before_they_are_made():
    """The parent's sitemap lists the league's pages, which the child makes (see write_site)."""
    data = load_dataset(REPO / "data" / "ratings.yaml")
    made = Pages(data, build_tables(data), None, None)
    names = made.league_page_names()
    assert names == [name for name, _ in made.league_pages()]
    assert len(names) == len(set(names)) > 3
    others = [name for name, _ in made.other_pages()]
    assert sorted(name for name, _ in made.main()) == sorted(names + others)


def test_the_league_pages_come_in_units_that_make_them_all_between_them():
    """Two processes share the league's pages out by unit (see write_site): each unit its own
    pages, in the order asked for, and all of them together the pages made at once."""
    data = load_dataset(REPO / "data" / "ratings.yaml")
    made = Pages(data, build_tables(data), None, None)
    together = dict(made.league_pages())
    units = [dict(made.league_pages([unit])) for unit in range(LEAGUE_UNITS)]
    areas = [name for name in together if name.startswith("areas/") and name != "areas/index.html"]
    assert [list(unit) for unit in units] == [["index.html"], ["areas/index.html", *areas], ["standards.html"]]
    assert {name: content for unit in units for name, content in unit.items()} == together
    with pytest.raises(ValueError, match="no unit 3"):
        list(made.league_pages([LEAGUE_UNITS]))
    assert [name for name, _ in made.league_pages([2, 0])] == ["standards.html", "index.html"]
    # A process that makes only these needs the inspections grouped neither by provider nor owner.
    assert not {"by_provider", "by_owner"} & set(vars(made.ctx))
    assert list(Pages(data, build_tables(data), None, None).league_pages([])) == []


def test_the_real_data_builds_every_page():
    built = build_files(load_dataset(REPO / "data" / "ratings.yaml"))
    data = load_dataset(REPO / "data" / "ratings.yaml")
    providers = [p for p in built if p.startswith("providers/")]
    assert len(providers) == len(data.providers)
    index = built["index.html"].decode()
    assert len(table(index, "league-1")) - 1 == 29  # the 21 CRCs, 7 NPS divisions and NPS South West
    # The PDU frameworks and the regional one each get a table of their own.
    titles = [g.title for g in groups(data)]
    assert titles[1:] == [
        "PDU framework (2021-2023)",
        "PDU framework (from October 2023)",
        "Regional framework (from 2024)",
    ]
    for n in (2, 3, 4):
        assert len(table(index, f"league-{n}")) > 1


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

    real_write = os.write
    calls = {"n": 0}

    def failing_write(handle: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        atomic.replace_dir({"index.html": b"new", "data/a.csv": b"2", "data/b.csv": b"3"}, out)
    monkeypatch.undo()
    assert digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no staging folder left behind


def test_short_writes_are_written_on_until_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda handle, data: real_write(handle, bytes(data[:3])))
    count = atomic.write_files(tmp_path, [("a/one.txt", b"0123456789"), ("two.txt", [b"abcd", b"", b"efgh"])])
    monkeypatch.undo()
    assert count == 2
    assert (tmp_path / "a" / "one.txt").read_bytes() == b"0123456789"
    assert (tmp_path / "two.txt").read_bytes() == b"abcdefgh"


def test_a_file_that_makes_itself_is_made_in_place_and_reads_back_whole(tmp_path: Path):
    made: list[str] = []

    def maker(path: str) -> None:
        made.append(path)
        Path(path).write_bytes(b"made at " + Path(path).name.encode())

    assert atomic.write_files(tmp_path, [("data/x.db", maker), ("y.txt", b"y")]) == 2
    assert made == [str(tmp_path / "data" / "x.db")]
    assert (tmp_path / "data" / "x.db").read_bytes() == b"made at x.db"
    assert whole(maker) == b"made at file"


def test_write_file_replaces_whole(tmp_path: Path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    atomic.write_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_as_at_is_as_precise_as_the_latest_publication(tmp_path: Path, small: Path):
    # The latest report is known only to the year: the page must not claim 31 December.
    path = tmp_path / "x.yaml"
    path.write_text(small.read_text().replace("published: 2022-01-10", "published: 2022"))
    html = build_files(load_dataset(path))["index.html"].decode()
    assert 'Ratings as at <time datetime="2022">2022</time> (the latest publication in the data).' in html


def test_feed_carries_only_the_latest_inspections(tmp_path: Path):
    from ratings.site import FEED_ENTRIES
    from ratings.synthetic import dataset

    path = tmp_path / "many.yaml"
    path.write_text(dataset(30, 5), encoding="utf-8")  # 150 inspections
    data = load_dataset(path)
    entries = ET.fromstring(build_files(data)["feed.xml"]).findall(f"{ATOM}entry")
    assert len(entries) == FEED_ENTRIES == 100
    newest = sorted((i.published.latest.isoformat(), i.key) for i in data.inspections)[-FEED_ENTRIES:]
    assert newest[-1][1] in {e.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1] for e in entries}
    assert min(e.findtext(f"{ATOM}updated", "") for e in entries) >= newest[0][0]


def test_a_large_old_site_is_removed_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "site"
    atomic.replace_dir({"index.html": b"old", "data/a.csv": b"1"}, out)
    monkeypatch.setattr(atomic, "BACKGROUND_REMOVAL", 1)
    removed_here: list[str] = []
    real_rmtree = shutil.rmtree

    def rmtree(path: Path, ignore_errors: bool = False) -> None:
        removed_here.append(str(path))
        real_rmtree(path, ignore_errors=ignore_errors)

    monkeypatch.setattr(shutil, "rmtree", rmtree)
    assert atomic.replace_dir({"index.html": b"new"}, out) == 1
    assert (out / "index.html").read_bytes() == b"new"
    assert removed_here == []  # the build did not remove the old site itself
    deadline = time.monotonic() + 30
    while len(list(tmp_path.iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_without_a_shell_the_old_site_is_removed_before_the_build_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "site"
    atomic.replace_dir({"index.html": b"old"}, out)
    monkeypatch.setattr(atomic, "BACKGROUND_REMOVAL", 1)

    def no_shell(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("/bin/sh")

    monkeypatch.setattr(subprocess, "run", no_shell)
    atomic.replace_dir({"index.html": b"new"}, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_written_build_runs_no_collection_and_restores_the_collector_after(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A collection walks everything a build has made and keeps to its end: none runs during it
    (see the next test for why none is needed), and the collector is back on after."""
    import gc

    from ratings import allocator, table
    from ratings.site import write_site

    seen: list[bool] = []
    real = table.ranking

    def ranking(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(table, "ranking", ranking)
    monkeypatch.setattr(allocator, "_kept", [])  # as `ratings build` keeps them, to its end
    before = gc.get_threshold()
    write_site(load_dataset(small), tmp_path / "site")
    assert seen == [False]
    assert gc.get_threshold() == before and gc.isenabled()
    # What the build made and the process keeps is out of the collector's sight (frozen): the
    # first young collection after the build would otherwise walk it all once more.
    assert allocator._kept
    collected = {id(o) for o in gc.get_objects()}
    assert not [o for o in allocator._kept if gc.is_tracked(o) and id(o) in collected]


def test_a_build_in_a_process_that_goes_on_leaves_nothing_behind(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """`ratings serve` builds again and again: what a build made is all freed after it, the
    pages' jinja2 environment (in cycles) by a collection, so nothing of it is frozen."""
    import gc
    import weakref

    from ratings import allocator
    from ratings.site import Pages, write_site

    assert not allocator.keeping()
    made: list[weakref.ref[Pages]] = []
    real = Pages.__init__

    def init(self: Pages, *args: Any) -> None:
        made.append(weakref.ref(self))
        real(self, *args)

    monkeypatch.setattr(Pages, "__init__", init)
    write_site(load_dataset(small), tmp_path / "site")
    gc.collect()
    assert made and not [page for page in made if page() is not None]


def test_pages_and_downloads_leave_no_cycles_behind(small: Path):
    """What a build makes is freed as it goes, without the collector: no page or download
    leaves objects in a cycle (which only a collection would free)."""
    import gc

    from ratings.site import Pages, inspection_files

    data = load_dataset(small)
    tables = build_tables(data)
    made = Pages(data, tables, None, "https://example.org/")
    list(made.providers(range(1)))  # the templates and the shared context, made once
    gc.collect()
    gc.disable()
    try:
        files = [*made.main(), *made.providers(), *inspection_files(data, tables, {})]
        assert len(files) > 10
        del files
        assert gc.collect() == 0
    finally:
        gc.enable()


# The loop the provider template had, kept here as what `table_html.notes` must write.
_NOTES_LOOP = """{% for r in rows %}
  <dt><a href="#{{ r.inspection_id }}">{{ r.published }}</a>{% if r.programme %} ({{ r.programme }} programme){% endif %}{% if r.fieldwork %}, fieldwork from {{ r.fieldwork }}{% endif %}</dt>
  <dd>{{ r.notes or "No notes." }}</dd>
{% endfor %}
"""
_TRICKY = st.text(alphabet=st.sampled_from(list("ab <>&'\"é–")), max_size=5)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(_TRICKY, _TRICKY, _TRICKY, _TRICKY, _TRICKY), max_size=4))
def test_a_providers_notes_are_written_as_the_template_loop_wrote_them(small: Path, values: list[tuple[str, ...]]):
    import dataclasses

    from jinja2 import Environment

    from ratings import pages, table_html

    data = load_dataset(small)
    ctx = pages.Context(data, build_tables(data), pages.site_info(data, None, ""))
    template = next(pages.provider_pages(ctx, [0])).history.rows[0]
    rows = tuple(
        dataclasses.replace(template, inspection_id=i, published=p, programme=g, fieldwork=f, notes=n)
        for i, p, g, f, n in values
    )
    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    assert table_html.notes(rows) == env.from_string(_NOTES_LOOP).render(rows=rows)
