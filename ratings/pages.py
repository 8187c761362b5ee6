"""What each page shows, as plain dataclasses built from the ranked tables.

Templates receive these, never DataFrames. Every `href` here is relative to the site root;
templates prefix it with `root` ("" or "../"), so the site works from file:// and any sub-path.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from ratings import charts, table
from ratings.coverage import totals
from ratings.models import NOT_RATED, NOT_RECORDED, RATINGS, Dataset, Framework, Provider, parse_partial_date

if TYPE_CHECKING:
    pass

RATING_CLASS = charts.CSS
# Sort keys for the table script: ratings sort in rating order, not alphabetically.
RATING_SORT = {
    "Outstanding": 3,
    "Good": 2,
    "Requires improvement": 1,
    "Inadequate": 0,
    NOT_RATED: -1,
    NOT_RECORDED: -2,
}
NOT_APPLICABLE_SORT = -3


@functools.lru_cache(maxsize=4096)  # asked for each row's area and words: few distinct texts
def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "area"


def provider_href(provider_id: str) -> str:
    return f"providers/{provider_id}.html"


def owner_href(owner_id: str) -> str:
    return f"owners/{owner_id}.html"


def area_href(area: str) -> str:
    return f"areas/{slug(area)}.html"


@dataclass(frozen=True)
class Cell:
    word: str  # a rating, "not recorded", or "n/a"
    css: str
    sort: int
    standard: str = ""


# Per column of a table: the row fields, and each one's cell for each word.
Plan = tuple[tuple[str, ...], tuple[dict[str | None, Cell], ...]]


@dataclass(slots=True)
class Row:
    """One inspection as a table row: the league, an area, an owner's or a provider's history.

    Made once per inspection and set of columns and shared by every page that shows it (not
    frozen: a frozen dataclass is several times slower to make, and a large site makes a
    hundred thousand). `html` keeps its page-independent HTML once made (see `table_html`).
    """

    rank_label: str
    rank: int
    provider: str
    provider_id: str
    type: str
    owner: str
    owner_id: str | None
    area: str
    published: str
    published_iso: str
    published_sort: str
    programme: str
    fieldwork: str
    framework: str
    overall: str
    overall_css: str
    overall_sort: int
    score_text: str
    score_sort: float
    complete: bool
    standards_recorded: int
    standards: int
    cells: tuple[Cell, ...]
    report_url: str | None
    sources: tuple[str, ...]
    notes: str
    inspection_id: str
    html: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def provider_href(self) -> str:
        return provider_href(self.provider_id)

    @property
    def owner_href(self) -> str | None:
        return owner_href(self.owner_id) if self.owner_id else None

    @property
    def area_href(self) -> str:
        return area_href(self.area)


@dataclass(frozen=True)
class RatingsTable:
    """A table of rows sharing columns: one league group, or one provider's history."""

    title: str
    caption: str
    columns: tuple[table.Column, ...]
    rows: tuple[Row, ...]
    max_score: int
    standards: int
    moves: dict[str, table.Movement] = field(default_factory=dict)  # a history's, by inspection id

    @property
    def recorded(self) -> int:
        return sum(r.standards_recorded for r in self.rows)

    @property
    def possible(self) -> int:
        return sum(r.standards for r in self.rows)


@dataclass(frozen=True)
class Site:
    """What every page shows: the date the ratings speak for, the version, the navigation."""

    as_at: str
    as_at_iso: str
    as_of_given: bool
    version: str


def site_info(data: Dataset, as_of: dt.date | None, version: str) -> Site:
    as_at = table.ratings_as_at(data, as_of)
    return Site(
        as_at=as_at.human() if as_at else "no ratings yet",
        as_at_iso=as_at.iso() if as_at else "",
        as_of_given=as_of is not None,
        version=version,
    )


class Context:
    """The ranked tables as plain records, grouped once, shared by every page builder."""

    def __init__(self, data: Dataset, tables: table.Tables, site: Site) -> None:
        self.data, self.tables, self.site = data, tables, site
        self.inspections = tables.inspection_rows  # by publication date
        self.league = tables.league_rows  # in league order
        self._rows: dict[tuple[str, str, int], Row] = {}
        self._plans: dict[tuple[str, ...], Plan] = {}
        self._in_league = {r["provider_id"]: r for r in self.league}

    # The inspections grouped, each when first asked for: a process that makes only the league's
    # pages needs neither, and only the owners' pages need the owners' (each a pass over 50,000).
    @functools.cached_property
    def by_provider(self) -> dict[str, list[dict[str, Any]]]:
        return table.grouped(self.inspections, "provider_id")

    @functools.cached_property
    def by_owner(self) -> dict[str, list[dict[str, Any]]]:
        return table.grouped((r for r in self.inspections if r["owner_id"]), "owner_id")

    @functools.cached_property
    def league_tables(self) -> tuple[RatingsTable, ...]:
        """The league, one table per group. Made when first asked for: a process that makes only
        provider pages needs just their own rows of it (`latest`)."""
        out = []
        for group in self.tables.groups:
            rows = self.rows((r for r in self.league if r["group"] == group.key), group.columns)
            if rows:
                caption = f"{group.title}: league table as at {self.site.as_at}"
                out.append(RatingsTable(group.title, caption, group.columns, rows, group.max_score, group.standards))
        return tuple(out)

    def latest(self, provider_id: str) -> Place | None:
        """The provider's place in the league (by its latest rated inspection), if it is in it:
        three words of its league row, not the row itself (a process that makes provider pages
        need not make ten thousand league rows for them)."""
        record = self._in_league.get(provider_id)
        if record is None:
            return None
        return Place(str(record["rank_label"]), record["overall"], _dated(record["published"])[0])

    def rows(self, records: Iterable[dict[str, Any]], columns: tuple[table.Column, ...]) -> tuple[Row, ...]:
        """The rows of inspection (or league) records, each made once for each set of columns."""
        names = tuple([c.field for c in columns])
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = (names, tuple([_cells(c.label) for c in columns]))
        # Keyed by the identity of the one plan kept for each set of columns: hashing the columns
        # themselves (frozen dataclasses) costs more than making the row.
        plan_id, made, data = id(plan), self._rows, self.data
        out = []
        for record in records:
            key = (str(record["inspection_id"]), str(record.get("rank_label", "")), plan_id)
            row = made.get(key)
            if row is None:
                row = made[key] = make_row(record, plan, data)
            out.append(row)
        return tuple(out)

    def league_by(self, key: dict[str, str]) -> dict[str, tuple[RatingsTable, ...]]:
        """The league limited to each set of providers (`key`: a provider's set), keeping their
        places in the whole table: one pass over the league, not one per set (a large dataset
        has thousands of providers in each of dozens of areas)."""
        out: dict[str, list[RatingsTable]] = {}
        for t in self.league_tables:
            rows_of: dict[str, list[Row]] = {}
            for r in t.rows:
                rows_of.setdefault(key[r.provider_id], []).append(r)
            for name, rows in rows_of.items():
                out.setdefault(name, []).append(
                    RatingsTable(t.title, t.caption, t.columns, tuple(rows), t.max_score, t.standards)
                )
        return {name: tuple(built) for name, built in out.items()}


def make_row(row: dict[str, Any], plan: Plan, data: Dataset) -> Row:
    """One table row from a plain row of `table.build` (a standard not in its framework: no key);
    `plan`: each column's row field and cells. The plain rows hold Python values already."""
    get = row.get
    fields, by_words = plan
    cells = tuple(map(operator.getitem, by_words, map(get, fields)))  # looked up in C, not a loop a cell
    overall, score, recorded, standards = row["overall"], row["score"], row["standards_recorded"], row["standards"]
    if score is not None and row["score_basis"] == "standards":
        score_text = f"{score} / {row['max_score']}"
    elif score is not None:
        score_text = f"{score} / {row['max_score']} (published total)"
    elif recorded:
        score_text = f"{row['points_recorded']} from {recorded} of {standards} standards"
    else:
        score_text = f"no score: none of {standards} standards recorded"
    published = _dated(row["published"])
    fieldwork = row["fieldwork"] and _dated(row["fieldwork"])
    return Row(
        rank_label=get("rank_label", ""),
        rank=get("rank", 0),
        provider=row["provider"],
        provider_id=row["provider_id"],
        type=row["type"],
        owner=row["owner"] or NOT_RECORDED,
        owner_id=row["owner_id"],
        area=row["area"],
        published=published[0],
        published_iso=published[1],
        published_sort=published[2],
        programme=row["programme"] or "",
        fieldwork=fieldwork[0] if fieldwork else "",
        framework=data.frameworks_by_id[row["framework"]].name,
        overall=overall,
        overall_css=RATING_CLASS[overall],
        overall_sort=RATING_SORT[overall],
        score_text=score_text,
        # Partial scores are not comparable: they sort below every known score.
        score_sort=float(score) if score is not None else -1.0,
        complete=row["complete"],
        standards_recorded=recorded,
        standards=standards,
        cells=cells,
        report_url=row["report_url"],
        sources=tuple(row["sources"].split()),
        notes=row["notes"] or "",
        inspection_id=row["inspection_id"],
    )


@functools.lru_cache(maxsize=2**16)  # a large file's inspections share a few thousand dates
def _dated(iso: str) -> tuple[str, str, str]:
    """A date of the rows (YYYY-MM-DD, YYYY-MM or YYYY) as a page shows it, as given, and as it sorts."""
    date = parse_partial_date(iso)
    return date.human(), date.iso(), date.earliest.isoformat()


_CELLS: dict[str, dict[str | None, Cell]] = {}  # few distinct cells, made once each


def _cells(label: str) -> dict[str | None, Cell]:
    """A column's cell for each word it can hold (None: the standard is not in the framework)."""
    cells = _CELLS.get(label)
    if cells is None:
        cells = {word: Cell(word, RATING_CLASS[word], RATING_SORT[word], label) for word in RATING_SORT}
        cells[None] = Cell("n/a", "not-applicable", NOT_APPLICABLE_SORT, label)
        _CELLS[label] = cells
    return cells


# --- the league table (index) -------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class IndexPage:
    tables: tuple[RatingsTable, ...]
    filters: tuple[Filter, ...]
    overall_recorded: int
    providers: int

    @property
    def recorded(self) -> int:
        return sum(t.recorded for t in self.tables)

    @property
    def possible(self) -> int:
        return sum(t.possible for t in self.tables)


def index_page(ctx: Context) -> IndexPage:
    built = ctx.league_tables
    rows = [r for t in built for r in t.rows]
    filters = (
        Filter("type", "Type", tuple(sorted({r.type for r in rows}))),
        Filter("owner", "Owner at the time", tuple(sorted({r.owner for r in rows}))),
        Filter("area", "Area", tuple(sorted({r.area for r in rows}))),
    )
    return IndexPage(built, filters, sum(1 for r in rows if r.overall in RATINGS), len(rows))


# --- provider pages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ownership:
    owner: str
    href: str
    since: str
    until: str


@dataclass(frozen=True)
class ProviderPage:
    id: str
    name: str
    type: str
    area: str
    area_href: str
    owners: tuple[Ownership, ...]
    notes: str
    sources: tuple[str, ...]
    history: RatingsTable
    league_row: Place | None


class Place(NamedTuple):
    """What a provider's page says of its place in the league, as its league row shows it."""

    rank_label: str
    overall: str
    published: str


def provider_pages(ctx: Context, indexes: Iterable[int] | None = None) -> Iterator[ProviderPage]:
    """One page's worth at a time: a large dataset's pages need not all be held at once.
    `indexes`: only these providers (by position in the data), in this order."""
    data, tables = ctx.data, ctx.tables
    chosen = data.providers if indexes is None else (data.providers[i] for i in indexes)
    # A history's columns and scale, for each set of frameworks: ten thousand providers share a few.
    shapes: dict[tuple[str, ...], tuple[tuple[table.Column, ...], int, int]] = {}
    for provider in chosen:
        records = ctx.by_provider.get(provider.id, [])
        frameworks = tuple(dict.fromkeys(str(r["framework"]) for r in records))
        shape = shapes.get(frameworks)
        if shape is None:
            maxima = {data.framework(f).max_score for f in frameworks}
            shape = shapes[frameworks] = (
                _columns_for(tables.groups, frameworks),
                max(maxima) if maxima else 0,
                max((len(data.framework(f).standards) for f in frameworks), default=0),
            )
        columns, max_score, standards = shape
        history = RatingsTable(
            title="Inspections",
            caption=f"Every inspection of {provider.name}, oldest first",
            columns=columns,
            rows=ctx.rows(records, columns),
            max_score=max_score,
            standards=standards,
            moves=table.movements(records),  # each inspection against the provider's one before
        )
        owners = tuple(
            Ownership(
                data.owner_name(o.owner) or o.owner,
                owner_href(o.owner),
                o.since.human() if o.since else "",
                o.until.human() if o.until else "",
            )
            for o in provider.owners
        )
        yield ProviderPage(
            provider.id,
            provider.name,
            provider.type,
            provider.area,
            area_href(provider.area),
            owners,
            provider.notes or "",
            tuple(provider.sources),
            history,
            ctx.latest(provider.id),
        )


def _columns_for(groups: list[table.Group], framework_ids: Collection[str]) -> tuple[table.Column, ...]:
    seen: dict[str, table.Column] = {}
    for group in groups:
        for framework in group.frameworks:
            if framework.id in framework_ids:
                labels = {s.label for s in framework.standards}
                for column in group.columns:
                    if column.label in labels:
                        seen.setdefault(column.label, column)
    return tuple(seen.values())


# --- owner pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnerPage:
    id: str
    name: str
    notes: str
    providers: tuple[tuple[str, str], ...]  # (name, href) of providers it has owned
    tally: table.Tally
    inspections: RatingsTable


@dataclass(frozen=True)
class OwnersIndex:
    owners: tuple[OwnerPage, ...]
    chart: charts.BarChart


def owner_pages(ctx: Context) -> OwnersIndex:
    """Each owner with the inspections carried out while it owned the provider."""
    data, tables = ctx.data, ctx.tables
    owned: dict[str, list[tuple[str, str]]] = {}
    for p in data.providers:
        for o in dict.fromkeys(o.owner for o in p.owners):
            owned.setdefault(o, []).append((p.name, provider_href(p.id)))
    pages = []
    for owner in data.owners:
        records = ctx.by_owner.get(owner.id, [])
        if not records and owner.id not in owned:
            continue
        frameworks = list(dict.fromkeys(str(r["framework"]) for r in records))
        columns = _columns_for(tables.groups, frameworks)
        rows = ctx.rows(records, columns)
        providers = tuple(owned.get(owner.id, []))
        inspections = RatingsTable(
            title="Inspections while owned",
            caption=f"Inspections of providers while owned by {owner.name}, oldest first",
            columns=columns,
            rows=rows,
            max_score=max((data.framework(f).max_score for f in frameworks), default=0),
            standards=max((len(data.framework(f).standards) for f in frameworks), default=0),
        )
        pages.append(OwnerPage(owner.id, owner.name, owner.notes or "", providers, table.tally(records), inspections))
    chart = charts.stacked_bars(
        "Overall ratings of inspections, by owner at the time",
        [(p.name, p.tally.counts) for p in pages if p.tally.total],
    )
    return OwnersIndex(tuple(pages), chart)


# --- area pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaPage:
    name: str
    slug: str
    providers: tuple[tuple[str, str, str], ...]  # (name, type, href)
    tables: tuple[RatingsTable, ...]


def area_pages(ctx: Context) -> list[AreaPage]:
    """Each area: its NPS division (or region) beside the CRCs (or PDUs) in it, league order."""
    members_of: dict[str, list[Provider]] = {}
    for provider in ctx.data.providers:
        members_of.setdefault(provider.area, []).append(provider)
    league = ctx.league_by({p.id: p.area for p in ctx.data.providers})
    pages = []
    for area in sorted(members_of):
        members = members_of[area]
        # Public divisions first, then the others, each by name.
        members.sort(key=lambda p: (p.type not in ("NPS", "region"), p.name))
        built = league.get(area, ())
        pages.append(AreaPage(area, slug(area), tuple((p.name, p.type, provider_href(p.id)) for p in members), built))
    return pages


# --- standards view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StandardSummary:
    label: str
    counts: dict[str, int]
    recorded: int
    applicable: int
    average: float | None  # mean points over recorded ratings


@dataclass(frozen=True)
class StandardsPage:
    heatmaps: tuple[RatingsTable, ...]
    summaries: tuple[tuple[str, tuple[StandardSummary, ...]], ...]  # per group, weakest first
    programme_chart: charts.BarChart


def standards_page(ctx: Context) -> StandardsPage:
    data, tables = ctx.data, ctx.tables
    heatmaps = ctx.league_tables
    summaries = []
    for group in tables.groups:
        league = [r for r in tables.league_rows if r["group"] == group.key]
        points = group.frameworks[0].points
        items = []
        for column in group.columns:
            counts = table.standard_counts(league, column.label)
            recorded = sum(counts[w] for w in RATINGS)
            total_points = sum(points[w] * counts[w] for w in RATINGS)
            average = round(total_points / recorded, 2) if recorded else None
            items.append(StandardSummary(column.label, counts, recorded, recorded + counts[NOT_RECORDED], average))
        # Weakest first; standards with nothing recorded last, in framework order.
        items.sort(key=lambda s: (s.average is None, s.average if s.average is not None else 0))
        summaries.append((group.title, tuple(items)))
    by_programme: dict[str, dict[str, int]] = {}
    for inspection in data.inspections:
        name = inspection.programme or "other"
        word = inspection.overall or NOT_RECORDED
        counts = by_programme.setdefault(name, {})
        counts[word] = counts.get(word, 0) + 1
    chart = charts.stacked_bars("Overall ratings by inspection programme", sorted(by_programme.items()))
    return StandardsPage(heatmaps, tuple(summaries), chart)


# --- methodology ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodologyPage:
    frameworks: tuple[Framework, ...]
    sources: int
    inspections: int
    recorded: int
    possible: int
    points: tuple[tuple[str, int], ...] = field(default=tuple((r, 3 - i) for i, r in enumerate(RATINGS)))


def methodology_page(data: Dataset) -> MethodologyPage:
    sources = set(itertools.chain.from_iterable(i.sources for i in data.inspections))
    total = totals(data)
    return MethodologyPage(tuple(data.frameworks), len(sources), total.inspections, total.recorded, total.possible)
