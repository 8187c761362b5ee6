"""`ratings serve`: builds, serves on 127.0.0.1, rebuilds on change, keeps the last good site."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

from ratings.serve import Preview, make_server

from .conftest import SMALL


def preview(tmp_path: Path, messages: list[str]) -> tuple[Preview, Path, Path]:
    data = tmp_path / "ratings.yaml"
    data.write_text(SMALL.read_text())
    out = tmp_path / "site"
    return Preview(data, "ratings.yaml", out, None, [data], messages.append), data, out


def test_rebuilds_when_the_data_changes(tmp_path: Path):
    messages: list[str] = []
    p, data, out = preview(tmp_path, messages)
    assert p.build()
    assert p.poll() is False  # nothing changed
    data.write_text(data.read_text().replace("name: Alpha CRC", "name: Alpha Renamed CRC"))
    assert p.poll() is True
    assert "Alpha Renamed CRC" in (out / "index.html").read_text()
    assert messages == [f"Built 33 files into {out}/", f"Built 33 files into {out}/"]


def test_a_broken_change_keeps_the_last_good_site(tmp_path: Path):
    messages: list[str] = []
    p, data, out = preview(tmp_path, messages)
    p.build()
    before = (out / "index.html").read_bytes()
    data.write_text(data.read_text().replace("overall: Inadequate", "overall: Dreadful"))
    assert p.poll() is False
    assert (out / "index.html").read_bytes() == before
    assert messages[1].startswith("ratings.yaml:") and "'Dreadful' is not an overall rating" in messages[1]
    assert messages[-1] == "Not rebuilt: the previous site is still served."


def test_serves_the_folder_on_loopback(tmp_path: Path):
    (tmp_path / "index.html").write_text("<p>hello</p>")
    server = make_server(tmp_path, 0)
    host, port = server.server_address[:2]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as response:
            assert response.read() == b"<p>hello</p>"
    finally:
        server.shutdown()
        server.server_close()


def test_the_command_builds_and_serves(tmp_path: Path):
    out = tmp_path / "site"
    process = subprocess.Popen(
        [sys.executable, "-m", "ratings", "serve", "--data", str(SMALL), "--out", str(out), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == f"Built 33 files into {out}/\n"
        line = process.stdout.readline()
        match = re.match(r"Serving .* at (http://127\.0\.0\.1:\d+/) \(Ctrl\+C to stop\)", line)
        assert match, line
        with urllib.request.urlopen(match.group(1) + "index.html", timeout=5) as response:
            assert b"NPS North" in response.read()
    finally:
        process.terminate()
        process.wait(timeout=10)
