"""How much of the possible data is recorded: per provider and in total (no pandas needed)."""

from __future__ import annotations

import operator
from dataclasses import dataclass

from ratings.models import Dataset


@dataclass(frozen=True)
class Coverage:
    name: str
    inspections: int
    overall: int  # inspections whose overall rating is recorded ("not rated" counts: it is a value)
    recorded: int  # standard ratings recorded
    possible: int  # standard ratings the frameworks ask for

    @property
    def percent(self) -> str:
        return f"{100 * self.recorded / self.possible:.0f}%" if self.possible else "-"


def coverage(data: Dataset) -> tuple[list[Coverage], Coverage]:
    """One line per provider with inspections (data-file order), and the total."""
    standards = {f.id: len(f.standards) for f in data.frameworks}
    # Per provider: inspections, overall ratings, standard ratings recorded, possible. One pass
    # over the inspections (50,000 in a large file), not one per provider.
    tallies: dict[str, list[int]] = {}
    for inspection in data.inspections:
        tally = tallies.get(inspection.provider)
        if tally is None:
            tally = tallies[inspection.provider] = [0, 0, 0, 0]
        ratings = inspection.ratings
        tally[0] += 1
        tally[1] += inspection.overall is not None
        tally[2] += len(ratings) - list(ratings.values()).count(None)
        tally[3] += standards[inspection.framework]
    rows = [Coverage(provider.name, *tallies[provider.id]) for provider in data.providers if provider.id in tallies]
    total = Coverage(
        "Total",
        sum(r.inspections for r in rows),
        sum(r.overall for r in rows),
        sum(r.recorded for r in rows),
        sum(r.possible for r in rows),
    )
    return rows, total


def totals(data: Dataset) -> Coverage:
    """`coverage`'s total alone, for a valid dataset (every inspection's provider known), counted
    column by column in C: the site's methodology page needs no line per provider, and the loop
    took a fifth of a second for 50,000 inspections."""
    inspections = data.inspections
    standards = {f.id: len(f.standards) for f in data.frameworks}
    ratings = list(map(operator.attrgetter("ratings"), inspections))
    unrecorded = sum(map(operator.methodcaller("count", None), map(list, map(dict.values, ratings))))
    return Coverage(
        "Total",
        len(inspections),
        len(inspections) - list(map(operator.attrgetter("overall"), inspections)).count(None),
        sum(map(len, ratings)) - unrecorded,
        sum(map(standards.__getitem__, map(operator.attrgetter("framework"), inspections))),
    )


def summary(data: Dataset) -> str:
    """The one-line summary `ratings validate` prints."""
    _, total = coverage(data)
    return (
        f"{len(data.providers)} providers, {total.inspections} inspections, {total.overall} overall ratings, "
        f"{total.recorded} of {total.possible} standard ratings recorded"
    )


def report(data: Dataset) -> str:
    """A plain-text table, within 100 columns."""
    rows, total = coverage(data)
    width = min(max((len(r.name) for r in rows), default=8), 52)
    header = f"{'Provider':<{width}}  {'Inspections':>11}  {'Overall':>7}  {'Standards':>9}  {'of':>4}  {'%':>4}"
    lines = [header, "-" * len(header)]
    for r in [*rows, total]:
        if r is total:
            lines.append("-" * len(header))
        name = r.name if len(r.name) <= width else r.name[: width - 1] + "…"
        lines.append(
            f"{name:<{width}}  {r.inspections:>11}  {r.overall:>7}  {r.recorded:>9}  {r.possible:>4}  {r.percent:>4}"
        )
    return "\n".join(lines) + "\n"
