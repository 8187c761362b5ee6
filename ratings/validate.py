"""Stage 2: plain values to a `Dataset`, or every problem with its file, line and field.

Two passes, both collecting rather than stopping at the first problem: pydantic checks each
record's shape, then `_cross_checks` relates records to one another (references, duplicates,
standards that belong to the inspection's framework). A large file read in two parts has its
first part's shapes checked while the second is read (`first_part`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, TypeAdapter, ValidationError

from ratings import collector
from ratings.errors import DataError, Problem
from ratings.load import Locator, Path_, Started
from ratings.models import NOT_A_URL, RATINGS, URL_PATTERN, Dataset, Inspection

# Words people write for the inspectorate's ratings, mapped to the one they mean.
_RATING_ALIASES = {"poor": "Inadequate", "ri": "Requires improvement", "req. improvement": "Requires improvement"}


def load_dataset(
    path: Path,
    shown: str | None = None,
    *,
    warnings: list[Problem] | None = None,
    strict: bool = False,
    started: Started | None = None,
) -> Dataset:
    """Read, parse and validate a data file. Raises DataError listing every problem.

    Warnings (a record that is valid but looks wrong) are appended to `warnings` when given;
    with `strict`, they are errors. `started`: the file's parse, begun earlier (`Started.reading`).
    """
    shown = shown or str(path)
    started = started or Started.reading(path, shown)
    text = started.text
    raw = started.value(early=first_part)
    return validate(raw, Locator(text), shown, warnings=warnings, strict=strict, first=started.early)


@dataclass(frozen=True)
class FirstPart:
    """The first part of a file read in two (see `load.Started`), validated while the second
    process still reads the rest: the file's head and its first inspections."""

    dataset: Dataset
    keys: tuple[str, ...]  # the part's top-level keys, in order
    inspections: int  # how many inspections it holds


def first_part(key: str, value: Any, done: FirstPart | None = None) -> FirstPart | None:
    """The part of the file read so far, validated, or None: where the file was cut in another
    list than the inspections, or the part has a problem (the whole file is then validated as
    one, and every problem reported with its place, as for a file read in one go). `done`: the
    part read before, validated already (only the inspections after it are validated).

    The second core was otherwise idle while one validated the whole: for 50,000 inspections
    the build's work began 0.12 s sooner (2.33 s against 2.45 s after the start, means of 12)."""
    if key != "inspections" or not isinstance(value, dict) or not isinstance(value.get(key), list):
        return None
    if done is not None:
        joined = _with_first_part(done, value)
        return None if joined is None else FirstPart(joined, done.keys, len(value[key]))
    try:
        dataset = Dataset.model_validate(value)
    except ValidationError:
        return None
    return FirstPart(dataset, tuple(value), len(value[key]))


@functools.cache
def _inspections() -> TypeAdapter[list[Inspection]]:
    return TypeAdapter(list[Inspection])


def _with_first_part(first: FirstPart, raw: Any) -> Dataset | None:
    """The whole file's records from its first part's and the rest's, validated alone: the
    same records as validating the whole, or None where the rest has a problem or the file
    has keys the first part did not (then the whole is validated as one)."""
    if not isinstance(raw, dict) or tuple(raw) != first.keys:
        return None
    try:
        rest = _inspections().validate_python(raw["inspections"][first.inspections :])
    except ValidationError:
        return None
    return first.dataset.model_copy(update={"inspections": [*first.dataset.inspections, *rest]})


def validate(
    raw: Any,
    locator: Locator,
    shown: str,
    *,
    warnings: list[Problem] | None = None,
    strict: bool = False,
    first: FirstPart | None = None,
) -> Dataset:
    """`raw`'s records, checked (`shapes`, then `check_rules`)."""
    dataset = shapes(raw, locator, shown, first=first)
    check_rules(dataset, locator, shown, warnings=warnings, strict=strict)
    return dataset


def shapes(raw: Any, locator: Locator, shown: str, *, first: FirstPart | None = None) -> Dataset:
    """`raw`'s records, each checked on its own (pydantic); `first`: its first part, validated
    already (`first_part`)."""
    problem = _locating(locator, shown)
    if raw is None:
        raise DataError(
            [Problem(shown, 1, 1, "", "the file is empty (expected frameworks:, providers:, inspections:)")]
        )
    if not isinstance(raw, dict):
        raise DataError(
            [
                problem(
                    (), f"the file holds a {_kind(raw)} (expected a mapping with frameworks:, providers:, inspections:)"
                )
            ]
        )
    # Tens of thousands of models and the cross-checks' sets, none in a cycle: the collector
    # would walk them all again and again (a third of validation for 50,000 inspections).
    with collector.paused():
        dataset = _with_first_part(first, raw) if first is not None else None
        if dataset is None:
            try:
                dataset = Dataset.model_validate(raw)
            except ValidationError as exc:
                raise DataError([_from_pydantic(err, problem) for err in exc.errors()]) from None
    return dataset


def check_rules(
    dataset: Dataset, locator: Locator, shown: str, *, warnings: list[Problem] | None = None, strict: bool = False
) -> None:
    """The rules between records (`_cross_checks`): DataError with every problem found, then
    the warnings (`_warnings`), errors too with `strict`."""
    problem = _locating(locator, shown)
    with collector.paused():
        found_problems = list(_cross_checks(dataset))
    problems = [problem(path, message, key=key) for path, message, key in found_problems]
    if problems:
        raise DataError(problems)
    found = [problem(path, message, warning=not strict) for path, message in _warnings(dataset)]
    if strict and found:
        raise DataError(found)
    if warnings is not None:
        warnings.extend(sorted(found))


def _locating(locator: Locator, shown: str) -> _Locate:
    def problem(path: Path_, message: str, *, key: bool = False, warning: bool = False) -> Problem:
        line, column = locator.find(path, key=key)
        return Problem(shown, line, column, _dotted(path), message, warning=warning)

    return problem


class _Locate(Protocol):
    def __call__(self, path: Path_, message: str, *, key: bool = False, warning: bool = False) -> Problem: ...


def _from_pydantic(err: Any, problem: _Locate) -> Problem:
    loc: tuple[str | int, ...] = tuple(err["loc"])
    kind = err["type"]
    value = err.get("input")
    at_key = bool(loc) and loc[-1] == "[key]"
    if at_key:
        loc = loc[:-1]
    if kind == "extra_forbidden":
        field = str(loc[-1])
        known = _fields_at(loc[:-1])
        return problem(loc, f"unknown field {field!r} {_expected(field, known)}", key=True)
    if kind == "missing":
        return problem(loc[:-1], f"required field {loc[-1]!r} is missing (expected {loc[-1]}: ...)")
    if kind == "literal_error":
        expected = [s.strip(" '") for s in err["ctx"]["expected"].replace(" or ", ", ").split(", ")]
        if set(RATINGS) <= set(expected):
            what = "a rating" if len(expected) == len(RATINGS) else "an overall rating"
            return problem(
                loc,
                f"{value!r} is not {what} {_expected(str(value), expected)}",
                key=at_key,
            )
        return problem(
            loc,
            f"{value!r} is not allowed {_expected(str(value), expected)}",
            key=at_key,
        )
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "string_pattern_mismatch" and err["ctx"]["pattern"] == URL_PATTERN:
        return problem(loc, NOT_A_URL.format(value=value.strip()), key=at_key)
    if kind in _TYPE_WORDS:
        message = f"got {_kind(value)} {value!r} (expected {_TYPE_WORDS[kind]})"
    elif kind in ("too_short", "too_long"):
        message = f"{message} (got {value!r})"
    return problem(loc, message, key=at_key)


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list of '- ' items",
    "dict_type": "a mapping of 'key: value' lines",
    "model_type": "a mapping of 'key: value' lines",
    "model_attributes_type": "a mapping of 'key: value' lines",
}


def _kind(value: Any) -> str:
    return {dict: "mapping", list: "list", str: "text", int: "number", float: "number", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def _expected(word: str, choices: list[str]) -> str:
    """ "(expected one of: a, b; did you mean 'b'?)"."""
    return f"(expected one of: {', '.join(choices)}{_suggest(word, choices)})"


def _suggest(word: str, choices: list[str]) -> str:
    alias = _RATING_ALIASES.get(word.strip().lower())
    if alias and alias in choices:
        return f"; did you mean {alias!r}?"
    lowered = {c.lower(): c for c in choices}
    if word.strip().lower() in lowered:
        return f"; did you mean {lowered[word.strip().lower()]!r}?"
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f"; did you mean {lowered[close[0]]!r}?" if close else ""


def _dotted(path: Path_) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _fields_at(path: Path_) -> list[str]:
    """The field names the model at `path` accepts, for "expected one of" in messages."""
    annotation: Any = Dataset
    for step in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(step))
            annotation = field.annotation if field else None
        elif typing.get_origin(annotation) in (list, dict):
            annotation = typing.get_args(annotation)[-1]
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` to X, so a nested optional model still names its fields."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _unknown(what: str, value: str, choices: list[str]) -> str:
    return f"unknown {what} {value!r} {_expected(value, choices)}"


def _cross_checks(data: Dataset) -> Iterator[tuple[Path_, str, bool]]:
    """Rules between records: (path, message, point-at-key) for each problem found."""
    for section, ids in (
        ("frameworks", [f.id for f in data.frameworks]),
        ("owners", [o.id for o in data.owners]),
        ("providers", [p.id for p in data.providers]),
        # Inspections without an explicit id are told apart by provider and date (below).
        ("inspections", [i.id for i in data.inspections]),
    ):
        first: dict[str, int] = {}
        for index, ident in enumerate(ids):
            if ident is None:
                continue
            if ident in first:
                yield (
                    (section, index, "id"),
                    f"{ident!r} is already the id of {section}[{first[ident]}] (expected each id once)",
                    False,
                )
            first.setdefault(ident, index)

    frameworks = data.frameworks_by_id
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
                    _unknown("owner", held.owner, known_owners),
                    False,
                )

    providers = data.providers_by_id
    known_providers = sorted(providers)
    seen_dates: dict[tuple[str, str], int] = {}
    today = dt.date.today()
    keys_of = {f.id: [s.key for s in f.standards] for f in data.frameworks}
    key_sets = {framework_id: set(keys) for framework_id, keys in keys_of.items()}
    # What each inspection is checked against, read once: a model's fields are slow to read
    # (pydantic's `__getattr__` keeps Python from speeding up the lookup).
    provider_types = {p.id: p.type for p in data.providers}
    framework_types = {f.id: f.provider_types for f in data.frameworks}
    max_scores = {f.id: f.max_score for f in data.frameworks}
    for i_index, inspection in enumerate(data.inspections):
        here: Path_ = ("inspections", i_index)
        provider_id, framework_id, published = inspection.provider, inspection.framework, inspection.published
        provider_type = provider_types.get(provider_id)
        if provider_type is None:
            yield (
                (*here, "provider"),
                f"unknown provider {provider_id!r} "
                f"(expected the id of one of the providers{_suggest(provider_id, known_providers)})",
                False,
            )
        types = framework_types.get(framework_id)
        if types is None:
            yield (
                (*here, "framework"),
                _unknown("framework", framework_id, sorted(frameworks)),
                False,
            )
        elif provider_type is not None and provider_type not in types:
            yield (
                (*here, "framework"),
                f"framework {framework_id!r} is for {', '.join(types)} providers, "
                f"but {provider_id!r} is a {provider_type} "
                f"(expected a framework for {provider_type})",
                False,
            )
        if types is not None and not key_sets[framework_id].issuperset(inspection.ratings):
            standard_keys = keys_of[framework_id]
            for key in inspection.ratings:
                if key not in standard_keys:
                    yield (
                        (*here, "ratings", key),
                        f"{key!r} is not a standard of framework {framework_id!r} {_expected(key, standard_keys)}",
                        True,
                    )
        score = inspection.published_score
        if types is not None and score is not None and score > max_scores[framework_id]:
            yield (
                (*here, "published_score"),
                f"{score} is more than framework {framework_id!r} allows (expected at most {max_scores[framework_id]})",
                False,
            )
        owner = inspection.owner
        if owner is not None and owner not in owners:
            yield (
                (*here, "owner"),
                _unknown("owner", owner, known_owners),
                False,
            )
        fieldwork = inspection.fieldwork
        if fieldwork is not None and fieldwork.earliest > published.latest:
            yield (
                (*here, "fieldwork"),
                f"fieldwork {fieldwork} is after publication {published} "
                "(expected fieldwork on or before the publication date)",
                False,
            )
        if published.earliest > today:
            yield (
                (*here, "published"),
                f"publication date {published} is in the future (expected a report already published)",
                False,
            )
        same_day = (provider_id, published.iso())
        if same_day in seen_dates:
            yield (
                (*here, "published"),
                f"{provider_id!r} already has an inspection published on {published} "
                f"(inspections[{seen_dates[same_day]}]; expected one per provider and date)",
                False,
            )
        seen_dates.setdefault(same_day, i_index)


def _warnings(data: Dataset) -> Iterator[tuple[Path_, str]]:
    """Valid records that look wrong: reported, never overruled.

    A published total that disagrees with the recorded standards or the framework's maximum;
    an overall rating that contradicts the framework's score bands.
    """
    for index, inspection in enumerate(data.inspections):
        framework = data.framework(inspection.framework)
        if inspection.published_score is None and inspection.published_max is None and framework.bands is None:
            continue  # nothing here to disagree with
        ratings = [inspection.ratings.get(s.key) for s in framework.standards]
        points = sum(framework.points[r] for r in ratings if r is not None)
        complete = all(r is not None for r in ratings)
        if inspection.published_score is not None:
            stated = inspection.published_score
            if complete and points != stated:
                yield (
                    ("inspections", index, "published_score"),
                    f"published total {stated} but the recorded standards add up to {points} "
                    "(expected them to agree: check both against the report)",
                )
            elif not complete and points > stated:
                yield (
                    ("inspections", index, "published_score"),
                    f"published total {stated} but the standards recorded so far already add up to {points} "
                    "(expected no more than the total)",
                )
        if inspection.published_max is not None and inspection.published_max != framework.max_score:
            yield (
                ("inspections", index, "published_max"),
                f"a total out of {inspection.published_max}, but framework {framework.id!r} is out of "
                f"{framework.max_score} (expected the framework's maximum: check the framework and the source)",
            )
        if framework.bands is None or inspection.overall not in RATINGS or not complete:
            continue  # a partial score says nothing about the bands
        score = points
        band = next((b for b in framework.bands.ranges if b.min <= score <= b.max), None)
        if band is not None and band.rating != inspection.overall:
            status = "confirmed" if framework.bands.confirmed else "unconfirmed"
            yield (
                ("inspections", index, "overall"),
                f"overall rating {inspection.overall!r} but its score {score}/{framework.max_score} falls in the "
                f"{band.rating!r} band ({band.min}-{band.max}, {status}) of framework {framework.id!r} "
                "(expected the published rating to match the bands: check the record and say why in notes)",
            )
