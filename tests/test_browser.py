"""The built site in a real browser: headless Chromium (Debian's), driven by Playwright.

Locally, a missing browser or axe-core skips these tests with a message; in CI (CI=true) it
fails them. `make browser-setup` installs both (Debian's chromium, axe-core from npm).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ratings.atomic import replace_dir
from ratings.site import build_files
from ratings.validate import load_dataset

from .conftest import REPO, SMALL

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = REPO / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Without these, Chromium tries to reach Google's services at start: this machine has no network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI (make browser-setup installs it)")
    pytest.skip(f"{what} is not installed: run `make browser-setup` to run the browser tests")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        missing("Chromium (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright (pip package playwright)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def built(tmp: Path, data: Path) -> Path:
    out = tmp / "site"
    replace_dir(build_files(load_dataset(data)), out)
    return out


@pytest.fixture(scope="module")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(tmp_path_factory.mktemp("real"), REPO / "data" / "ratings.yaml")


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(tmp_path_factory.mktemp("small"), SMALL)


class Watched:
    """A page with every console error and every request it makes recorded."""

    def __init__(self, browser: Any, site: Path, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.site = site

    def open(self, relative: str) -> Any:
        self.page.goto((self.site / relative).as_uri())
        return self.page

    def outside(self) -> list[str]:
        inside = self.site.as_uri() + "/"
        return [url for url in self.requests if not url.startswith(inside)]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any) -> Iterator[Any]:
    opened: list[Watched] = []

    def make(site: Path, **context: Any) -> Watched:
        w = Watched(browser, site, **context)
        opened.append(w)
        return w

    yield make
    for w in opened:
        w.close()


def column(page: Any, table: str, index: int) -> Any:
    """The data-sort values (or text) of one column, in the order shown."""
    return page.eval_on_selector_all(
        f"{table} tbody tr:not([hidden])",
        "(rows, i) => rows.map(r => r.cells[i].getAttribute('data-sort') ?? r.cells[i].textContent.trim())",
        index,
    )


def providers(page: Any, table: str = "#league-1") -> Any:
    return page.eval_on_selector_all(f"{table} tbody tr:not([hidden]) th a", "els => els.map(e => e.textContent)")


def header(page: Any, table: str, text: str) -> Any:
    return page.locator(f"{table} thead th", has_text=text).first


def test_sort_by_score_and_by_a_standard(watched: Any, small_site: Path):
    w = watched(small_site)
    page = w.open("index.html")
    assert providers(page) == ["NPS North", "Alpha CRC", "Beta CRC", "Delta CRC", "Gamma CRC"]

    score = header(page, "#league-1", "Score")
    score.locator("button").click()
    assert score.get_attribute("aria-sort") == "descending"
    assert [float(v) for v in column(page, "#league-1", 7)] == [7.0, 6.0, 5.0, 5.0, -1.0]
    assert header(page, "#league-1", "Rank").get_attribute("aria-sort") is None
    score.locator("button").click()
    assert score.get_attribute("aria-sort") == "ascending"
    assert providers(page)[0] == "Gamma CRC"

    # A rating column sorts in rating order (Outstanding first), not alphabetically.
    assessment = header(page, "#league-1", "Assessment")
    assessment.locator("button").click()
    cells = page.eval_on_selector_all("#league-1 tbody tr", "rows => rows.map(r => r.cells[9].textContent.trim())")
    assert cells == ["Good", "Good", "Good", "Requires improvement", "not recorded"]
    assert w.errors == []


def test_a_provider_link_leads_to_its_history(watched: Any, real_site: Path):
    w = watched(real_site)
    page = w.open("index.html")
    page.get_by_role("link", name="Thames Valley CRC").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/providers/thames-valley-crc.html")
    assert page.locator("h1").text_content() == "Thames Valley CRC"
    assert "Requires improvement to Good" in page.locator("table.ratings").text_content()
    assert w.errors == []


def test_filters_hide_rows_and_say_how_many(watched: Any, real_site: Path):
    w = watched(real_site)
    page = w.open("index.html")
    page.select_option("select[name=type]", "NPS")
    shown = providers(page)  # the first table: CRCs and NPS divisions
    assert len(shown) == 8 and all(name.startswith("NPS") for name in shown)
    inspected = {i.provider for i in load_dataset(REPO / "data" / "ratings.yaml").inspections}
    assert page.locator(".filter-status").text_content() == f"Showing 8 of {len(inspected)} providers."  # every table
    page.select_option("select[name=area]", "Wales")
    assert providers(page) == ["NPS Wales"]


def test_without_javascript_the_table_is_complete_and_in_order(watched: Any, small_site: Path):
    w = watched(small_site, java_script_enabled=False)
    page = w.open("index.html")
    assert providers(page) == ["NPS North", "Alpha CRC", "Beta CRC", "Delta CRC", "Gamma CRC"]
    assert page.locator("form.filters").is_hidden()


PAGES = [
    "index.html",
    "providers/hampshire-iow-crc.html",
    "owners/index.html",
    "owners/seetec.html",
    "areas/index.html",
    "areas/north-east.html",
    "standards.html",
    "methodology.html",
    "404.html",
]


@pytest.mark.parametrize("relative", PAGES)
def test_every_page_stands_alone_and_passes_axe(watched: Any, real_site: Path, relative: str):
    if not AXE.is_file():
        missing("axe-core (npm package axe-core)")
    w = watched(real_site)
    page = w.open(relative)
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations'], preload: false})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert w.errors == []
    assert w.outside() == []


def test_on_a_phone_the_page_does_not_scroll_sideways(watched: Any, real_site: Path):
    w = watched(real_site, viewport={"width": 390, "height": 800}, is_mobile=True)
    page = w.open("index.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The table scrolls inside its box, with the provider column kept in view.
    assert page.evaluate("getComputedStyle(document.querySelector('#league-1 th.provider')).position") == "sticky"
    box = page.locator(".scroll").first
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")


def test_hostile_text_shows_as_text_and_never_runs(watched: Any, tmp_path: Path):
    hostile = tmp_path / "hostile.yaml"
    text = SMALL.read_text()
    text = text.replace(
        "name: Alpha CRC", "name: \"<script>window.__xss = 1</script><img src=x onerror='window.__xss = 2'>\""
    )
    text = text.replace("name: Acme Justice", "name: \"<svg onload='window.__xss = 3'>\"")
    text = text.replace(
        "notes: Only the month of publication is known.",
        "notes: \"<iframe srcdoc='<script>parent.__xss = 4</script>'></iframe>\"",
    )
    text = text.replace("https://example.org/alpha-2018-press", 'https://example.org/a\\"onmouseover=\\"window.__xss=5')
    hostile.write_text(text)
    site = built(tmp_path, hostile)
    w = watched(site)
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    w.page.on("dialog", on_dialog)
    for relative in (
        "index.html",
        "providers/alpha-crc.html",
        "providers/gamma-crc.html",
        "owners/acme.html",
        "areas/north.html",
        "standards.html",
    ):
        page = w.open(relative)
        page.mouse.move(10, 10)
        assert page.evaluate("window.__xss") is None, relative
    page = w.open("index.html")
    assert "<script>window.__xss = 1</script>" in page.locator("#league-1").inner_text()
    assert dialogs == []
    assert w.outside() == []
