"""Charts drawn at build time: geometry here, SVG in templates/_charts.html. No script needed.

Each chart also carries its numbers as a table, its text alternative.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ratings.models import NOT_RATED, NOT_RECORDED, RATINGS

ORDER = (*RATINGS, NOT_RATED, NOT_RECORDED)
# The CSS class of each rating word: pages and charts share it.
CSS = {
    "Outstanding": "outstanding",
    "Good": "good",
    "Requires improvement": "requires-improvement",
    "Inadequate": "inadequate",
    NOT_RATED: "not-rated",
    NOT_RECORDED: "not-recorded",
}

LABEL_WIDTH = 260  # room for the bar's name, in SVG units
BAR_WIDTH = 420
ROW_HEIGHT = 34
BAR_HEIGHT = 22


@dataclass(frozen=True)
class Segment:
    word: str
    count: int
    x: float
    width: float
    css: str


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: int
    segments: tuple[Segment, ...]
    counts: dict[str, int]

    def summary(self) -> str:
        parts = [f"{s.count} {s.word}" for s in self.segments]
        return f"{self.label}: {', '.join(parts) if parts else 'none'}"


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    words: tuple[str, ...]  # the ratings that occur, in rating order: the legend and table columns
    width: int
    height: int
    label_width: int = LABEL_WIDTH

    @property
    def description(self) -> str:
        return "; ".join(b.summary() for b in self.bars) + "."

    @property
    def legend(self) -> tuple[tuple[str, str], ...]:
        return tuple((w, CSS[w]) for w in self.words)


def stacked_bars(title: str, rows: Iterable[tuple[str, dict[str, int]]]) -> BarChart:
    """One horizontal bar per row, split by overall rating; bars share one scale."""
    rows = list(rows)
    largest = max((sum(c.values()) for _, c in rows), default=0) or 1
    words = tuple(w for w in ORDER if any(c.get(w) for _, c in rows))
    bars = []
    for index, (label, counts) in enumerate(rows):
        x = float(LABEL_WIDTH)
        segments = []
        for word in words:
            count = counts.get(word, 0)
            if count:
                width = round(BAR_WIDTH * count / largest, 2)
                segments.append(Segment(word, count, round(x, 2), width, CSS[word]))
                x += width
        bars.append(Bar(label, sum(counts.values()), index * ROW_HEIGHT, tuple(segments), dict(counts)))
    width = LABEL_WIDTH + BAR_WIDTH + 60
    return BarChart(title, tuple(bars), words, width, max(len(bars), 1) * ROW_HEIGHT)
