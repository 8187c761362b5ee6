"""Stage 4b: the tables as CSV and JSON, from the ranked frames of `table.py`.

Rating cells hold one of the four words, "not recorded", or nothing at all where the standard
is not part of that inspection's framework (a CRC has no court-work standard): `table.py`
already put them so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ratings.models import Dataset
from ratings.table import Group, Tables

if TYPE_CHECKING:
    import pandas as pd

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
TAIL_FIELDS = ("report_url", "sources")  # sources: the cited pages, separated by spaces


def standard_columns(groups: Sequence[Group]) -> list[str]:
    """Every standard's "number name" label, grouped by table, each once."""
    seen: dict[str, None] = {}
    for group in groups:
        for column in group.columns:
            seen.setdefault(column.label, None)
    return list(seen)


def records(frame: pd.DataFrame, fields: Sequence[str], groups: Sequence[Group]) -> list[dict[str, Any]]:
    """Plain rows in a fixed column order, with missing values as None."""
    labels = standard_columns(groups)
    titles = {g.key: g.title for g in groups}
    out = []
    for row in frame.to_dict("records"):
        record: dict[str, Any] = {}
        for field in fields:
            value = titles[row["group"]] if field == "table" else row.get(field)
            record[field] = plain(value)
        for label in labels:
            record[label] = plain(row.get(f"rating:{label}"))
        for field in TAIL_FIELDS:
            record[field] = plain(row.get(field))
        out.append(record)
    return out


def plain(value: Any) -> Any:
    """pandas' missing values and numpy scalars to plain Python."""
    if value is None:
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def to_csv(rows: Iterable[dict[str, Any]], fields: Sequence[str]) -> str:
    """RFC 4180 CSV (CRLF line ends), booleans as true/false, missing values empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row[f] is None else _cell(row[f]) for f in fields])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def fields_for(table_name: str, groups: Sequence[Group]) -> list[str]:
    base = LEAGUE_FIELDS if table_name == "league" else INSPECTION_FIELDS
    return [*base, *standard_columns(groups), *TAIL_FIELDS]


def render(tables: Tables, table_name: str, fmt: str) -> str:
    """One table ("league" or "inspections") as "csv" or "json" text."""
    frame = tables.league if table_name == "league" else tables.inspections
    base = LEAGUE_FIELDS if table_name == "league" else INSPECTION_FIELDS
    rows = records(frame, base, tables.groups)
    return to_csv(rows, fields_for(table_name, tables.groups)) if fmt == "csv" else to_json(rows)


def export_table(data: Dataset, table_name: str, fmt: str, as_of: dt.date | None = None) -> str:
    from ratings import table

    return render(table.build(data, as_of), table_name, fmt)
