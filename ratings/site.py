"""Stage 4a: the static site, made one file at a time: `write_site` writes it (in two processes
where it can), `iter_files` streams it, `build_files` gathers it in memory.

Each page is a template plus a context from `pages.py`. Links are relative (`root` is "" or
"../"), so the site works from file:// and under any sub-path; only the feed and the sitemap
use absolute addresses, and only when a site URL is given.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import operator
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from ratings import __version__, allocator, collector, export, pages, parallel, schema, table, table_html
from ratings.atomic import Content, write_files
from ratings.models import Dataset, parse_partial_date
from ratings.paths import templates_dir

if TYPE_CHECKING:
    from jinja2 import Environment

NAV = (
    ("index.html", "League table"),
    ("standards.html", "Standards"),
    ("owners/index.html", "Owners"),
    ("areas/index.html", "Areas"),
    ("methodology.html", "Methodology"),
)
NAV_PATHS = {href for href, _ in NAV}

# Where a table's rows go in a rendered page: unguessable, so no text in the data can pose as one.
BODY_MARK = Markup(f"\x00table-body-{secrets.token_hex(8)}\x00")


def build_files(data: Dataset, as_of: dt.date | None = None, site_url: str | None = None) -> dict[str, bytes]:
    """Every file of the site, by relative path. Nothing is written here."""
    return {name: whole(content) for name, content in iter_files(data, as_of, site_url)}


def whole(content: Content) -> bytes:
    """A file's bytes, joined if they come in pieces, read back if the file makes itself."""
    if isinstance(content, bytes):
        return content
    if callable(content):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "file")
            content(path)
            with open(path, "rb") as stream:
                return stream.read()
    return b"".join(content)


def iter_files(
    data: Dataset, as_of: dt.date | None = None, site_url: str | None = None
) -> Iterator[tuple[str, Content]]:
    """Every file of the site as (relative path, content), made one after another, so that a
    large site can be written as it is made instead of held in memory whole."""
    tables = table.build(data, as_of)
    yield from _pages_and_static(Pages(data, tables, as_of, site_url))
    yield from data_files(data, tables, as_of, site_url)


@dataclass(frozen=True)
class Chrome:
    """The site header and footer of a page, as HTML."""

    header: Markup
    footer: Markup

    @classmethod
    def render(cls, env: Environment, **context: Any) -> Chrome:
        return cls(
            Markup(env.get_template("_site_header.html").render(**context)),
            Markup(env.get_template("_site_footer.html").render(**context)),
        )


# The league's pages in pieces of work (see `Pages.league_pages`): the league table (0.35 s for
# 50,000 inspections), the areas' (0.3 s) and the standards' (0.12 s).
LEAGUE_UNITS = 3


def write_site(data: Dataset, folder: Path, as_of: dt.date | None = None, site_url: str | None = None) -> int:
    """Write every file of the site into `folder` (the same files as `iter_files`); returns how
    many. Two processes share the work: the child makes the inspections' downloads and the
    database, then the pages of the whole league (league table, areas, standards) that are left;
    the parent the owners' pages and the small files (league downloads, Data Package, schema,
    feed); whichever is done first helps with the provider pages, taken in turns until none are
    left (the balance varies with the data, and writing with the disk). The child starts before
    the league is ranked, on the inspections' downloads, which need no ranking: the parent hands
    it the ranking once made. The database cannot be shared out (3 s for 50,000 inspections): the small
    files are the parent's so that the child gets to it sooner and the parent does not run out
    of provider pages while waiting for it. The owners' pages are the parent's because their
    tables make the rows the provider pages show again: a provider page made by the parent
    costs about half what it costs the child, which has to make its rows (about 0.25 ms
    against 0.4-0.5 ms for 50,000 inspections), so the child takes the league's pages instead.
    They are shared out too (`LEAGUE_UNITS`): the child claims them before any provider page,
    the parent after its last. Where the database outlasts the parent's share, the parent makes
    them meanwhile rather than wait for the child (it waited up to a second, in half the builds
    of 50,000 inspections at some hours); else the child makes them, as before.
    """
    ranked = parallel.Handoff()
    shares = parallel.Shares(len(data.providers), 200)
    league = parallel.Shares(LEAGUE_UNITS, 1)

    # Each process makes the inspections' rows itself (half a second for 50,000): sooner than
    # one making them while the other waits.
    def child() -> int:
        built: dict[str, export.Table] = {}
        counted = table.unranked(data, as_of)
        count = write_files(folder, inspection_files(data, counted, built))
        tables = table.Tables.of(counted, ranked.receive())
        count += write_files(folder, [database_file(data, tables, built)])
        made = Pages(data, tables, as_of, site_url)
        count += write_files(folder, made.league_pages(league.claim()))
        count += write_files(folder, made.providers(shares.claim()))
        allocator.keep(built, counted, tables, made)  # for the process's end to free
        return count

    try:
        # No collection during the build: its pages leave no cycles behind (a test holds that),
        # and the collector walked the rows and pages made and kept to the end (0.15 s in each
        # process for 50,000 inspections). Nor after it, in a process that ends next: what the
        # build made is then frozen, where the first young collection walked it all once more
        # (0.17 s). A process that goes on (`ratings serve`) lets it be collected: the jinja2
        # environment and the pages that use it are in cycles, freed only by a collection.
        with collector.paused(keep=allocator.keeping()), parallel.beside(child) as rest:
            counted = table.unranked(data, as_of)
            ranking = table.ranking(counted, as_of)
            ranked.send(ranking)
            tables = table.Tables.of(counted, ranking)
            site_pages = Pages(data, tables, as_of, site_url)
            summary = summary_files(data, tables, {}, as_of, site_url)
            mine = _pages_and_static(
                site_pages, shares.claim(), summary, site_pages.other_pages(), site_pages.league_page_names()
            )
            count = write_files(folder, itertools.chain(mine, site_pages.league_pages(league.claim())))
            allocator.keep(counted, ranking, tables, site_pages)  # for the process's end to free (if it ends next)
            return count + rest()
    finally:
        shares.close()
        league.close()
        ranked.close()


def _pages_and_static(
    made: Pages,
    providers: Iterable[int] | None = None,
    between: Iterable[tuple[str, Content]] = (),
    main: Iterable[tuple[str, bytes]] | None = None,
    elsewhere: Iterable[str] = (),
) -> Iterator[tuple[str, Content]]:
    """The pages (the provider pages at `providers` only, when given: another process makes the
    others), then the sitemap, which lists every page, and the static files; `between`: files
    to make after the main pages, before the provider pages (which two processes share out);
    `main`: the pages to make other than the providers' (by default all of them), and
    `elsewhere`: the paths of any that another process makes, for the sitemap."""
    names = [*made.provider_names(), *elsewhere]
    for name, content in made.main() if main is None else main:
        names.append(name)
        yield name, content
    yield from between
    yield from made.providers(providers)
    yield from _static_and_sitemap(names, made.site_url)


def _static_and_sitemap(pages_made: list[str], site_url: str | None) -> Iterator[tuple[str, bytes]]:
    if site_url:
        urls = sorted(p for p in pages_made if p != "404.html")
        sitemap = _environment().get_template("sitemap.xml").render(base=_base(site_url), urls=urls)
        yield "sitemap.xml", sitemap.encode("utf-8")
    static = templates_dir() / "static"
    for path in sorted(static.rglob("*")):
        if path.is_file():
            yield f"static/{path.relative_to(static).as_posix()}", path.read_bytes()


def page_files(
    data: Dataset, tables: table.Tables, as_of: dt.date | None = None, site_url: str | None = None
) -> Iterator[tuple[str, bytes]]:
    """The HTML pages, one at a time."""
    made = Pages(data, tables, as_of, site_url)
    yield from made.main()
    yield from made.providers()


class Pages:
    """The HTML pages: what they share is made once, each page when asked for."""

    def __init__(self, data: Dataset, tables: table.Tables, as_of: dt.date | None, site_url: str | None) -> None:
        self.data, self.site_url = data, site_url
        self.tables = tables
        self.site = pages.site_info(data, as_of, __version__)
        self.env = _environment()
        self._chromes: dict[tuple[str, str], Chrome] = {}
        # Table bodies go into a page after jinja2 has rendered it (see `page`).
        self._bodies: list[str] = []
        self.env.globals["table_body"] = self._table_body
        # The macros as globals, once: a `{% from %}` import in each page fetched the module
        # again, a twentieth of a provider page's rendering. (Made after `table_body` is set:
        # the module keeps the globals it was made with.)
        macros = self.env.get_template("_macros.html").module
        self.env.globals.update(ratings_table=macros.ratings_table, bar_chart=macros.bar_chart)  # type: ignore[attr-defined]

    @functools.cached_property
    def ctx(self) -> pages.Context:
        # Made on first use: in a two-process build each process makes its own after the fork,
        # the child only once its downloads are done, rather than both waiting for one.
        return pages.Context(self.data, self.tables, self.site)

    def page(self, path: str, template: str, title: str, **context: Any) -> tuple[str, bytes]:
        root = "../" * path.count("/")
        # The header and footer differ only by folder depth and by which nav page is current:
        # ten thousand provider pages share one.
        key = (root, path if path in NAV_PATHS else "")
        chrome = self._chromes.get(key)
        if chrome is None:
            chrome = self._chromes[key] = Chrome.render(self.env, site=self.site, root=root, path=path, nav=NAV)
        self._bodies.clear()
        html = self.env.get_template(template).render(
            site=self.site, root=root, path=path, title=title, nav=NAV, chrome=chrome, **context
        )
        if not self._bodies:
            return path, html.encode("utf-8")
        parts = html.split(BODY_MARK)
        if len(parts) != len(self._bodies) + 1:
            raise RuntimeError(f"{path}: {len(self._bodies)} table bodies but {len(parts) - 1} places for them")
        # Encoded piece by piece: joined first, the page would take the widest character kind
        # of any piece (a "·" in the footer, an arrow in a row), and its megabytes of ASCII rows
        # would be copied wide and then encoded a character at a time.
        pieces = [parts[0].encode("utf-8")]
        for body, after in zip(self._bodies, parts[1:], strict=True):
            pieces += (body.encode("utf-8"), after.encode("utf-8"))
        self._bodies.clear()
        return path, b"".join(pieces)

    def _table_body(self, t: pages.RatingsTable, mode: str, root: str) -> Markup:
        """A mark where the table's rows go (see `page`): a body of megabytes passed through
        jinja2 as markup was copied at every step (escape, macro, block)."""
        self._bodies.append(table_html.body(t.rows, mode, root, t.moves))
        return BODY_MARK

    def providers(self, indexes: Iterable[int] | None = None) -> Iterator[tuple[str, bytes]]:
        """Every provider's page, or those at `indexes` in the data."""
        if indexes is not None:
            indexes = iter(indexes)
            first = next(indexes, None)
            if first is None:
                return  # none left to make: no need for the context, which takes a while
            indexes = itertools.chain([first], indexes)
        for provider in pages.provider_pages(self.ctx, indexes):
            yield self.page(pages.provider_href(provider.id), "provider.html", provider.name, page=provider)

    def provider_names(self) -> list[str]:
        return [pages.provider_href(p.id) for p in self.data.providers]

    def main(self) -> Iterator[tuple[str, bytes]]:
        """Every page but the providers': the league table, the owners', areas', standards',
        methodology and not-found pages."""
        yield from self.league_pages()
        yield from self.other_pages()

    def league_pages(self, units: Iterable[int] | None = None) -> Iterator[tuple[str, bytes]]:
        """The pages of the whole league's rows: the league table (unit 0 of LEAGUE_UNITS), the
        areas' (1) and the standards' (2); only those of `units` when given (two processes share
        them out). The context is made only once a unit is to be made."""
        for unit in range(LEAGUE_UNITS) if units is None else units:
            if unit == 0:
                yield self.page("index.html", "index.html", "League table", page=pages.index_page(self.ctx))
            elif unit == 1:
                areas = pages.area_pages(self.ctx)
                yield self.page("areas/index.html", "areas.html", "Areas", areas=areas)
                for area in areas:
                    yield self.page(pages.area_href(area.name), "area.html", area.name, page=area)
            elif unit == 2:
                yield self.page("standards.html", "standards.html", "Standards", page=pages.standards_page(self.ctx))
            else:
                raise ValueError(f"no unit {unit} of the league's pages (expected 0 to {LEAGUE_UNITS - 1})")

    def league_page_names(self) -> list[str]:
        """The paths of `league_pages`, without making them."""
        areas = sorted({p.area for p in self.data.providers})
        return ["index.html", "areas/index.html", *map(pages.area_href, areas), "standards.html"]

    def other_pages(self) -> Iterator[tuple[str, bytes]]:
        """The owners', methodology and not-found pages. The owners' tables make the row of every
        inspection that an owner held, and so most of the provider pages' rows."""
        ctx, page = self.ctx, self.page
        owners = pages.owner_pages(ctx)
        yield page("owners/index.html", "owners.html", "Owners", page=owners)
        for owner in owners.owners:
            yield page(pages.owner_href(owner.id), "owner.html", owner.name, page=owner)
        yield page("methodology.html", "methodology.html", "Methodology", page=pages.methodology_page(self.data))
        yield page("404.html", "404.html", "Page not found", site_url=self.site_url)


def data_files(
    data: Dataset, tables: table.Tables, as_of: dt.date | None = None, site_url: str | None = None
) -> Iterator[tuple[str, Content]]:
    """The downloads (every table in every format), the schema and the feed, one file at a time:
    a large site's downloads run to hundreds of megabytes, not to be held in memory together."""
    built: dict[str, export.Table] = {}  # each table's values once, for every format
    yield from inspection_files(data, tables, built)
    yield from summary_files(data, tables, built, as_of, site_url)
    yield database_file(data, tables, built)


def inspection_files(
    data: Dataset, counted: table.Counted, built: dict[str, export.Table]
) -> Iterator[tuple[str, Content]]:
    """The inspections' downloads, which need no ranking (their tables kept in `built` for the
    database)."""
    for name in ("inspections", "ratings"):
        built[name] = export.table_data(data, counted, name)
        yield from _table_files(name, built[name])


def summary_files(
    data: Dataset,
    tables: table.Tables,
    built: dict[str, export.Table],
    as_of: dt.date | None = None,
    site_url: str | None = None,
) -> Iterator[tuple[str, Content]]:
    """The league table's downloads, the Data Package, the schema and the feed: the small files,
    which a two-process build gives to the process that makes the pages."""
    built["league"] = export.table_data(data, tables, "league")
    yield from _table_files("league", built["league"])
    yield "data/datapackage.json", export.datapackage(tables.groups).encode("utf-8")
    yield "data/ratings.schema.json", schema.text().encode("utf-8")
    site = pages.site_info(data, as_of, __version__)
    yield "feed.xml", _feed(_environment(), tables.inspection_rows, site, site_url)


def database_file(data: Dataset, tables: table.Tables, built: dict[str, export.Table]) -> tuple[str, Content]:
    """The database of all three tables, made where it is written (see export.write_sqlite,
    which makes any table not already in `built`)."""
    return "data/ratings.db", functools.partial(export.write_sqlite, data=data, tables=tables, built=built)


def _table_files(name: str, rows: export.Table) -> Iterator[tuple[str, Content]]:
    stem = export.STEMS[name]
    plain, spreadsheet = export.csv_pieces(rows)
    yield f"data/{stem}.csv", plain
    yield f"data/{stem}-excel.csv", spreadsheet
    del plain, spreadsheet
    yield f"data/{stem}.json", export.json_chunks(rows)


FEED_ENTRIES = 100


def _base(site_url: str) -> str:
    return site_url.rstrip("/") + "/"


def _feed(env: Environment, inspections: list[dict[str, Any]], site: pages.Site, site_url: str | None) -> bytes:
    """Atom: the latest inspections, newest first; relative links unless a site URL is given.

    A feed is fetched again and again by readers that only want what is new: it carries the
    FEED_ENTRIES latest inspections, and the downloads carry them all.
    """
    records = latest(inspections, FEED_ENTRIES)
    entries = []
    for r in records:
        entries.append(
            {
                "id": r["inspection_id"],
                "title": f"{r['provider']}: {r['overall']}",
                "overall": r["overall"],
                "updated": r["published_last_day"].isoformat() + "T00:00:00Z",
                "published": parse_partial_date(r["published"]).human(),
                "href": pages.provider_href(r["provider_id"]) + "#" + r["inspection_id"],
                "score": f"{r['score']} / {r['max_score']}"
                if r["complete"]
                else f"{r['standards_recorded']} of {r['standards']} standards recorded",
                "report_url": r["report_url"],
                "owner": r["owner"],
            }
        )
    updated = entries[0]["updated"] if entries else "1970-01-01T00:00:00Z"
    base = _base(site_url) if site_url else ""
    return env.get_template("feed.xml").render(entries=entries, updated=updated, base=base, site=site).encode("utf-8")


def latest(inspections: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """The `count` latest of the inspections by (date, id), newest first: the same as sorting
    them all newest first and taking the first few (heapq.nlargest's contract). They come by
    date (`table.Tables`), so only the tail from the first of the count-th latest's date on can
    be among them: comparing all 50,000 took 0.07 s."""
    start = max(len(inspections) - count, 0)
    if 0 < start < len(inspections):
        day = inspections[start]["published_last_day"]
        while start and inspections[start - 1]["published_last_day"] == day:
            start -= 1
    return heapq.nlargest(count, inspections[start:], key=operator.itemgetter("published_last_day", "inspection_id"))


def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # each build makes its own environment: no need to look at every file's time
        cache_size=-1,  # a plain dict of the few templates: the default cache locks and reorders on every page
    )
    # Only the globals the templates call: every render copies them all into the page's context
    # (jinja2's own, range to namespace, unused here, were 4% of a provider page's instructions).
    env.globals.clear()
    env.filters["slug"] = pages.slug
    env.globals["table_head"] = _table_heads(env)
    env.globals["inspection_notes"] = lambda rows: Markup(table_html.notes(rows))
    return env


def _table_heads(env: Environment) -> Callable[[tuple[table.Column, ...], str], Markup]:
    """`table_head(columns, mode)` for the tables' macro: the head of a ratings table, rendered
    once for each set of columns and mode (ten thousand provider pages share a handful)."""
    made: dict[tuple[str, tuple[tuple[str, str], ...]], Markup] = {}

    def table_head(columns: tuple[table.Column, ...], mode: str) -> Markup:
        key = (mode, tuple([(c.number, c.name) for c in columns]))
        head = made.get(key)
        if head is None:
            head = made[key] = Markup(env.get_template("_table_head.html").render(columns=columns, mode=mode))
        return head

    return table_head
