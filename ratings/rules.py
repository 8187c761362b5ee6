"""Stage 2, second pass: the rules between records (references, duplicates, standards that
belong to the inspection's framework), and the warnings: valid records that look wrong.

`Rules` checks a dataset's inspections a run at a time, carrying the ids and dates seen so
far: a large file read in parts has the inspections read first checked while the rest is
still being read (see `validate.first_part`), and only the last ones once all are in.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Sequence

from ratings.load import Path_
from ratings.models import RATINGS, Dataset, Inspection

Found = tuple[Path_, str, bool]  # where, what, and whether to point at the key rather than its value

# Words people write for the inspectorate's ratings, mapped to the one they mean.
_RATING_ALIASES = {"poor": "Inadequate", "ri": "Requires improvement", "req. improvement": "Requires improvement"}


class Rules:
    """The rules between `data`'s records, checked so far: the records before the inspections
    (frameworks, owners, providers) when made, then each call of `check` the inspections after
    the `checked` first. `problems` and `warnings` gather what was found, in no set order (a
    DataError sorts its problems into file order)."""

    def __init__(self, data: Dataset) -> None:
        self.problems: list[Found] = list(_head_checks(data))
        self.warnings: list[tuple[Path_, str]] = []
        self.checked = 0
        self._data = data
        self._today = dt.date.today()
        self._ids: dict[str, int] = {}  # inspection id: its index
        self._dates: dict[tuple[str, str], int] = {}  # (provider, publication date): the inspection's index
        # What each inspection is checked against, read once: a model's fields are slow to read
        # (pydantic's `__getattr__` keeps Python from speeding up the lookup).
        self._keys_of = {f.id: [s.key for s in f.standards] for f in data.frameworks}
        self._key_sets = {framework_id: set(keys) for framework_id, keys in self._keys_of.items()}
        self._provider_types = {p.id: p.type for p in data.providers}
        self._framework_types = {f.id: f.provider_types for f in data.frameworks}
        self._max_scores = {f.id: f.max_score for f in data.frameworks}

    def check(self, inspections: Sequence[Inspection]) -> None:
        """Check `inspections` after the first `checked` (the same first ones as before, and
        more): against the records before them, and against one another."""
        start, self.checked = self.checked, len(inspections)
        self.problems += self._inspection_checks(inspections, start)
        if not self.problems:  # the warnings read what the rules vouch for (an inspection's framework)
            self.warnings += _warnings(self._data, inspections, start)

    def _inspection_checks(self, inspections: Sequence[Inspection], start: int) -> list[Found]:
        """The rules for `inspections[start:]`, with the ids and dates of those before."""
        found: list[Found] = []
        owners, today, ids, seen_dates = self._data.owners_by_id, self._today, self._ids, self._dates
        keys_of, key_sets, max_scores = self._keys_of, self._key_sets, self._max_scores
        provider_types, framework_types = self._provider_types, self._framework_types
        for i_index in range(start, len(inspections)):
            inspection = inspections[i_index]
            here: Path_ = ("inspections", i_index)
            provider_id, framework_id, published = inspection.provider, inspection.framework, inspection.published
            ident = inspection.id  # without one, inspections are told apart by provider and date (below)
            if ident is not None:
                if ident in ids:
                    found.append(_twice("inspections", i_index, ident, ids[ident]))
                ids.setdefault(ident, i_index)
            provider_type = provider_types.get(provider_id)
            if provider_type is None:
                found.append(
                    (
                        (*here, "provider"),
                        f"unknown provider {provider_id!r} "
                        f"(expected the id of one of the providers{suggest(provider_id, sorted(provider_types))})",
                        False,
                    )
                )
            types = framework_types.get(framework_id)
            if types is None:
                found.append(((*here, "framework"), unknown("framework", framework_id, sorted(framework_types)), False))
            elif provider_type is not None and provider_type not in types:
                found.append(
                    (
                        (*here, "framework"),
                        f"framework {framework_id!r} is for {', '.join(types)} providers, "
                        f"but {provider_id!r} is a {provider_type} "
                        f"(expected a framework for {provider_type})",
                        False,
                    )
                )
            if types is not None and not key_sets[framework_id].issuperset(inspection.ratings):
                standard_keys = keys_of[framework_id]
                for key in inspection.ratings:
                    if key not in standard_keys:
                        found.append(
                            (
                                (*here, "ratings", key),
                                f"{key!r} is not a standard of framework {framework_id!r} "
                                f"{expected(key, standard_keys)}",
                                True,
                            )
                        )
            score = inspection.published_score
            if types is not None and score is not None and score > max_scores[framework_id]:
                found.append(
                    (
                        (*here, "published_score"),
                        f"{score} is more than framework {framework_id!r} allows "
                        f"(expected at most {max_scores[framework_id]})",
                        False,
                    )
                )
            owner = inspection.owner
            if owner is not None and owner not in owners:
                found.append(((*here, "owner"), unknown("owner", owner, sorted(owners)), False))
            fieldwork = inspection.fieldwork
            if fieldwork is not None and fieldwork.earliest > published.latest:
                found.append(
                    (
                        (*here, "fieldwork"),
                        f"fieldwork {fieldwork} is after publication {published} "
                        "(expected fieldwork on or before the publication date)",
                        False,
                    )
                )
            if published.earliest > today:
                found.append(
                    (
                        (*here, "published"),
                        f"publication date {published} is in the future (expected a report already published)",
                        False,
                    )
                )
            same_day = (provider_id, published.iso())
            if same_day in seen_dates:
                found.append(
                    (
                        (*here, "published"),
                        f"{provider_id!r} already has an inspection published on {published} "
                        f"(inspections[{seen_dates[same_day]}]; expected one per provider and date)",
                        False,
                    )
                )
            seen_dates.setdefault(same_day, i_index)
        return found


def _head_checks(data: Dataset) -> Iterator[Found]:
    """The rules among frameworks, owners and providers: ids, standards, bands, owners held."""
    for section, ids in (
        ("frameworks", [f.id for f in data.frameworks]),
        ("owners", [o.id for o in data.owners]),
        ("providers", [p.id for p in data.providers]),
    ):
        first: dict[str, int] = {}
        for index, ident in enumerate(ids):
            if ident in first:
                yield _twice(section, index, ident, first[ident])
            first.setdefault(ident, index)

    for f_index, framework in enumerate(data.frameworks):
        keys = [s.key for s in framework.standards]
        for s_index, key in enumerate(keys):
            if keys.index(key) != s_index:
                yield (
                    ("frameworks", f_index, "standards", s_index, "key"),
                    f"standard {key!r} is listed twice (expected each once)",
                    False,
                )
        if framework.bands:
            for b_index, band in enumerate(framework.bands.ranges):
                if band.min > band.max or band.max > framework.max_score:
                    yield (
                        ("frameworks", f_index, "bands", "ranges", b_index),
                        f"range {band.min}-{band.max} is not within 0-{framework.max_score} "
                        f"(expected min <= max <= {framework.max_score})",
                        False,
                    )

    owners = data.owners_by_id
    known_owners = sorted(owners)
    for p_index, provider in enumerate(data.providers):
        for o_index, held in enumerate(provider.owners):
            if held.owner not in owners:
                yield (
                    ("providers", p_index, "owners", o_index, "owner"),
                    unknown("owner", held.owner, known_owners),
                    False,
                )


def _twice(section: str, index: int, ident: str, first: int) -> Found:
    return ((section, index, "id"), f"{ident!r} is already the id of {section}[{first}] (expected each id once)", False)


def _warnings(data: Dataset, inspections: Sequence[Inspection], start: int) -> list[tuple[Path_, str]]:
    """Valid records that look wrong, among `inspections[start:]`: reported, never overruled.

    A published total that disagrees with the recorded standards or the framework's maximum;
    an overall rating that contradicts the framework's score bands.
    """
    found: list[tuple[Path_, str]] = []
    for index in range(start, len(inspections)):
        inspection = inspections[index]
        framework = data.framework(inspection.framework)
        if inspection.published_score is None and inspection.published_max is None and framework.bands is None:
            continue  # nothing here to disagree with
        ratings = [inspection.ratings.get(s.key) for s in framework.standards]
        points = sum(framework.points[r] for r in ratings if r is not None)
        complete = all(r is not None for r in ratings)
        if inspection.published_score is not None:
            stated = inspection.published_score
            if complete and points != stated:
                found.append(
                    (
                        ("inspections", index, "published_score"),
                        f"published total {stated} but the recorded standards add up to {points} "
                        "(expected them to agree: check both against the report)",
                    )
                )
            elif not complete and points > stated:
                found.append(
                    (
                        ("inspections", index, "published_score"),
                        f"published total {stated} but the standards recorded so far already add up to {points} "
                        "(expected no more than the total)",
                    )
                )
        if inspection.published_max is not None and inspection.published_max != framework.max_score:
            found.append(
                (
                    ("inspections", index, "published_max"),
                    f"a total out of {inspection.published_max}, but framework {framework.id!r} is out of "
                    f"{framework.max_score} (expected the framework's maximum: check the framework and the source)",
                )
            )
        if framework.bands is None or inspection.overall not in RATINGS or not complete:
            continue  # a partial score says nothing about the bands
        score = points
        band = next((b for b in framework.bands.ranges if b.min <= score <= b.max), None)
        if band is not None and band.rating != inspection.overall:
            status = "confirmed" if framework.bands.confirmed else "unconfirmed"
            found.append(
                (
                    ("inspections", index, "overall"),
                    f"overall rating {inspection.overall!r} but its score {score}/{framework.max_score} falls in the "
                    f"{band.rating!r} band ({band.min}-{band.max}, {status}) of framework {framework.id!r} "
                    "(expected the published rating to match the bands: check the record and say why in notes)",
                )
            )
    return found


def unknown(what: str, value: str, choices: list[str]) -> str:
    return f"unknown {what} {value!r} {expected(value, choices)}"


def expected(word: str, choices: list[str]) -> str:
    """ "(expected one of: a, b; did you mean 'b'?)"."""
    return f"(expected one of: {', '.join(choices)}{suggest(word, choices)})"


def suggest(word: str, choices: list[str]) -> str:
    alias = _RATING_ALIASES.get(word.strip().lower())
    if alias and alias in choices:
        return f"; did you mean {alias!r}?"
    lowered = {c.lower(): c for c in choices}
    if word.strip().lower() in lowered:
        return f"; did you mean {lowered[word.strip().lower()]!r}?"
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[close[0]]!r}?" if close else ""
