"""Benchmark: time each stage of the pipeline and the whole build, on synthetic data and the real data.

Prints figures; it passes or fails nothing. Run from the repository root:

    .venv/bin/python benchmarks/bench.py                  # 1,000 and 10,000 providers (5,000 and 50,000 inspections)
    .venv/bin/python benchmarks/bench.py --providers 200 2000 --repeats 5

Each size is generated in the real YAML format (about five inspections per provider), then:
- stages in this process (load = read + YAML parse; validate; rank; render pages; export data files),
  each the median of --repeats runs;
- `ratings build` as a separate process: median wall time, each run into a new folder, then once
  more over the last site built; and in one more run, not timed, its peak resident memory (RSS,
  summed over its processes);
- the same build into a folder in memory (/dev/shm, where the system has one): the build's own
  time, without the file system's;
- on the real data: `ratings --help`, `ratings validate`, and `ratings build` against the time
  the same process spends importing its libraries (the two timed in turns).

Shared and virtual machines vary in speed from one minute to the next, so the benchmark also
times a fixed plain-Python loop (`machine_speed`) and a million small dicts made and sorted
(`memory_speed`) before and after: figures taken while these are slow are slow for the same
reason, and comparing runs means comparing them too. The two can disagree: the loop runs in the
processor's cache, while the build, like the dicts, waits on memory.

The file system varies too. A build makes ten thousand files, and on some file systems making a
file takes far longer soon after many were deleted (ext4 without a journal skips each recently
freed place one by one). So the benchmark times making 10,000 empty files in a new folder
beside the builds (`files_speed`), before and after, and builds in memory as well as on disk.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ratings.load import Locator, parse, read_text  # noqa: E402
from ratings.site import data_files, page_files, whole  # noqa: E402
from ratings.synthetic import dataset  # noqa: E402
from ratings.table import build  # noqa: E402
from ratings.validate import validate  # noqa: E402


def median_time(work: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run(command: Callable[[int], list[str]], cwd: Path, repeats: int) -> float:
    """Median wall time of a command (`command(i)` is the i-th run's). This process only waits
    meanwhile: memory is measured in a run of its own (`peak_memory`)."""
    return statistics.median(timed(command(i), cwd) for i in range(repeats))


def in_turns(
    first: Callable[[int], list[str]], second: Callable[[int], list[str]], cwd: Path, repeats: int
) -> tuple[float, float]:
    """Median wall times of two commands run in turns, so that both are timed at the same moments
    of a machine whose speed varies."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(repeats):
        times[0].append(timed(first(i), cwd))
        times[1].append(timed(second(i), cwd))
    return statistics.median(times[0]), statistics.median(times[1])


def timed(args: list[str], cwd: Path) -> float:
    """Wall time of one run of a command, which must succeed. The disk is brought up to date
    first (`settle`), so that no run is timed while the system writes out an earlier one's files."""
    settle()
    started = time.perf_counter()
    completed = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    _succeeded(args, completed.returncode)
    return seconds


def settle() -> None:
    """Write out whatever earlier runs left waiting for the disk. A 50,000 build writes 740 MB,
    which the system writes to disk later, in the background: on a machine with two cores, which
    the build keeps busy, that background work ran during the next build timed (up to 2 GB of
    it, from the builds before) and counted against it."""
    if hasattr(os, "sync"):
        os.sync()


def _succeeded(args: list[str], status: int) -> None:
    """Stop the benchmark if a command failed: its figures would time the failure."""
    if status:
        raise SystemExit(f"{' '.join(args)} failed with exit status {status}")


def peak_memory(args: list[str], cwd: Path) -> int:
    """Peak resident memory (RSS) of one run of a command, in MiB.

    A build runs in two processes at once (see ratings/parallel.py), so the peak is that of the
    whole process tree: their resident sets summed, sampled every 10 ms. Pages the two share
    (copy-on-write) count twice, so the figure errs high. Not in a timed run: sampling took
    0.6 s of processor time during a 50,000-inspection build, on the two cores the build uses.
    Needs Linux's /proc (else 0).
    """
    peak = 0
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.01)
    _succeeded(args, process.returncode)
    return peak // 2**20


def build_command(data: Path, folder: Path, run: int) -> list[str]:
    """`ratings build` of `data` into a folder of its own for each run (folder-0, folder-1...)."""
    return [sys.executable, "-m", "ratings", "build", "--data", str(data), "--out", f"{folder}-{run}"]


def _tree_rss(pid: int) -> int:
    """Bytes resident in a process and all its descendants (0 where /proc is missing)."""
    total, todo = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * page
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # ended meanwhile, or no /proc
            continue
    return total


def interpreter() -> str:
    """Which Python runs the builds, and how it was built: the same version ran a build 10-25%
    slower built without profile-guided and link-time optimisation, as pyenv builds it by
    default (see docs/performance.md), so figures name their interpreter."""
    real = os.path.realpath(sys.executable)
    shared = bool(sysconfig.get_config_var("Py_ENABLE_SHARED"))
    if sys.platform == "linux":  # the executable names the libpython it loads, if it loads one
        with contextlib.suppress(OSError):
            shared = re.search(rb"libpython3\.\d+\.so", Path(real).read_bytes()) is not None
    libpython = "loads a shared libpython" if shared else "libpython built in"
    version = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{version}, {real} ({libpython}), {platform.python_compiler()}, built {platform.python_build()[1]}"


def machine_speed() -> float:
    """Seconds for ten million additions in plain Python: how fast this machine is right now."""
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def memory_speed() -> float:
    """Seconds to make, sort and drop a million small dicts: allocation and memory, which the
    build leans on and `machine_speed` does not touch (on a shared machine the two vary apart)."""
    started = time.perf_counter()
    rows = [{"id": f"p{i:07d}", "score": (i * 7919) % 31} for i in range(1_000_000)]
    rows.sort(key=lambda row: (row["score"], row["id"]))
    del rows
    return time.perf_counter() - started


def files_speed(folder: Path) -> float:
    """Seconds to make 10,000 empty files in a new folder inside `folder`, about as many as a
    build of 50,000 inspections makes. They are left in place: deleting them would slow the
    file system's next ones (see the module's docstring)."""
    target = Path(tempfile.mkdtemp(prefix="files-", dir=folder))
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    started = time.perf_counter()
    for i in range(10_000):
        os.close(os.open(target / f"f{i:05d}.html", flags, 0o644))
    return time.perf_counter() - started


def memory_folder() -> Path | None:
    """A folder whose files live in memory (Linux's /dev/shm), or None where there is none."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else None


def memory_builds(data: Path, folder: Path, repeats: int) -> float:
    """Median wall time of `ratings build` into a new folder in memory, each removed once the
    next run is about to start (memory is not disk: seven hundred megabytes a build add up)."""

    def command(i: int) -> list[str]:
        shutil.rmtree(folder / f"site-{i - 1}", ignore_errors=True)
        return build_command(data, folder / "site", i)

    wall = run(command, folder, repeats)
    shutil.rmtree(folder / f"site-{repeats - 1}", ignore_errors=True)
    return wall


def with_notes(text: str) -> str:
    """The synthetic data with a two-line folded note, then a blank line, in every inspection:
    block text and blank lines are what real records have and the plain synthetic data lacks."""
    return text.replace("    sources: [", "    notes: >-\n      A note on\n      two lines.\n\n    sources: [")


def stages(path: Path, repeats: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    figures["load"], text_raw = median_time(
        lambda: (lambda t: (t, parse(t, str(path))))(read_text(path, str(path))), repeats
    )
    text, raw = text_raw
    figures["validate"], data = median_time(lambda: validate(raw, Locator(text), str(path)), repeats)
    figures["rank"], tables = median_time(lambda: build(data), repeats)
    figures["render"], _ = median_time(lambda: dict(page_files(data, tables)), repeats)
    figures["export"], _ = median_time(lambda: {n: whole(c) for n, c in data_files(data, tables)}, repeats)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--providers", type=int, nargs="+", default=[1000, 10000], help="sizes, in providers")
    parser.add_argument("--per-provider", type=int, default=5, help="inspections per provider")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (the median is shown)")
    options = parser.parse_args()

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"Machine: {machine}, {platform.platform()}")
    print(f"Python: {interpreter()}")
    speed_before, memory_before = machine_speed(), memory_speed()
    print(
        f"Machine speed before: ten million additions in plain Python took {speed_before:.2f} s; "
        f"a million small dicts made and sorted, {memory_before:.2f} s"
    )
    shm = memory_folder()
    with contextlib.ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        in_memory = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=shm))) if shm else None
        files_before = files_speed(work)
        print(f"File system ({work.parent}) before: 10,000 empty files made in a new folder in {files_before:.2f} s")
        print()
        report(options, work, in_memory)
        files_after = files_speed(work)
    print(
        f"Machine speed after: the same loop took {machine_speed():.2f} s (before: {speed_before:.2f} s); "
        f"the dicts {memory_speed():.2f} s (before: {memory_before:.2f} s); "
        f"the 10,000 files {files_after:.2f} s (before: {files_before:.2f} s)"
    )


def report(options: argparse.Namespace, work: Path, in_memory: Path | None) -> None:
    """Every figure but the machine's, built in `work` (and `in_memory`, where there is one)."""
    python = sys.executable
    header = (
        f"{'inspections':>11} {'load':>7} {'validate':>8} {'rank':>7} {'render':>7} {'export':>7} "
        f"{'build (process)':>16} {'in memory':>10} {'peak RSS':>9}"
    )
    print(header)
    print("-" * len(header))
    builds: list[tuple[int, float]] = []
    for providers in options.providers:
        path = work / f"data-{providers}.yaml"
        path.write_text(dataset(providers, options.per_provider), encoding="utf-8")
        inspections = providers * options.per_provider
        f = stages(path, options.repeats)
        # Each run builds a new folder: see `rebuild` below for one replacing an old site.
        wall = run(functools.partial(build_command, path, work / f"site-{providers}"), work, options.repeats)
        peak = peak_memory(build_command(path, work / f"site-{providers}", options.repeats), work)
        builds.append((inspections, wall))
        memory = f"{memory_builds(path, in_memory, options.repeats):>9.2f}s" if in_memory else f"{'-':>10}"
        print(
            f"{inspections:>11,} {f['load']:>6.2f}s {f['validate']:>7.2f}s {f['rank']:>6.2f}s {f['render']:>6.2f}s "
            f"{f['export']:>6.2f}s {wall:>15.2f}s {memory} {peak:>6} MiB"
        )
    for (small_n, small_t), (large_n, large_t) in itertools.pairwise(builds):
        print(f"Scaling: {large_n / small_n:.0f} times the data took {large_t / small_t:.1f} times as long.")
    # Replacing the site just built, as a maintainer's second `make site` does; once only, as
    # each replacement leaves thousands of just-deleted files behind, which slow the file
    # system's next ones (see docs/performance.md).
    largest = options.providers[-1]
    again = build_command(work / f"data-{largest}.yaml", work / f"site-{largest}", options.repeats)
    rebuild = run(lambda _: again, work, 1)
    inspections = largest * options.per_provider
    print(f"Rebuild of {inspections:,} inspections over the site built last: {rebuild:.2f} s (one run)")
    loads = []
    for providers in options.providers:
        text = with_notes(dataset(providers, options.per_provider))
        seconds, _ = median_time(functools.partial(parse, text, "notes.yaml"), options.repeats)
        loads.append((providers * options.per_provider, seconds))
    print(
        "Loading with a folded note and a blank line in every inspection: "
        + ", ".join(f"{n:,} in {t:.2f} s" for n, t in loads)
    )

    print()
    real = ROOT / "data" / "ratings.yaml"
    help_time = run(lambda _: [python, "-m", "ratings", "--help"], work, options.repeats * 3)
    validate_time = run(lambda _: [python, "-m", "ratings", "validate", str(real)], work, options.repeats * 3)
    # Ended as `ratings` ends (os._exit, see ratings/cli.py), so neither counts Python's teardown.
    imports = "import os, ratings.cli, ratings.site, ratings.validate, pandas, jinja2, pydantic, yaml, click"
    imports += "; os._exit(0)"
    # In turns: timed one after the other, the imports' median once came out above the build's.
    build_time, import_time = in_turns(
        functools.partial(build_command, real, work / "real"),
        lambda _: [python, "-c", imports],
        work,
        options.repeats * 3,
    )
    build_peak = peak_memory(build_command(real, work / "real", options.repeats * 3), work)
    print(f"Real data: `ratings --help` {help_time * 1000:.0f} ms; `ratings validate` {validate_time:.2f} s")
    print(
        f"Real data: `ratings build` {build_time:.2f} s (peak {build_peak} MiB), of which importing the libraries "
        f"{import_time:.2f} s and the work {build_time - import_time:.2f} s"
    )


if __name__ == "__main__":
    main()
