"""A small HTML reader for tests: table cells as text, links and resources of a page."""

from __future__ import annotations

from html.parser import HTMLParser


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[str] = []  # href of <a>
        self.resources: list[str] = []  # what the browser fetches by itself: link/script/img src/href
        self._table: str | None = None
        self._count = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag in ("link", "script", "img", "iframe", "source") and (a.get("src") or a.get("href")):
            self.resources.append(a.get("src") or a.get("href") or "")
        if tag == "table":
            self._count += 1
            self._table = a.get("id") or f"table-{self._count}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "span" and "visually-hidden" in (a.get("class") or "") and self._cell is not None:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._table and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def table(html: str, table_id: str) -> list[list[str]]:
    """Rows of a table (header row first), each cell's visible text."""
    return read(html).tables[table_id]
