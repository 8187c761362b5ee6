"""Stage 3: points, scores and ranks, with pandas.

One row per inspection (`inspection_rows`, and as a frame), then the league: each provider's latest rated
inspection as of a date, ranked within a group of frameworks whose scores are comparable
(same number of standards, same maximum). Templates and exports get plain rows from here.

Order within a league table: overall rating (best first), then records whose score is known
(every standard recorded, or a total the source published) by score, highest first, then the
others, then name. Rows equal on everything
the order rests on share a rank (shown "=4"); records with unrecorded standards are never
ordered by their partial score, because a partial score is not comparable with a full one.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, Protocol

from ratings.models import NOT_RATED, NOT_RECORDED, RATINGS, Dataset, Framework, PartialDate, Rating

if TYPE_CHECKING:
    import pandas as pd

# Order of overall ratings in a league: the four words, then "not rated", then not recorded.
OVERALL_ORDER = {**{r: i for i, r in enumerate(RATINGS)}, NOT_RATED: len(RATINGS), NOT_RECORDED: len(RATINGS) + 1}


@dataclass(frozen=True)
class Column:
    """A standard as a table column: frameworks that share its label share the column."""

    label: str  # "1.1 Leadership"
    key: str
    name: str
    number: str
    field: str = dataclass_field(init=False)  # the key of `inspection_rows` holding its rating

    def __post_init__(self) -> None:
        object.__setattr__(self, "field", rating_field(self.label))


def rating_field(label: str) -> str:
    """The key of `inspection_rows` (and column of the frames) holding a standard's rating."""
    return f"rating:{label}"


@dataclass(frozen=True)
class Group:
    """Frameworks whose scores can be ranked against each other (same standards count and max)."""

    key: str
    title: str
    frameworks: tuple[Framework, ...]
    columns: tuple[Column, ...]
    standards: int
    max_score: int


def groups(data: Dataset) -> list[Group]:
    """Frameworks grouped by (number of standards, maximum score), in data-file order."""
    by_shape: dict[tuple[int, int], list[Framework]] = {}
    for framework in data.frameworks:
        by_shape.setdefault((len(framework.standards), framework.max_score), []).append(framework)
    out = []
    for (count, maximum), frameworks in by_shape.items():
        columns: dict[str, Column] = {}
        for framework in frameworks:
            for s in framework.standards:
                columns.setdefault(s.label, Column(s.label, s.key, s.name, s.number))
        ordered = sorted(columns.values(), key=lambda c: (_number_key(c.number), c.label))
        out.append(
            Group(
                key="-".join(f.id for f in frameworks),
                title=" and ".join(f.name for f in frameworks),
                frameworks=tuple(frameworks),
                columns=tuple(ordered),
                standards=count,
                max_score=maximum,
            )
        )
    return out


def _number_key(number: str) -> tuple[tuple[int, int | str], ...]:
    """'1.10' after '1.9'; numbers before letters; never fails on odd labels."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in number.split("."))


def inspection_rows(data: Dataset) -> list[dict[str, Any]]:
    """One plain row per inspection, in data-file order, with everything the pages and exports show."""
    all_groups = groups(data)
    group_keys = {f.id: g.key for g in all_groups for f in g.frameworks}
    # Per framework, once: its standards' keys and row fields, its scale, and what every row of
    # it shares (a large file has tens of thousands of inspections and a handful of frameworks).
    plans = {f.id: _Plan.of(f, group_keys[f.id]) for f in data.frameworks}
    # What a row shows of each provider, read once: a model's fields are slow to read (pydantic's
    # `__getattr__` keeps Python from speeding up the lookup), and a large file's inspections
    # share ten thousand providers. The owner comes from the dataset's own rules, looked up once.
    providers = {p.id: (p.id, p.name, p.type, p.area) for p in data.providers}
    owner_at, owner_name = data.owner_at, data.owner_name
    rows = []
    for inspection in data.inspections:
        plan = plans[inspection.framework]
        provider_id, provider_name, provider_type, area = providers[inspection.provider]
        owner = owner_at(inspection)
        published, fieldwork = inspection.published, inspection.fieldwork
        # "not recorded" for a standard of this framework with no rating; no key at all (NaN
        # once in a frame, None from `row.get`) for a standard that is not part of this framework.
        # Each step maps a row's ten-odd ratings in C (`map`), not in a loop a rating.
        words = list(map(inspection.ratings.get, plan.keys))
        recorded = plan.count - words.count(None)
        points = sum(map(plan.points.__getitem__, words))
        # The score: from every standard where all are recorded, else the total a source
        # published ("1 out of 27"), else unknown. `score_basis` says which.
        if recorded == plan.count:
            score, basis = points, "standards"
        elif inspection.published_score is not None:
            score, basis = inspection.published_score, "published total"
        else:
            score, basis = None, ""
        # Filled in a copy of the framework's blank row, which has every key in its place: made
        # as a literal and then given the ratings, a row's table was made twice (11% of the work).
        row = plan.blank.copy()
        row["inspection_id"] = inspection.key
        row["provider_id"] = provider_id
        row["provider"] = provider_name
        row["type"] = provider_type
        row["area"] = area
        row["owner_id"] = owner
        row["owner"] = owner_name(owner)
        row["published"] = published.iso()
        row["published_last_day"] = published.latest
        row["fieldwork"] = fieldwork.iso() if fieldwork else None
        row["programme"] = inspection.programme
        row["overall"] = inspection.overall or NOT_RECORDED
        row["report_url"] = inspection.report_url
        row["sources"] = " ".join(inspection.sources)
        row["points_recorded"] = points
        row["standards_recorded"] = recorded
        row["score"] = score
        row["score_basis"] = basis
        row["complete"] = recorded == plan.count
        row["notes"] = inspection.notes
        row.update(zip(plan.fields, map(plan.shown.__getitem__, words), strict=True))
        rows.append(row)
    return rows


def inspections_frame(data: Dataset, rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """The rows as a frame, indexed by their position in `rows` (so ranked frames map back to rows)."""
    return inspections_frame_of(inspection_rows(data) if rows is None else rows)


def inspections_frame_of(rows: list[dict[str, Any]], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The rows as a frame; with `columns`, only those, made column by column (a frame of a few
    is made in a fifth of the time of one with all forty-odd)."""
    import pandas as pd

    if columns is not None:
        frame = pd.DataFrame({column: [row[column] for row in rows] for column in columns})
    elif not rows:
        return pd.DataFrame(columns=["inspection_id", "provider_id", "provider", "published_last_day", "group"])
    else:
        frame = pd.DataFrame(rows)
    frame["score"] = frame["score"].astype("Int64")
    return frame


@dataclass(frozen=True)
class _Plan:
    """What `inspection_rows` needs of a framework, worked out once."""

    keys: tuple[str, ...]  # the standards' keys in the data
    fields: tuple[str, ...]  # and their row fields, in the same order
    points: dict[Rating | None, int]  # a rating's points; none for no rating
    shown: dict[Rating | None, str]  # a rating as a row holds it: no rating is "not recorded"
    count: int
    blank: dict[str, Any]  # a row of this framework: its id, group, count and maximum, every key in place

    @classmethod
    def of(cls, framework: Framework, group: str) -> _Plan:
        keys = tuple(s.key for s in framework.standards)
        fields = tuple(rating_field(s.label) for s in framework.standards)
        points: dict[Rating | None, int] = {word: value for word, value in framework.points.items()}
        points[None] = 0
        shown: dict[Rating | None, str] = {word: word for word in framework.points}
        shown[None] = NOT_RECORDED
        blank: dict[str, Any] = dict.fromkeys(_ROW_KEYS)
        blank.update(framework=framework.id, group=group, standards=len(keys), max_score=framework.max_score)
        blank.update(dict.fromkeys(fields))
        return cls(keys, fields, points, shown, len(keys), blank)


# The keys of an inspection's row, in order (its standards' rating fields follow).
_ROW_KEYS = (
    "inspection_id", "provider_id", "provider", "type", "area", "owner_id", "owner", "framework", "group",
    "published", "published_last_day", "fieldwork", "programme", "overall", "report_url", "sources",
    "points_recorded", "standards_recorded", "standards", "score", "score_basis", "max_score", "complete", "notes",
)  # fmt: skip


def latest(frame: pd.DataFrame) -> pd.DataFrame:
    """Each provider's latest inspection in `frame` (`build` has already applied any as-of date).

    An inspection that ended without an overall rating does not displace the provider's
    previous rating: the league shows the latest inspection that produced one, where any did.
    """
    if frame.empty:
        return frame
    rated = frame["overall"].isin(RATINGS)
    ordered = frame.assign(_rated=rated).sort_values(["provider_id", "_rated", "published_last_day", "inspection_id"])
    return ordered.groupby("provider_id", sort=False).tail(1).drop(columns="_rated")


# What places a row within its group, in order: its overall rating, whether its score is
# unknown, and how far its score falls short of the most.
_PLACE = ("_overall", "_incomplete", "_shortfall")


def rank(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `rank` and `rank_label` ("=4" when shared) within each group; return in league order."""
    if frame.empty:
        return frame.assign(rank=[], rank_label=[])
    overall = frame["overall"].map(OVERALL_ORDER)
    known = frame["score"].notna()
    incomplete = (~known).astype(int)
    # Partial scores never order rows: only known scores (every standard, or a published total) do.
    shortfall = (frame["max_score"] - frame["score"].fillna(frame["max_score"])).where(known, 0)
    keyed = frame.assign(_overall=overall, _incomplete=incomplete, _shortfall=shortfall.astype(int))
    keyed = keyed.sort_values(["group", *_PLACE, "provider", "provider_id"], kind="mergesort")
    keyed["rank"] = _ranks(keyed)
    # A place is shared by the rows of a group equal on all three keys.
    shared = keyed.duplicated(["group", *_PLACE], keep=False)
    keyed["rank_label"] = [f"={r}" if s else str(r) for r, s in zip(keyed["rank"], shared, strict=True)]
    return keyed.drop(columns=list(_PLACE))


def _ranks(keyed: pd.DataFrame) -> list[int]:
    """Competition ranking ("1, 2, 2, 4") over rows already in order, restarting per group.
    (The keys are zipped column by column: a frame's `apply` a row made a tenth of a second of
    Series for 10,000 providers.)"""
    ranks: list[int] = []
    previous: tuple[object, ...] | None = None
    position = current = 0
    for group, *place in zip(keyed["group"], *(keyed[c] for c in _PLACE), strict=True):
        if previous is None or previous[0] != group:
            position, current = 0, 0
        position += 1
        key = (group, *place)
        if previous is None or previous != key:
            current = position
        ranks.append(current)
        previous = key
    return ranks


def ratings_as_at(data: Dataset, as_of: dt.date | None) -> PartialDate | None:
    """The date a table speaks for: the given date, else the latest publication in the data, as
    precisely as it is known (a report known only as "2025" makes it "2025", not 31 December)."""
    if as_of is not None:
        return PartialDate(as_of.year, as_of.month, as_of.day)
    dates = [i.published for i in data.inspections]
    return max(dates, key=lambda d: (d.latest, d.earliest)) if dates else None


class Counted(Protocol):
    """The groups and the inspections counted, by date: all that the inspections' tables need
    (`Unranked` before ranking, `Tables` after)."""

    @property
    def groups(self) -> list[Group]: ...

    @property
    def inspection_rows(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Unranked:
    """What the tables rest on before any ranking: the groups, every inspection's row in
    data-file order (a ranking refers to rows by position), and those counted as at the date, by
    publication date. The inspections' downloads need nothing more."""

    groups: list[Group]
    rows: list[dict[str, Any]]
    inspection_rows: list[dict[str, Any]]  # counted as at the date, by date (as in Tables)


def unranked(data: Dataset, as_of: dt.date | None = None) -> Unranked:
    """Only inspections published on or before `as_of` count."""
    rows = inspection_rows(data)
    counted = rows if as_of is None else [r for r in rows if r["published_last_day"] <= as_of]
    # By date, then provider, then id; inspections equal on all three keep their order in the
    # file. Three stable sorts, the last key first, give that order: each compares one kind of
    # value, which Python sorts faster than tuples (0.05-0.07 s against 0.12-0.15 s for 50,000).
    by_date = sorted(counted, key=operator.itemgetter("inspection_id"))
    by_date.sort(key=operator.itemgetter("provider"))
    by_date.sort(key=operator.itemgetter("published_last_day"))
    return Unranked(groups(data), rows, by_date)


Ranking = list[tuple[int, int, str]]  # in league order: (row position, rank, rank label)


# What the ranking reads of a row: its frame holds these alone.
RANKING_COLUMNS = ("inspection_id", "provider_id", "provider", "group", "published_last_day", "overall", "score",
                   "max_score")  # fmt: skip


def ranking(made: Unranked, as_of: dt.date | None = None) -> Ranking:
    """Each provider's latest inspection as at the date, ranked in its group (with pandas)."""
    frame = inspections_frame_of(made.rows, RANKING_COLUMNS)
    if as_of is not None and not frame.empty:
        frame = frame[frame["published_last_day"] <= as_of]
    league = rank(latest(frame))
    return list(zip(league.index.tolist(), league["rank"].tolist(), league["rank_label"].tolist(), strict=True))


@dataclass(frozen=True)
class Tables:
    """Everything the renderers need, as plain rows: the groups, every inspection counted by
    date, and the league (each provider's latest, ranked) in league order."""

    groups: list[Group]
    inspection_rows: list[dict[str, Any]]
    league_rows: list[dict[str, Any]]

    @classmethod
    def of(cls, made: Unranked, ranked: Ranking) -> Tables:
        league = [{**made.rows[index], "rank": place, "rank_label": label} for index, place, label in ranked]
        return cls(made.groups, made.inspection_rows, league)

    @property
    def league(self) -> pd.DataFrame:
        """The league as a frame, for analysis (the pages and exports use the rows)."""
        import pandas as pd

        frame = pd.DataFrame(self.league_rows)
        if "score" in frame:
            frame["score"] = frame["score"].astype("Int64")
        return frame


def build(data: Dataset, as_of: dt.date | None = None) -> Tables:
    """The tables as at a date: only inspections published on or before `as_of` count."""
    made = unranked(data, as_of)
    return Tables.of(made, ranking(made, as_of))


@dataclass(frozen=True)
class Movement:
    """How one inspection compares with the provider's previous one, in words and an arrow."""

    overall: str  # "up", "down", "same" or "no comparison"
    overall_text: str
    score: str
    score_text: str


ARROWS = {"up": "▲", "down": "▼", "same": "=", "no comparison": "–"}


def movements(records: list[dict[str, Any]]) -> dict[str, Movement]:
    """For each inspection after a provider's first: the change in overall rating and in score.

    Takes the inspections as plain records (one pass in Python beats a pandas group per provider).
    """
    histories = grouped(sorted(records, key=operator.itemgetter("published_last_day", "inspection_id")), "provider_id")
    out: dict[str, Movement] = {}
    for history in histories.values():
        for before, after in itertools.pairwise(history):
            out[str(after["inspection_id"])] = _movement(before, after)
    return out


def grouped(records: Iterable[dict[str, Any]], field: str) -> dict[str, list[dict[str, Any]]]:
    """The records by their value of `field`, each group in the records' order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        out.setdefault(record[field], []).append(record)
    return out


def _movement(before: dict[str, Any], after: dict[str, Any]) -> Movement:
    return _movement_of(
        before["overall"], after["overall"], before["score"], after["score"], before["max_score"], after["max_score"]
    )


@functools.lru_cache(maxsize=2**14)  # a few thousand distinct changes in any dataset; a Movement cannot change
def _movement_of(
    old: str, new: str, old_score: int | None, new_score: int | None, old_max: int, new_max: int
) -> Movement:
    if old in RATINGS and new in RATINGS:
        step = OVERALL_ORDER[str(old)] - OVERALL_ORDER[str(new)]  # a lower order is better
        overall = "up" if step > 0 else "down" if step < 0 else "same"
        overall_text = f"{overall}, from {old} to {new}" if step else f"same, {new}"
    else:
        overall, overall_text = "no comparison", f"no comparison ({old} before, {new} now)"
    if old_score is None or new_score is None:
        score, score_text = "no comparison", "no comparison (a score is not known for both)"
    elif old_max == new_max:
        diff = int(new_score) - int(old_score)
        score = "up" if diff > 0 else "down" if diff < 0 else "same"
        score_text = f"{score}, from {old_score} to {new_score} ({diff:+d})" if diff else f"same, {new_score}"
    else:
        # Different frameworks, different maxima: only the share of the maximum compares.
        old_pct, new_pct = _percent(old_score, old_max), _percent(new_score, new_max)
        score = "up" if new_pct > old_pct else "down" if new_pct < old_pct else "same"
        score_text = (
            f"{score}, from {old_pct}% to {new_pct}% of the maximum "
            f"({old_score}/{old_max} to {new_score}/{new_max}: frameworks differ)"
        )
    return Movement(overall, overall_text, score, score_text)


def _percent(score: int, maximum: int) -> int:
    return round(100 * int(score) / int(maximum))


@dataclass(frozen=True)
class Tally:
    """Counts of overall ratings, and the average of known scores.

    Where the scores come from frameworks with different maxima, the average is of the
    percentage of the maximum (`percent` is True), never of raw points.
    """

    counts: dict[str, int]
    total: int
    average: float | None
    complete: int  # how many scores the average rests on
    percent: bool = False


def tally(records: list[dict[str, Any]]) -> Tally:
    counts = {w: 0 for w in (*RATINGS, NOT_RATED, NOT_RECORDED)}
    for record in records:
        counts[record["overall"]] += 1
    known = [r for r in records if r["score"] is not None]
    if len({r["max_score"] for r in known}) > 1:
        shares = [100 * int(r["score"]) / int(r["max_score"]) for r in known]
        return Tally(counts, len(records), round(sum(shares) / len(shares), 1), len(known), percent=True)
    scores = [int(r["score"]) for r in known]
    average = round(sum(scores) / len(scores), 1) if scores else None
    return Tally(counts, len(records), average, len(scores))


def standard_counts(rows: list[dict[str, Any]], label: str) -> dict[str, int]:
    """How many rows got each rating for one standard (plus "not recorded"), where it applies."""
    counts = {w: 0 for w in (*RATINGS, NOT_RECORDED)}
    field = rating_field(label)
    for row in rows:
        word = row.get(field)
        if word in counts:
            counts[word] += 1
    return counts
