"""`ratings add`: one new inspection, appended to the data file as text.

The file is never re-serialised: the new record's lines are inserted after the last inspection,
so every other byte (comments, key order, blank lines) stays as it was. The whole file with the
new record is validated before anything is written, and the write is atomic.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import yaml

from ratings.atomic import write_file
from ratings.errors import DataError, Problem
from ratings.load import Locator, parse, read_text
from ratings.models import Dataset
from ratings.validate import validate

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def add_inspection(path: Path, shown: str, record: dict[str, Any], current: Dataset) -> tuple[Dataset, int]:
    """Insert `record` under inspections:, validate everything, write. `current` is the file's
    data as already validated. Returns the data and the (1-based) line where the record starts.
    Raises DataError and leaves the file untouched."""
    text = read_text(path, shown)
    position, indent = _insertion_point(text, shown)
    block = render_record(record, current, indent)
    before = text[:position]
    if before and not before.endswith("\n"):
        before += "\n"
    new_text = before + block + text[position:]
    data = validate(parse(new_text, shown), Locator(new_text), shown)
    write_file(path, new_text.encode("utf-8"))
    return data, before.count("\n") + 1


def _insertion_point(text: str, shown: str) -> tuple[int, int]:
    """Where the new item goes (just after the last inspection) and the items' indentation."""
    root = yaml.compose(text, Loader=_Loader)
    if not isinstance(root, yaml.MappingNode):
        raise DataError([Problem(shown, 1, 1, "", "expected a mapping with inspections:")])
    for key, value in root.value:
        if isinstance(key, yaml.ScalarNode) and key.value == "inspections":
            if isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
                position = _end_of(value.value[-1])
                if position and text[position - 1] != "\n":
                    newline = text.find("\n", position)
                    position = len(text) if newline == -1 else newline + 1
                return position, max(value.value[0].start_mark.column - 2, 0)
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "null", "~"):
                end = value.end_mark.index
                return end, 2
            line, column = value.start_mark.line + 1, value.start_mark.column + 1
            raise DataError(
                [
                    Problem(
                        shown,
                        line,
                        column,
                        "inspections",
                        "ratings add needs a block list here (expected '- provider: ...' items)",
                    )
                ]
            )
    raise DataError([Problem(shown, 1, 1, "", "no inspections: in the file (expected an inspections: list)")])


def _end_of(node: yaml.Node) -> int:
    """Where a node's own text ends. A block collection's end mark runs on past any comment lines
    that follow it, so follow its last value down to a scalar or a flow collection instead."""
    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _end_of(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _end_of(node.value[-1])
    return int(node.end_mark.index)


def _scalar(value: Any) -> str:
    if isinstance(value, str) and _DATE.match(value):
        return value  # a date as the file writes them, unquoted
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**9)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def render_record(record: dict[str, Any], data: Dataset, indent: int) -> str:
    """The record as YAML in the file's style: every standard of the framework listed, blank
    where not recorded, so the next maintainer fills in the blanks."""
    pad = " " * indent
    lines: list[str] = []
    first = True
    for key in ("id", "provider", "framework", "programme", "published", "fieldwork", "owner", "overall"):
        if record.get(key) is not None:
            lines.append(f"{pad}{'- ' if first else '  '}{key}: {_scalar(str(record[key]))}")
            first = False
    ratings: dict[str, str] = dict(record.get("ratings") or {})
    framework = data.frameworks_by_id.get(str(record.get("framework")))
    keys = [s.key for s in framework.standards] if framework else []
    keys += [k for k in ratings if k not in keys]  # unknown keys are kept, so validation names them
    if keys:
        lines.append(f"{pad}  ratings:")
        for key in keys:
            value = ratings.get(key)
            lines.append(f"{pad}    {key}:" + (f" {_scalar(value)}" if value else ""))
    for key in ("published_score", "published_max"):
        if record.get(key) is not None:
            lines.append(f"{pad}  {key}: {int(record[key])}")
    if record.get("report_url"):
        lines.append(f"{pad}  report_url: {_scalar(record['report_url'])}")
    lines.append(f"{pad}  sources:")
    lines += [f"{pad}    - {_scalar(s)}" for s in record.get("sources") or []]
    if record.get("notes"):
        lines.append(f"{pad}  notes: >-")
        lines += [f"{pad}    {line}" for line in textwrap.wrap(" ".join(str(record["notes"]).split()), 96)]
    return "\n".join(lines) + "\n"
