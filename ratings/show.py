"""`ratings show`: the league table in a terminal, within 100 columns."""

from __future__ import annotations

from typing import Any

from ratings import export
from ratings.models import NOT_RECORDED
from ratings.table import Tables

ABBREVIATIONS = {
    "Outstanding": "O",
    "Good": "G",
    "Requires improvement": "RI",
    "Inadequate": "I",
    "not rated": "NR",
    NOT_RECORDED: "?",
}
LEGEND = (
    "O Outstanding, G Good, RI Requires improvement, I Inadequate, NR not rated, ? not recorded, "
    ". not part of the framework. Score: * a published total; - not known (not every standard recorded)."
)


def render(tables: Tables, provider_type: str | None = None, width: int = 100) -> str:
    lines: list[str] = []
    for group in tables.groups:
        rows = [
            r
            for r in export.records(tables.league_rows, export.LEAGUE_FIELDS, tables.groups)
            if r["table"] == group.title and (provider_type is None or r["type"] == provider_type)
        ]
        if not rows:
            continue
        numbers = [c.number for c in group.columns]
        cell = max(3, *(len(n) for n in numbers)) + 1
        fixed = 5 + 7 + 4 + 8 + cell * len(numbers)
        name_width = max(12, width - fixed)
        if lines:
            lines.append("")
        lines.append(_fit(f"{group.title} (scores out of {group.max_score})", width))
        header = f"{'Rank':<5}{'Provider':<{name_width}}{'Type':<7}{'All':<4}{'Score':<8}" + "".join(
            f"{n:<{cell}}" for n in numbers
        )
        lines += [_fit(header.rstrip(), width), _fit("-" * len(header.rstrip()), width)]
        for r in rows:
            lines.append(_fit(_row(r, group, name_width, cell), width))
    if not lines:
        return "No inspections to show.\n"
    lines += ["", *_wrap(LEGEND, width)]
    return "\n".join(lines) + "\n"


def _row(r: dict[str, Any], group: Any, name_width: int, cell: int) -> str:
    name = r["provider"] if len(r["provider"]) < name_width else r["provider"][: name_width - 2] + "…"
    if r["score"] is None:
        score = "-"
    else:
        score = f"{r['score']}/{r['max_score']}" + ("*" if r["score_basis"] == "published total" else "")
    marks = "".join(f"{ABBREVIATIONS.get(r.get(c.label) or '', '.'):<{cell}}" for c in group.columns)
    overall = ABBREVIATIONS[r["overall"]]
    return f"{r['rank_label']:<5}{name:<{name_width}}{r['type']:<7}{overall:<4}{score:<8}{marks}".rstrip()


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width)
