"""The command line: parse options, call one pipeline function, print, map errors to exit codes.

Bad data exits 1 with every problem on stderr as FILE:LINE:COL: field: message; usage errors
exit 2 (click's convention). Heavy modules are imported inside the commands that need them.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from ratings import __version__
from ratings.errors import DataError

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


def _load(value: Path | None, strict: bool = False) -> Any:
    """Load and validate; print warnings (valid but suspicious records) on stderr."""
    from ratings.errors import Problem
    from ratings.validate import load_dataset

    path, shown = _data_path(value)
    warnings: list[Problem] = []
    data = load_dataset(path, shown, warnings=warnings, strict=strict)
    for warning in warnings:
        click.echo(str(warning), err=True)
    return data


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
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder to write the site into (replaced whole).",
)
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
    from ratings.atomic import replace_dir
    from ratings.site import build_files

    if site_url is not None and not site_url.startswith(("https://", "http://")):
        raise click.BadParameter(f"{site_url!r} is not a web address (expected https://...)", param_hint="--site-url")
    path, _ = _data_path(data)
    _check_out(out, path)
    files = build_files(_load(data, strict), _day(as_of), site_url)
    replace_dir(files, out)
    click.echo(f"Built {len(files)} files into {out}/")


@cli.command()
@data_option
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Folder to build into and serve.",
)
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
    _load(data)  # bad data at the start: report every problem and exit 1, as build does
    preview = Preview(path, shown, out, _day(as_of), [path, templates_dir()], click.echo)
    preview.build()
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
    type=click.Choice(["league", "inspections"]),
    default="league",
    show_default=True,
    help="Which table.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True, help="Output format."
)
@as_of_option
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file instead of standard output.",
)
@strict_option
@_reports_data_errors
def export(
    data: Path | None, table_name: str, fmt: str, as_of: dt.datetime | None, output: Path | None, strict: bool
) -> None:
    """Print the league table or every inspection as CSV or JSON.

    \b
    Example:
      ratings export --table inspections --format csv --output inspections.csv
    """
    from ratings.export import export_table

    text = export_table(_load(data, strict), table_name, fmt, _day(as_of))
    if output is None:
        click.echo(text, nl=False)
    else:
        from ratings.atomic import write_file

        write_file(output, text.encode("utf-8"))


def main() -> None:
    cli(prog_name="ratings")
