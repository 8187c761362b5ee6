"""The records, as pydantic models: what a valid data file contains.

Only shape and single-field rules live here. Rules that relate one record to another (an
inspection's provider must exist, its standards must be its framework's) live in
`validate.py`, which can report every problem with its location at once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

# The inspectorate's four words, best first. Exactly these spellings are accepted.
RATINGS: Final = ("Outstanding", "Good", "Requires improvement", "Inadequate")
Rating = Literal["Outstanding", "Good", "Requires improvement", "Inadequate"]

# An inspection that ended without an overall rating (cut short) says so explicitly:
# a value of its own, unlike an overall rating that is simply not recorded (left out).
NOT_RATED: Final = "not rated"
Overall = Literal["Outstanding", "Good", "Requires improvement", "Inadequate", "not rated"]

# What tables and exports show where no source we found states a rating (never guessed).
NOT_RECORDED: Final = "not recorded"

ProviderType = Literal["CRC", "NPS", "PDU", "region"]
PROVIDER_TYPES: Final = ("CRC", "NPS", "PDU", "region")

DEFAULT_POINTS: Final[dict[Rating, int]] = {"Outstanding": 3, "Good": 2, "Requires improvement": 1, "Inadequate": 0}

_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the day, or only to the month ("2019-06") or the year ("2018").

    Sources sometimes give only a month; recording the day anyway would be inventing it.
    """

    year: int
    month: int | None = None
    day: int | None = None
    _earliest: dt.date = field(init=False, repr=False, compare=False)
    _latest: dt.date = field(init=False, repr=False, compare=False)
    _iso: str = field(init=False, repr=False, compare=False)
    _human: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Worked out once: a large file's records share each date (see _date_from_text), and
        # ranking and pages ask for these of every inspection, often more than once. Month
        # names come from a fixed English table: output must not vary with the machine's locale.
        year, month, day = self.year, self.month, self.day
        if month is None:
            latest, iso, human = dt.date(year, 12, 31), f"{year:04d}", str(year)
        elif day is None:
            latest = dt.date(year, month, calendar.monthrange(year, month)[1])
            iso, human = f"{year:04d}-{month:02d}", f"{_MONTHS[month]} {year}"
        else:
            latest = dt.date(year, month, day)
            iso, human = f"{year:04d}-{month:02d}-{day:02d}", f"{day} {_MONTHS[month]} {year}"
        object.__setattr__(self, "_earliest", dt.date(year, month or 1, day or 1))
        object.__setattr__(self, "_latest", latest)
        object.__setattr__(self, "_iso", iso)
        object.__setattr__(self, "_human", human)

    @property
    def earliest(self) -> dt.date:
        return self._earliest

    @property
    def latest(self) -> dt.date:
        """The last day this date can stand for: used for "published on or before"."""
        return self._latest

    @property
    def is_exact(self) -> bool:
        return self.day is not None

    def iso(self) -> str:
        return self._iso

    def __str__(self) -> str:
        return self.iso()

    def human(self) -> str:
        """'6 December 2018', 'December 2018' or '2018'."""
        return self._human


# English month names, fixed (calendar.month_name asks the C library's locale each time).
_MONTHS = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip


def parse_partial_date(value: Any) -> PartialDate:
    """Accept a YAML date, 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' (a YAML number 2018 too)."""
    if type(value) is str:  # the usual case, asked first: once or twice for each inspection
        return _date_from_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        raise ValueError("a date, not a date and time (expected YYYY-MM-DD or YYYY-MM)")
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, str):
        return _date_from_text(value)
    raise _not_a_date(value)


@functools.lru_cache(maxsize=2**16)
def _date_from_text(value: str) -> PartialDate:
    """Remembered: a large file repeats its dates, and a PartialDate cannot change."""
    match = _PARTIAL_DATE.match(value.strip())
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        try:
            dt.date(year, month or 1, day or 1)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date ({exc})") from None
        return PartialDate(year, month, day)
    raise _not_a_date(value)


def _not_a_date(value: Any) -> ValueError:
    return ValueError(
        f"{value!r} is not a date (expected YYYY-MM-DD, or YYYY-MM or YYYY where only the month or year is known)"
    )


PartialDateField = Annotated[
    PartialDate,
    BeforeValidator(parse_partial_date),
    PlainSerializer(lambda d: d.iso(), return_type=str),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ],
            "description": "YYYY-MM-DD, or YYYY-MM / YYYY where only the month or year is known",
        }
    ),
]


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(
            f"{value!r} is not a valid id (expected lower-case letters, digits, '-' or '_', e.g. 'nps-wales')"
        )
    return value


URL_PATTERN = r"^https?://[^\s/]+\.[^\s]+$"
NOT_A_URL = "{value!r} is not a web address (expected http:// or https://...)"

Id = Annotated[str, Field(min_length=1)]
Url = Annotated[str, Field(min_length=1)]
# An inspection's report and sources: checked by pydantic's own (compiled) pattern matching,
# a third of validation time when it was a Python validator; validate.py words the error as
# NOT_A_URL. The JSON schema stays as it was (the check is the tool's, not the schema's).
WebAddress = Annotated[str, StringConstraints(pattern=URL_PATTERN), WithJsonSchema({"type": "string"})]
Source = Annotated[
    str, StringConstraints(min_length=1, pattern=URL_PATTERN), WithJsonSchema({"minLength": 1, "type": "string"})
]


class Record(BaseModel):
    """Every record refuses unknown keys: a typo must not silently drop a value."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Standard(Record):
    key: Id
    number: str = Field(min_length=1)
    name: str = Field(min_length=1)
    domain: str | None = None

    _key = field_validator("key")(_check_id)

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}"


class Band(Record):
    rating: Rating
    min: int = Field(ge=0)
    max: int = Field(ge=0)


class Bands(Record):
    """Score ranges that some say map to an overall rating. Used only to warn, never to rate."""

    confirmed: bool
    source: str | None = None
    ranges: list[Band] = Field(min_length=1)


class Framework(Record):
    id: Id
    name: str = Field(min_length=1)
    provider_types: list[ProviderType] = Field(min_length=1)
    start: PartialDateField | None = None
    end: PartialDateField | None = None
    points: dict[Rating, int] = Field(default_factory=lambda: dict(DEFAULT_POINTS))
    standards: list[Standard] = Field(min_length=1)
    bands: Bands | None = None
    source: str | None = None
    notes: str | None = None

    _id = field_validator("id")(_check_id)

    @field_validator("points")
    @classmethod
    def _all_four(cls, points: dict[Rating, int]) -> dict[Rating, int]:
        missing = [r for r in RATINGS if r not in points]
        if missing:
            raise ValueError(f"points for {', '.join(missing)} missing (expected all four ratings)")
        return points

    @property
    def max_score(self) -> int:
        return len(self.standards) * max(self.points.values())


class Owner(Record):
    id: Id
    name: str = Field(min_length=1)
    notes: str | None = None

    _id = field_validator("id")(_check_id)


class Ownership(Record):
    """One owner over a stretch of time; `until` is left out for the last one."""

    owner: Id
    since: PartialDateField | None = None
    until: PartialDateField | None = None
    source: str | None = None


class Provider(Record):
    id: Id
    name: str = Field(min_length=1)
    type: ProviderType
    area: str = Field(min_length=1, description="NPS division area, or region for PDUs")
    owners: list[Ownership] = Field(default_factory=list)
    sources: list[Url] = Field(default_factory=list)
    notes: str | None = None

    _id = field_validator("id")(_check_id)


class Inspection(Record):
    id: Id | None = Field(default=None, description="defaults to PROVIDER-PUBLISHED")
    provider: Id
    framework: Id
    programme: str | None = Field(default=None, description='inspection programme, e.g. "2018-19"')
    published: PartialDateField
    fieldwork: PartialDateField | None = Field(default=None, description="month fieldwork began")
    owner: Id | None = Field(default=None, description="owner at the time; else from history")
    overall: Overall | None = Field(default=None, description="left out: not recorded")
    ratings: dict[str, Rating | None] = Field(default_factory=dict)
    published_score: int | None = Field(default=None, ge=0, description='a total a source states ("1 out of 27")')
    published_max: int | None = Field(default=None, ge=1, description="the maximum that total is out of, as stated")
    report_url: WebAddress | None = None
    sources: list[Source] = Field(min_length=1)
    notes: str | None = None

    @property
    def key(self) -> str:
        return self.id or f"{self.provider}-{self.published.iso()}"


class Dataset(Record):
    frameworks: list[Framework] = Field(min_length=1)
    owners: list[Owner] = Field(default_factory=list)
    providers: list[Provider] = Field(default_factory=list)
    inspections: list[Inspection] = Field(default_factory=list)

    # Lookups by id, built once: datasets can hold tens of thousands of records.
    @cached_property
    def frameworks_by_id(self) -> dict[str, Framework]:
        return {f.id: f for f in self.frameworks}

    @cached_property
    def providers_by_id(self) -> dict[str, Provider]:
        return {p.id: p for p in self.providers}

    @cached_property
    def owners_by_id(self) -> dict[str, Owner]:
        return {o.id: o for o in self.owners}

    def framework(self, framework_id: str) -> Framework:
        return self.frameworks_by_id[framework_id]

    def provider(self, provider_id: str) -> Provider:
        return self.providers_by_id[provider_id]

    def owner_name(self, owner_id: str | None) -> str | None:
        if owner_id is None:
            return None
        owner = self.owners_by_id.get(owner_id)
        return owner.name if owner else owner_id

    @cached_property
    def sole_owners(self) -> dict[str, str]:
        """Each provider with one owner and no dates (most of them): the owner of all its
        inspections, with no need to compare dates inspection by inspection."""
        return {
            p.id: p.owners[0].owner
            for p in self.providers
            if len(p.owners) == 1 and p.owners[0].since is None and p.owners[0].until is None
        }

    def owner_at(self, inspection: Inspection) -> str | None:
        """The owner at the time: stated on the inspection, else from the provider's history."""
        if inspection.owner is not None:
            return inspection.owner
        sole = self.sole_owners.get(inspection.provider)
        if sole is not None:
            return sole
        when = inspection.fieldwork or inspection.published
        earliest, latest = when.earliest, when.latest
        found = None
        for held in self.providers_by_id[inspection.provider].owners:
            if (held.since is None or held.since.earliest <= earliest) and (
                held.until is None or latest <= held.until.latest
            ):
                if found is not None:
                    # Several undated owners (a change whose date no source gives): not knowable.
                    return None
                found = held.owner
        return found
