"""Faults: a build killed at any point leaves the previous site exactly as it was."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ratings.synthetic import dataset

from .conftest import SMALL


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_killed_build_leaves_the_previous_site(tmp_path: Path):
    out = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "ratings", "build", "--data", str(SMALL), "--out", str(out)], capture_output=True
    )
    assert built.returncode == 0
    before = digest(out)
    big = tmp_path / "big.yaml"
    big.write_text(dataset(400, per_provider=3))
    scratch = tmp_path / "scratch"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "ratings", "build", "--data", str(big), "--out", str(scratch)], check=True)
    whole = time.monotonic() - started
    new = digest(scratch)  # what a complete build of the big data writes
    os.rename(scratch, tmp_path / "scratch-done")
    # Kill a build at moments spread over its run: loading, ranking, rendering and, near the end, writing.
    for delay in (whole * f for f in (0.1, 0.3, 0.5, 0.7, 0.85, 0.92, 0.96, 0.99)):
        process = subprocess.Popen(
            [sys.executable, "-m", "ratings", "build", "--data", str(big), "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        # Never a mix: the old site exactly, or (if the swap happened before the kill) the new one whole.
        after = digest(out)
        assert after in (before, new), f"a build killed after {delay:.2f}s of {whole:.2f}s left a mixed site"
        if after == new:
            subprocess.run(
                [sys.executable, "-m", "ratings", "build", "--data", str(SMALL), "--out", str(out)], check=True
            )
            assert digest(out) == before
    # The next build clears what killed builds left beside the output.
    subprocess.run([sys.executable, "-m", "ratings", "build", "--data", str(SMALL), "--out", str(out)], check=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.yaml", "scratch-done", "site"]
