"""Writing without ever leaving a half-written file or folder behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_file(path: Path, content: bytes) -> None:
    """Write beside the target, then rename over it: readers see the old file or the new one."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def replace_dir(files: dict[str, bytes], out: Path) -> None:
    """Write every file into a folder beside `out`, then swap it in for `out` in one step."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        for relative, content in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        os.chmod(staging, 0o755)
        retired = out.with_name(f".{out.name}.old-{os.getpid()}")
        if out.exists():
            out.rename(retired)
        staging.rename(out)
        shutil.rmtree(retired, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
