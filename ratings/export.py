"""Stage 4b: the tables for other tools: CSV (two flavours), JSON, SQLite, a Data Package.

Three tables, all from `table.py`:
- league: one row per provider, ranked (`--as-of` decides which inspections count);
- inspections: one row per inspection, every standard a column ("1.1 Leadership");
- ratings: the long (tidy) form, one row per inspection and standard of its framework.

A rating cell holds one of the four words, "not recorded", or nothing where the standard is not
part of that inspection's framework (a CRC has no court-work standard).

CSV flavours: "plain" is RFC 4180 UTF-8 for programs; "spreadsheet" adds a byte-order mark (so
Excel reads accents and dashes) and neutralises any cell a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from ratings.models import NOT_RECORDED, RATINGS, Dataset
from ratings.table import Group, Tables, build

TABLES = ("league", "inspections", "ratings")
FORMATS = ("csv", "json", "sqlite")
FLAVOURS = ("plain", "spreadsheet")
STEMS = {"league": "league-table", "inspections": "inspections", "ratings": "ratings"}

LEAGUE_FIELDS = (
    "table", "rank", "rank_label", "provider_id", "provider", "type", "owner", "area", "framework",
    "published", "overall", "score", "max_score", "score_basis", "complete", "standards_recorded",
    "standards", "points_recorded",
)  # fmt: skip
INSPECTION_FIELDS = (
    "inspection_id", "provider_id", "provider", "type", "owner", "area", "framework", "published",
    "fieldwork", "overall", "score", "max_score", "score_basis", "complete", "standards_recorded",
    "standards", "points_recorded",
)  # fmt: skip
RATING_FIELDS = (
    "inspection_id", "provider_id", "provider", "type", "framework", "published", "standard_key",
    "standard_number", "standard", "rating", "points",
)  # fmt: skip
TAIL_FIELDS = ("report_url", "sources")  # sources: the cited pages, separated by spaces

# What each field holds, for the Data Package and the SQLite column types.
INTEGER = {"rank", "score", "max_score", "standards_recorded", "standards", "points_recorded", "points"}
BOOLEAN = {"complete"}
DESCRIPTIONS = {
    "table": "The league table the row belongs to: frameworks whose scores are comparable",
    "rank": "Place in its table; equal places share a rank",
    "rank_label": 'The rank as shown, "=4" when shared',
    "published": "Publication date: YYYY-MM-DD, or YYYY-MM / YYYY where only that is known",
    "fieldwork": "Month fieldwork began, where stated",
    "overall": 'Overall rating, "not rated" (ended without one) or "not recorded"',
    "score": "Sum of points over the framework's standards when all are recorded, else a total a source published",
    "score_basis": '"standards", "published total", or empty when the score is not known',
    "complete": "Whether every standard's rating is recorded",
    "points_recorded": "Sum of points of the standards recorded so far (partial: not comparable)",
    "rating": 'The rating of one standard, or "not recorded"',
    "points": "Points for that rating (Outstanding 3, Good 2, Requires improvement 1, Inadequate 0)",
    "sources": "Every page the record cites, separated by spaces",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def standard_columns(groups: Sequence[Group]) -> list[str]:
    """Every standard's "number name" label, grouped by table, each once."""
    seen: dict[str, None] = {}
    for group in groups:
        for column in group.columns:
            seen.setdefault(column.label, None)
    return list(seen)


def fields_for(table_name: str, groups: Sequence[Group]) -> list[str]:
    if table_name == "ratings":
        return list(RATING_FIELDS)
    base = LEAGUE_FIELDS if table_name == "league" else INSPECTION_FIELDS
    return [*base, *standard_columns(groups), *TAIL_FIELDS]


def records(rows: Iterable[dict[str, Any]], fields: Sequence[str], groups: Sequence[Group]) -> list[dict[str, Any]]:
    """Plain rows in a fixed column order, with missing values as None."""
    labels = standard_columns(groups)
    titles = {g.key: g.title for g in groups}
    columns = [*fields, *(f"rating:{label}" for label in labels), *TAIL_FIELDS]
    names = [*fields, *labels, *TAIL_FIELDS]
    out = []
    for row in rows:
        out.append({name: row.get(column) for name, column in zip(names, columns, strict=True)})
        if "table" in fields:
            out[-1]["table"] = titles[row["group"]]
    return out


def rating_records(data: Dataset, tables: Tables) -> list[dict[str, Any]]:
    """The long table: one row per inspection (by date) and standard of its framework."""
    out = []
    for row in records(tables.inspection_rows, INSPECTION_FIELDS, tables.groups):
        inspection = data.inspections_by_key[row["inspection_id"]]
        framework = data.framework(inspection.framework)
        for standard in framework.standards:
            word = inspection.ratings.get(standard.key)
            out.append(
                {
                    "inspection_id": row["inspection_id"],
                    "provider_id": row["provider_id"],
                    "provider": row["provider"],
                    "type": row["type"],
                    "framework": framework.id,
                    "published": row["published"],
                    "standard_key": standard.key,
                    "standard_number": standard.number,
                    "standard": standard.name,
                    "rating": word or NOT_RECORDED,
                    "points": framework.points[word] if word else None,
                }
            )
    return out


def to_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str], flavour: str = "plain") -> str:
    """CSV with CRLF line ends, booleans as true/false, missing values empty.

    The spreadsheet flavour starts with a byte-order mark and prefixes with an apostrophe any
    cell that starts with = + - @ tab or carriage return, so that no spreadsheet runs it.
    """
    fields = list(fields)
    booleans = [i for i, f in enumerate(fields) if f in BOOLEAN]
    neutralise = flavour == "spreadsheet"

    def cells(row: dict[str, Any]) -> list[Any]:
        values = [row[f] for f in fields]  # csv writes None as empty, numbers as text
        for i in booleans:
            values[i] = "" if values[i] is None else "true" if values[i] else "false"
        if neutralise:
            values = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in values]
        return values

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    writer.writerows(map(cells, rows))
    return ("\ufeff" if neutralise else "") + buffer.getvalue()


def to_json(rows: list[dict[str, Any]]) -> str:
    """A JSON array, one object a line: readable, and quick to write (the C encoder)."""
    if not rows:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n]\n"


def table_rows(data: Dataset, tables: Tables, table_name: str) -> list[dict[str, Any]]:
    if table_name == "ratings":
        return rating_records(data, tables)
    rows = tables.league_rows if table_name == "league" else tables.inspection_rows
    return records(rows, LEAGUE_FIELDS if table_name == "league" else INSPECTION_FIELDS, tables.groups)


def render(
    data: Dataset,
    tables: Tables,
    table_name: str,
    fmt: str,
    flavour: str = "plain",
    rows: list[dict[str, Any]] | None = None,
) -> str:
    """One table as CSV (either flavour) or JSON text; `rows` when already built."""
    rows = table_rows(data, tables, table_name) if rows is None else rows
    if fmt == "json":
        return to_json(rows)
    return to_csv(rows, fields_for(table_name, tables.groups), flavour)


def to_sqlite(data: Dataset, tables: Tables, built: dict[str, list[dict[str, Any]]] | None = None) -> bytes:
    """The three tables in one SQLite database (for sqlite3, Datasette), as bytes."""
    handle, name = tempfile.mkstemp(suffix=".db")
    os.close(handle)
    try:
        connection = sqlite3.connect(name)
        with connection:
            connection.execute("PRAGMA journal_mode = OFF")
            for table_name in TABLES:
                fields = fields_for(table_name, tables.groups)
                keys = _primary_key(table_name)
                columns = ", ".join(f'"{f}" {_sql_type(f)}' for f in fields)
                primary = ", ".join(f'"{k}"' for k in keys)
                connection.execute(f'CREATE TABLE "{table_name}" ({columns}, PRIMARY KEY ({primary}))')
                marks = ", ".join("?" for _ in fields)
                rows = built[table_name] if built else table_rows(data, tables, table_name)
                connection.executemany(
                    f'INSERT INTO "{table_name}" VALUES ({marks})', [[_sql_value(r[f]) for f in fields] for r in rows]
                )
        connection.close()
        with open(name, "rb") as stream:
            return stream.read()
    finally:
        os.unlink(name)


def _sql_type(field: str) -> str:
    return "INTEGER" if field in INTEGER or field in BOOLEAN else "TEXT"


def _sql_value(value: Any) -> Any:
    return int(value) if isinstance(value, bool) else value


def _primary_key(table_name: str) -> list[str]:
    return {"league": ["provider_id"], "inspections": ["inspection_id"], "ratings": ["inspection_id", "standard_key"]}[
        table_name
    ]


def datapackage(tables: Tables) -> str:
    """A Frictionless Data Package describing the plain CSVs: types, the rating scale, keys."""
    scale = [*RATINGS, NOT_RECORDED]
    labels = set(standard_columns(tables.groups))
    resources = []
    for table_name in TABLES:
        fields = []
        for name in fields_for(table_name, tables.groups):
            field: dict[str, Any] = {
                "name": name,
                "type": "integer" if name in INTEGER else "boolean" if name in BOOLEAN else "string",
            }
            if name in DESCRIPTIONS:
                field["description"] = DESCRIPTIONS[name]
            if name in labels or name == "rating":
                field["description"] = f"Rating of standard {name}" if name in labels else DESCRIPTIONS["rating"]
                field["constraints"] = {"enum": scale}
                field["categories"] = scale
                field["categoriesOrdered"] = True
            if name == "published":
                field["constraints"] = {"pattern": r"\d{4}(-\d{2}(-\d{2})?)?"}
            fields.append(field)
        schema: dict[str, Any] = {"fields": fields, "primaryKey": _primary_key(table_name), "missingValues": [""]}
        if table_name == "ratings":
            schema["foreignKeys"] = [
                {"fields": ["inspection_id"], "reference": {"resource": "inspections", "fields": ["inspection_id"]}}
            ]
        resources.append(
            {
                "name": table_name,
                "path": f"{STEMS[table_name]}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    package = {
        "name": "probation-ratings",
        "title": "HM Inspectorate of Probation ratings (unofficial compilation)",
        "description": (
            "Inspection ratings of probation providers in England and Wales, each from a cited public source."
        ),
        "profile": "tabular-data-package",
        "licenses": [
            {
                "name": "OGL-UK-3.0",
                "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                "title": "Open Government Licence v3.0",
            }
        ],
        "sources": [
            {"title": "HM Inspectorate of Probation", "path": "https://www.justiceinspectorates.gov.uk/hmiprobation/"}
        ],
        "resources": resources,
    }
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"


def export_table(data: Dataset, table_name: str, fmt: str, as_of: dt.date | None = None, flavour: str = "plain") -> str:
    """What `ratings export` writes for CSV and JSON: one table as text."""
    return render(data, build(data, as_of), table_name, fmt, flavour)


def export_sqlite(data: Dataset, as_of: dt.date | None = None) -> bytes:
    """What `ratings export --format sqlite` writes: every table in one database."""
    return to_sqlite(data, build(data, as_of))
