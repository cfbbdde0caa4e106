"""`promptops mbom --format html`: a self-contained page that renders in headless Chromium.

Chromium runs offline on a file:// URL with its network features off; the test takes a
screenshot, checks that the chart's bar colours were actually painted, and that the console
stayed silent (a page with a script error is the negative control for that check).
Under CI=true a missing Chromium fails the test (.ci/run installs Debian's `chromium`).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.mbom_workspace import AS_OF, make_workspace

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BOOK_BLUE = (0x2B, 0x6C, 0xB0)
OVER_RED = (0xC5, 0x30, 0x30)


def chromium_path() -> str:
    for name in ("/usr/bin/chromium", *CANDIDATES):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("chromium is not installed (apt-get install -y chromium)")
    pytest.skip("chromium is not installed")


def run_chromium(page: Path, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        chromium_path(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,900",
        *extra,
        page.as_uri(),
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=90, check=False)


def console_messages(stderr: str) -> list[str]:
    """Console output and uncaught errors Chromium logged for the page."""
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line or "Uncaught" in line or "Failed to load resource" in line
    ]


def png_pixels(path: Path) -> tuple[int, int, set[tuple[int, int, int]]]:
    """Width, height and the set of RGB colours of an 8-bit RGB/RGBA PNG (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, color_type = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color_type in (2, 6), (depth, color_type)
    channels = 3 if color_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    colours: set[tuple[int, int, int]] = set()
    offset = 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1 : offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            up_left = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        colours.update((line[i], line[i + 1], line[i + 2]) for i in range(0, stride, channels * 4))
        previous = line
    return width, height, colours


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("html") / "repo")
    out = root / "mbom.html"
    result = run_cli(["mbom", "--as-of", AS_OF, "--format", "html", "--output", str(out)], cwd=root)
    assert result.returncode == 0, result.stderr
    return out


def test_page_is_self_contained(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "<link" not in html and "<img" not in html
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?!#)([^"']+)""", html)
    assert external == []
    assert "url(" not in html and "@import" not in html
    # One chart per workload; support has three scenarios with book and effective bars.
    assert html.count("<svg ") == 2
    assert html.count('class="bar book"') == 6
    assert html.count('class="bar effective"') == 3
    assert html.count('class="budget"') == 3
    assert "Subsidy exposure: 100% of budgeted workloads" in html


def test_page_renders_in_headless_chromium(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "mbom.png"
    result = run_chromium(page, tmp_path, f"--screenshot={shot}")
    assert shot.exists(), result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    width, height, colours = png_pixels(shot)
    assert (width, height) == (1200, 900)
    # Support is over budget at book price in expected and stretch (red), within in runaway.
    assert OVER_RED in colours, "the over-budget bars were not painted"
    assert BOOK_BLUE in colours, "the within-budget bar was not painted"

    dom = run_chromium(page, tmp_path, "--dump-dom")
    assert "Model Bill of Materials: repo" in dom.stdout
    assert dom.stdout.count('class="bar book"') == 6


def test_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><p>x</p><script>throw new Error('boom')</script>")
    result = run_chromium(broken, tmp_path, f"--screenshot={tmp_path / 'b.png'}")
    assert any("boom" in line for line in console_messages(result.stderr))
