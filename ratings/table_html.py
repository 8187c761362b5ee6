"""The body rows of the ratings tables, and the notes listed under a provider's table, as HTML
built in Python.

A large dataset has over a hundred thousand table rows across its pages; through a jinja2
macro each took a hundred or so escaped expressions, and the site half a minute. Here the
parts of a row that do not depend on the page (ratings, score, links) are made once per row
and the rest joined with f-strings. The output is the same, byte for byte, as the macro in
`templates/_macros.html` that this replaced (the golden tests hold it), and the table's
head, caption and wrapper stay in that template: change both together.

Every value goes through `esc`, which escapes exactly as jinja2's autoescape (markupsafe) does.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ratings.table import ARROWS

if TYPE_CHECKING:
    from ratings.pages import Cell, Row
    from ratings.table import Movement

MODES = ("league", "history", "owner", "heatmap")


def esc(value: object) -> str:
    """Text safe in HTML content and quoted attributes: markupsafe's escaping, without a Markup object.

    A row's texts repeat across rows and pages (owners, areas, dates, names): each is looked at
    once and remembered, up to _ESCAPED_MAX of them (text only: 1 and True are one key)."""
    if type(value) is not str:
        return esc_unique(str(value))
    known = _ESCAPED.get(value)
    if known is None:
        known = esc_unique(value)
        if len(_ESCAPED) < _ESCAPED_MAX:
            _ESCAPED[value] = known
    return known


def esc_unique(text: str) -> str:
    """`esc` for text that hardly ever repeats (addresses, inspection ids): escaped without being
    remembered, which costs more than it saves (a fifth of the instructions of a row's links)
    and fills the memory that repeated texts need."""
    if "&" in text or "<" in text or ">" in text or "'" in text or '"' in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("'", "&#39;").replace('"', "&#34;")
    return text


_ESCAPED: dict[str, str] = {}
_ESCAPED_MAX = 100_000


_CELLS: dict[str, str] = {}  # a rating cell's HTML depends on its word alone
_WORD = operator.attrgetter("word")


def _cell(c: Cell) -> str:
    html = _CELLS.get(c.word)
    if html is None:
        html = _CELLS[c.word] = f'<td class="rating {esc(c.css)}" data-sort="{c.sort}">{esc(c.word)}</td>\n'
    return html


def body(rows: tuple[Row, ...], mode: str, root: str, moves: Mapping[str, Movement] | None = None) -> str:
    """Every row of a table, each ending in a line break; `moves` for a history's movement column."""
    if mode not in MODES:
        raise ValueError(f"unknown table mode {mode!r} (expected one of: {', '.join(MODES)})")
    moves = moves or {}
    root = esc(root)  # escaped once here, not in every row
    return "".join([_row(r, mode, root, moves) for r in rows])


def _row(r: Row, mode: str, root: str, moves: Mapping[str, Movement]) -> str:
    """One row; `root` already escaped."""
    # The same inspection appears on several pages: what its row says on all of them (its
    # data attributes, date, ratings, cells and links) is made once.
    html = r.html
    if not html:
        html["data"] = f' data-type="{esc(r.type)}" data-owner="{esc(r.owner)}" data-area="{esc(r.area)}">\n'
        html["time"] = _time(r)
        html["ratings"] = _rating_and_score(r)
        html["cells"] = _cells(r)
        html["links"] = _links(r)
    # One f-string a mode, not a list of cells joined: a fifth fewer instructions a row.
    if mode == "history":
        return (
            f'<tr id="{esc_unique(r.inspection_id)}"{html["data"]}'
            f'<th scope="row" class="provider" data-sort="{r.published_sort}">{html["time"]}</th>'
            f"{_owner(r, root)}<td>{esc(r.programme or 'not recorded')}</td>{html['ratings']}"
            f'<td class="movement">{_movement(moves.get(r.inspection_id))}</td>{html["cells"]}{html["links"]}</tr>\n'
        )
    provider = f'<th scope="row" class="provider"><a href="{root}{esc(r.provider_href)}">{esc(r.provider)}</a></th>'
    if mode == "owner":
        return (
            f'<tr{html["data"]}{provider}<td>{esc(r.type)}</td><td data-sort="{r.published_sort}">{html["time"]}</td>'
            f"{html['ratings']}{html['cells']}{html['links']}</tr>\n"
        )
    rank = f'<td class="rank" data-sort="{r.rank}">{esc(r.rank_label)}</td>'
    if mode == "heatmap":
        return f"<tr{html['data']}{rank}{provider}{html['ratings']}{html['cells']}</tr>\n"
    return (
        f"<tr{html['data']}{rank}{provider}<td>{esc(r.type)}</td>{_owner(r, root)}"
        f'<td><a href="{root}{esc(r.area_href)}">{esc(r.area)}</a></td>'
        f'<td data-sort="{r.published_sort}">{html["time"]}</td>{html["ratings"]}{html["cells"]}{html["links"]}</tr>\n'
    )


def _owner(r: Row, root: str) -> str:
    owner = esc(r.owner)
    href = r.owner_href
    return f'<td><a href="{root}{esc(href)}">{owner}</a></td>' if href else f"<td>{owner}</td>"


def _time(r: Row) -> str:
    return f'<time datetime="{esc(r.published_iso)}">{esc(r.published)}</time>'


def _rating_and_score(r: Row) -> str:
    partial = "" if r.complete else " partial"
    return (
        f'  <td class="rating {esc(r.overall_css)}" data-sort="{r.overall_sort}">{esc(r.overall)}</td>\n'
        f'  <td class="score{partial}" data-sort="{r.score_sort}">{esc(r.score_text)}</td>\n'
    )


def _cells(r: Row) -> str:
    try:  # every cell's HTML known by its word: looked up in C, not made by a call a cell
        return "".join(map(_CELLS.__getitem__, map(_WORD, r.cells)))
    except KeyError:
        return "".join([_cell(c) for c in r.cells])


def _links(r: Row) -> str:
    about = f"{esc(r.provider)}, {esc(r.published)}"
    if r.report_url:
        report = f'<a href="{esc_unique(r.report_url)}">Report<span class="visually-hidden"> on {about}</span></a>'
    else:
        report = '<span class="muted">report link not recorded</span>'
    # A list, not a generator, for join: most rows cite one or two sources.
    sources = "".join(
        [
            f' <a href="{esc_unique(s)}">{n}<span class="visually-hidden"> for {about}</span></a>'
            for n, s in enumerate(r.sources, 1)
        ]
    )
    return f'<td class="links">{report}    <br>Sources:{sources}</td>'


_MOVEMENTS: dict[tuple[str, str, str, str], str] = {}  # a few hundred distinct ones in a large site


def _movement(m: Movement | None) -> str:
    if m is None:
        return "first inspection"
    key = (m.overall, m.overall_text, m.score, m.score_text)
    html = _MOVEMENTS.get(key)
    if html is None:
        html = _MOVEMENTS[key] = _movement_html(m)
    return html


def _movement_html(m: Movement) -> str:
    from ratings.pages import slug  # pages builds on this module

    return (
        f'<span class="move {esc(slug(m.overall))}"><span aria-hidden="true">{esc(ARROWS[m.overall])}</span>'
        f" Overall: {esc(m.overall_text)}</span><br>\n"
        f'<span class="move {esc(slug(m.score))}"><span aria-hidden="true">{esc(ARROWS[m.score])}</span>'
        f" Score: {esc(m.score_text)}</span>\n"
    )


def notes(rows: tuple[Row, ...]) -> str:
    """A provider page's notes on each inspection: a <dt> (date, programme, fieldwork) and a <dd>
    per row, each line indented and ended as the template's loop wrote them. Through jinja2, ten
    thousand provider pages spent 0.7 s on these lines alone."""
    out = []
    for r in rows:
        programme = f" ({esc(r.programme)} programme)" if r.programme else ""
        fieldwork = f", fieldwork from {esc(r.fieldwork)}" if r.fieldwork else ""
        out.append(
            f'  <dt><a href="#{esc_unique(r.inspection_id)}">{esc(r.published)}</a>{programme}{fieldwork}</dt>\n'
            f"  <dd>{esc(r.notes or 'No notes.')}</dd>\n"
        )
    return "".join(out)
