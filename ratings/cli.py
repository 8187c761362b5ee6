"""The command line: parse options, call one pipeline function, print, map errors to exit codes.

Bad data exits 1 with every problem on stderr as FILE:LINE:COL: field: message; usage errors
exit 2 (click's convention). Heavy modules are imported inside the commands that need them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ratings import __version__
from ratings.errors import DataError

if TYPE_CHECKING:
    from ratings.load import Started

F = TypeVar("F", bound=Callable[..., Any])


def _debug() -> bool:
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("debug"))


def _reports_data_errors(command: F) -> F:
    """Bad data: every problem on stderr, exit 1. Any other failure: one line, exit 1.

    No traceback unless `ratings --debug ...`.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DataError as exc:
            if _debug():
                raise
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            count = len(exc.problems)
            click.echo(f"Error: {count} problem{'s' if count != 1 else ''} found; nothing was written.", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except OSError as exc:
            if _debug():
                raise
            click.echo(f"Error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
            sys.exit(1)
        except Exception as exc:
            if _debug():
                raise
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {exc} (run `ratings --debug ...` for the traceback)", err=True
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _data_path(value: Path | None) -> tuple[Path, str]:
    """The data file and how to name it in messages (as the user gave it, or the default)."""
    from ratings.paths import LOCAL_DATA, default_data

    path = value if value is not None else default_data()
    shown = str(value) if value is not None else (str(LOCAL_DATA) if path == LOCAL_DATA else str(path))
    return path, shown


def _load(value: Path | None, strict: bool = False, started: Started | None = None) -> Any:
    """Load and validate; print warnings (valid but suspicious records) on stderr. `started`:
    the file's parse, begun earlier (`load.Started`)."""
    from ratings import collector
    from ratings.errors import Problem
    from ratings.validate import load_dataset

    path, shown = _data_path(value)
    warnings: list[Problem] = []
    with collector.paused(keep=True):  # the data lasts as long as the command
        data = load_dataset(path, shown, warnings=warnings, strict=strict, started=started)
    for warning in warnings:
        click.echo(str(warning), err=True)
    return data


def out_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True, help=help_text
    )


output_option = click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file (atomically) instead of standard output.",
)
strict_option = click.option(
    "--strict", is_flag=True, help="Treat warnings (records that contradict a framework's bands) as errors."
)


data_option = click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="The YAML data file. Default: ./data/ratings.yaml if it exists, else the copy shipped with the package.",
)
as_of_option = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Only inspections published on or before this date (YYYY-MM-DD).",
)


def _check_out(out: Path, data: Path) -> None:
    """Refuse an output folder whose replacement would destroy something that is not a build."""
    from ratings.atomic import unsafe_target

    reason = unsafe_target(out, data)
    if reason:
        raise click.BadParameter(f"{str(out)!r} {reason}", param_hint="--out")


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ratings")
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
def cli(debug: bool) -> None:
    """Probation inspection ratings: validate the records, build the league table site, export data.

    \b
    Example:
      ratings validate data/ratings.yaml
      ratings build --out site/
    """


@cli.command()
@data_option
@out_option("Folder to write the site into (replaced whole; only an earlier build or an empty folder).")
@as_of_option
@click.option(
    "--site-url",
    default=None,
    metavar="URL",
    help="Where the site will be hosted (https://...): used for absolute links in feed.xml and sitemap.xml only.",
)
@strict_option
@_reports_data_errors
def build(data: Path | None, out: Path, as_of: dt.datetime | None, site_url: str | None, strict: bool) -> None:
    """Build the static league table site (HTML, CSV and JSON) into a folder.

    The data is validated first; the folder is only replaced once every file is ready.
    Without --site-url no sitemap.xml is written (a sitemap needs absolute addresses).

    \b
    Example:
      ratings build --as-of 2019-09-30 --out site/
      ratings build --site-url https://example.org/probation/
    """
    from ratings.allocator import keep_freed_memory
    from ratings.load import HEAD_START, Started

    keep_freed_memory()  # before the second process starts: both keep the setting
    if site_url is not None and not site_url.startswith(("https://", "http://")):
        raise click.BadParameter(f"{site_url!r} is not a web address (expected https://...)", param_hint="--site-url")
    path, shown = _data_path(data)
    _check_out(out, path)
    # A large file's second part is read in another process while this one imports the rest.
    with contextlib.closing(Started.reading(path, shown, HEAD_START)) as started:
        from ratings.atomic import replace_dir
        from ratings.site import write_site

        dataset = _load(data, strict, started)
    count = replace_dir(lambda folder: write_site(dataset, folder, _day(as_of), site_url), out)
    click.echo(f"Built {count} files into {out}/")


@cli.command()
@data_option
@out_option("Folder to build into and serve.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@as_of_option
@_reports_data_errors
def serve(data: Path | None, out: Path, port: int, as_of: dt.datetime | None) -> None:
    """Build the site, serve it on 127.0.0.1 and rebuild when the data or templates change.

    A local preview: stop it with Ctrl+C. A change that breaks the data is reported and the
    last good build stays up.

    \b
    Example:
      ratings serve --port 8000
    """
    import threading

    from ratings.paths import templates_dir
    from ratings.serve import Preview, make_server

    path, shown = _data_path(data)
    _check_out(out, path)
    dataset = _load(data)  # bad data at the start: every problem reported, exit 1, as build does
    preview = Preview(path, shown, out, _day(as_of), [path, templates_dir()], click.echo)
    preview.build(dataset)
    server = make_server(out, port)
    click.echo(f"Serving {out}/ at http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)")
    threading.Thread(target=preview.watch_forever, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        preview.stop()
        server.server_close()


@cli.command()
@click.argument("path", type=click.Path(path_type=Path), required=False)
@strict_option
@_reports_data_errors
def validate(path: Path | None, strict: bool) -> None:
    """Check a data file and print a one-line summary; list every problem otherwise.

    \b
    Example:
      ratings validate data/ratings.yaml
    """
    from ratings.coverage import summary

    data = _load(path, strict)
    _, shown = _data_path(path)
    click.echo(f"{shown}: OK: {summary(data)}")


@cli.command()
@data_option
@_reports_data_errors
def stats(data: Path | None) -> None:
    """Coverage: per provider, inspections, overall ratings and standard ratings recorded.

    "Overall" counts inspections whose overall rating is recorded ("not rated" included);
    "Standards" counts standard ratings recorded, "of" those the frameworks ask for.

    \b
    Example:
      ratings stats --data data/ratings.yaml
    """
    from ratings.coverage import report

    click.echo(report(_load(data)), nl=False)


@cli.command()
@data_option
@click.option(
    "--table",
    "table_name",
    type=click.Choice(["league", "inspections", "ratings"]),
    default="league",
    show_default=True,
    help="league: one row per provider; inspections: one per inspection; ratings: one per inspection and standard.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "sqlite"]),
    default="csv",
    show_default=True,
    help="sqlite writes all three tables into one database (needs --output).",
)
@click.option(
    "--flavour",
    type=click.Choice(["plain", "spreadsheet"]),
    default="plain",
    show_default=True,
    help="CSV only. plain: RFC 4180 UTF-8 for programs; spreadsheet: with a byte-order mark, formulas neutralised.",
)
@as_of_option
@output_option
@strict_option
@_reports_data_errors
def export(
    data: Path | None,
    table_name: str,
    fmt: str,
    flavour: str,
    as_of: dt.datetime | None,
    output: Path | None,
    strict: bool,
) -> None:
    """Write a table as CSV or JSON, or every table as a SQLite database.

    \b
    Example:
      ratings export --table inspections --format csv --flavour spreadsheet --output inspections.csv
      ratings export --format sqlite --output ratings.db
    """
    from ratings.export import export_sqlite, export_table

    if fmt == "sqlite" and output is None:
        raise click.UsageError("--format sqlite writes a database file: give --output FILE")
    dataset = _load(data, strict)
    if fmt == "sqlite":
        content = export_sqlite(dataset, _day(as_of))
    else:
        content = export_table(dataset, table_name, fmt, _day(as_of), flavour).encode("utf-8")
    if output is None:
        click.echo(content.decode("utf-8"), nl=False)
    else:
        from ratings.atomic import write_file

        write_file(output, content)


@cli.command()
@data_option
@as_of_option
@click.option(
    "--type",
    "provider_type",
    type=click.Choice(["CRC", "NPS", "PDU", "region"]),
    default=None,
    help="Only this type of provider.",
)
@_reports_data_errors
def show(data: Path | None, as_of: dt.datetime | None, provider_type: str | None) -> None:
    """Print the league table in the terminal (within 100 columns, ratings abbreviated).

    \b
    Example:
      ratings show --type NPS --as-of 2019-09-30
    """
    from ratings.show import render
    from ratings.table import build

    click.echo(render(build(_load(data), _day(as_of)), provider_type), nl=False)


def _split_rating(values: tuple[str, ...]) -> dict[str, str]:
    ratings = {}
    for value in values:
        key, sep, word = value.partition("=")
        if not sep or not key.strip() or not word.strip():
            raise click.BadParameter(f"{value!r} (expected KEY=RATING, e.g. leadership=Good)", param_hint="--rating")
        ratings[key.strip()] = word.strip()
    return ratings


@cli.command()
@data_option
@click.option("--provider", help="The provider's id (as in providers:).")
@click.option("--framework", help="The framework's id. Default: the provider's latest inspection's framework.")
@click.option("--published", help="Publication date: YYYY-MM-DD (or YYYY-MM / YYYY where only that is known).")
@click.option("--overall", help='Overall rating: Outstanding, Good, Requires improvement, Inadequate or "not rated".')
@click.option(
    "--rating",
    "ratings",
    multiple=True,
    metavar="KEY=RATING",
    help="A standard's rating, e.g. leadership=Good. Repeat.",
)
@click.option("--source", "sources", multiple=True, metavar="URL", help="A page the values come from. Repeat.")
@click.option("--report-url", default=None, help="The report's web page.")
@click.option("--fieldwork", default=None, help="Month fieldwork began (YYYY-MM).")
@click.option("--programme", default=None, help='Inspection programme, e.g. "2023 onwards".')
@click.option("--owner", default=None, help="Owner at the time, if the provider's history cannot say.")
@click.option("--published-score", type=int, default=None, help='A total the source states ("8 out of 27": 8).')
@click.option("--notes", default=None, help="What a reader should know.")
@_reports_data_errors
def add(data: Path | None, **fields: Any) -> None:
    """Add one inspection to the data file; prompts for what is missing.

    Without --framework the provider's latest inspection's framework is used.

    The whole file is validated with the new record before anything is written; a refused
    record leaves the file exactly as it was. Existing comments and layout are kept.

    \b
    Example:
      ratings add --provider pdu-sheffield --published 2024-10-24 --overall Inadequate \\
        --rating leadership=Requires\\ improvement --source https://example.org/press-release
    """
    from ratings.add import add_inspection

    path, shown = _data_path(data)
    current = _load(data)
    record: dict[str, Any] = {k: v for k, v in fields.items() if k not in ("ratings", "sources")}
    record["provider"] = record["provider"] or click.prompt("Provider id")
    if record["framework"] is None:
        # The provider's latest framework; asked for only when it has no inspection yet.
        earlier = [i for i in current.inspections if i.provider == record["provider"]]
        if earlier:
            record["framework"] = max(earlier, key=lambda i: i.published.latest).framework
        else:
            record["framework"] = click.prompt("Framework id")
    record["published"] = record["published"] or click.prompt("Published (YYYY-MM-DD)")
    record["overall"] = record["overall"] or click.prompt("Overall rating")
    record["ratings"] = _split_rating(fields["ratings"])
    sources = list(fields["sources"]) or [click.prompt("Source URL")]
    record["sources"] = sources
    result, line = add_inspection(path, shown, record, current)
    key = result.inspections[-1].key
    click.echo(f"Added inspection {key} to {shown} at line {line}.")


@cli.command()
@output_option
@_reports_data_errors
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the data file (for editors that check YAML as it is typed).

    \b
    Example:
      ratings schema --output data/ratings.schema.json
    """
    from ratings.schema import text

    if output is None:
        click.echo(text(), nl=False)
    else:
        from ratings.atomic import write_file

        write_file(output, text().encode("utf-8"))


def main() -> None:
    """The `ratings` command. A finished command ends its process at once, output flushed:
    Python's own teardown freed a large build's objects one by one (half a second after 50,000
    inspections), while the system takes the memory back whole. (`cli` called in a process
    that goes on, as click's test runner does, returns as usual.)"""
    from ratings import allocator

    allocator.keep_to_the_end()  # this process ends with os._exit, below
    try:
        cli(prog_name="ratings")
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            raise done from None  # a closed or broken stream: Python's usual exit reports it
        os._exit(done.code or 0)
