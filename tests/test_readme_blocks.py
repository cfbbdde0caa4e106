"""README.md's console, shell and Python blocks run, against examples/ (issue 16, item 5):
a renamed variable, id or path, or a figure that changed, fails here instead of in a reader's
terminal.

Blocks run in a clone of this repository (examples/ has its history there, which `promptops
bundle` reads) with the working tree's examples/ copied over it, offline, with no API key.
- console: each `$ command` runs (in the clone's root when it names `examples/`, else inside
  examples/); it may report findings or a verdict (exit 0 or 1) but never a usage, config or
  provider error (2, 3) or a traceback. The output shown under it must appear in order (`...`
  skips lines).
- bash / sh: every line that is not a comment runs, under the same rules.
- python: runs inside examples/ after `promptops bundle -o promptops-bundle.json`, with
  stand-ins for the application's own names (`client`, `user_id`, `text`, `tier`).
A block that needs the network or your data is exempt with `<!-- no-test: reason -->` on the
line before its fence.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT

README = REPO_ROOT / "README.md"
RUN = {"console", "bash", "sh", "shell", "python"}
FENCE = re.compile(r"^```(?P<lang>[\w+-]*)\s*$")
EXEMPT = re.compile(r"^<!--\s*no-test:\s*(?P<reason>.+?)\s*-->$")


@dataclass(frozen=True)
class Block:
    line: int  # of the opening fence, 1-based
    lang: str
    text: str
    exempt: str | None

    @property
    def name(self) -> str:
        return f"README.md:{self.line}:{self.lang}"


def readme_blocks(text: str) -> list[Block]:
    """Every fenced block with its language and the no-test reason above it, if any."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match is None:
            i += 1
            continue
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        above = next((lines[j].strip() for j in range(start - 1, -1, -1) if lines[j].strip()), "")
        exempt = EXEMPT.match(above)
        blocks.append(
            Block(start + 1, match["lang"], "\n".join(body), exempt["reason"] if exempt else None)
        )
        i += 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8")) if README.is_file() else []
RUNNABLE = [block for block in BLOCKS if block.lang in RUN]


@dataclass(frozen=True)
class Sandbox:
    root: Path
    env: dict[str, str]

    def shell(self, command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", command],
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    if subprocess.run(["git", "rev-parse"], cwd=REPO_ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout: examples/ has no history to bundle")
    base = tmp_path_factory.mktemp("readme")
    clone = base / "promptops"
    subprocess.run(
        ["git", "clone", "-q", "--local", str(REPO_ROOT), str(clone)],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(clone / "examples")
    shutil.copytree(REPO_ROOT / "examples", clone / "examples")
    shutil.copy(REPO_ROOT / "promptops.yaml", clone / "promptops.yaml")
    bin_dir = base / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "promptops"  # `promptops` in a block is this checkout's CLI
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m promptops "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("ANTHROPIC_API_KEY", "GITHUB_ACTIONS", "ANTHROPIC_BASE_URL")
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=str(REPO_ROOT),
        PROMPTOPS_CACHE_DIR=str(base / "cache"),
        HTTPS_PROXY="http://127.0.0.1:9",
        HTTP_PROXY="http://127.0.0.1:9",
        NO_COLOR="1",
        COLUMNS="200",
    )
    return Sandbox(clone, env)


def where(sandbox: Sandbox, command: str) -> Path:
    return sandbox.root if "examples/" in command else sandbox.root / "examples"


def check_ran(block: Block, command: str, result: subprocess.CompletedProcess[str]) -> None:
    said = f"{block.name}: `{command}` exited {result.returncode}\n{result.stdout}{result.stderr}"
    assert "Traceback" not in result.stderr, said
    assert result.returncode in (0, 1), said


def shown_in_order(expected: list[str], actual: str) -> list[str]:
    """The expected lines (`...` skipped) not found in order in `actual`: [] when all are."""
    lines = [line.rstrip() for line in actual.splitlines()]
    position = 0
    for wanted in (line.rstrip() for line in expected):
        if wanted.strip() in ("", "..."):
            continue
        try:
            position = lines.index(wanted, position) + 1
        except ValueError:
            return [wanted]
    return []


def console_steps(text: str) -> list[tuple[str, list[str]]]:
    """(command, the output shown under it) for every `$ ` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
    return steps


def test_the_readme_has_blocks_to_run():
    langs = [block.lang for block in RUNNABLE if block.exempt is None]
    assert langs.count("console") >= 2 and "python" in langs, [b.name for b in RUNNABLE]
    for block in BLOCKS:
        if block.exempt is not None:
            assert len(block.exempt) > 10, f"{block.name}: say why the block is not tested"


@pytest.mark.parametrize("block", RUNNABLE, ids=[block.name for block in RUNNABLE])
def test_readme_block_runs(block: Block, sandbox: Sandbox):
    if block.exempt is not None:
        pytest.skip(f"{block.name}: {block.exempt}")
    if block.lang == "console":
        steps = console_steps(block.text)
        assert steps, f"{block.name}: a console block with no `$ ` command"
        for command, output in steps:
            result = sandbox.shell(command, where(sandbox, command))
            check_ran(block, command, result)
            missing = shown_in_order(output, result.stdout)
            assert missing == [], (
                f"{block.name}: `{command}` no longer prints {missing[0]!r}; it prints:\n"
                + result.stdout
            )
    elif block.lang == "python":
        run_python(block, sandbox)
    else:
        for command in block.text.splitlines():
            if command.strip() and not command.lstrip().startswith("#"):
                check_ran(block, command, sandbox.shell(command, where(sandbox, command)))


STAND_INS = '''
import json as _json


class _Messages:
    """The application's Anthropic client: records the request it would send."""

    sent: list = []

    def create(self, **body):
        self.sent.append(body)
        return body


class _Client:
    messages = _Messages()


client = _Client()
user_id = "customer-1042"
text = "Where is my parcel? Order NW-20261203."
tier = "plus"
'''


def run_python(block: Block, sandbox: Sandbox) -> None:
    examples = sandbox.root / "examples"
    bundled = sandbox.shell("promptops bundle -o promptops-bundle.json", examples)
    assert bundled.returncode == 0, bundled.stdout + bundled.stderr
    script = STAND_INS + "\n" + block.text + "\nprint(_json.dumps(_Messages.sent, default=str))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=examples,
        env=sandbox.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{block.name}:\n{result.stdout}{result.stderr}"
    sent = json.loads(result.stdout.splitlines()[-1])
    assert len(sent) == 1 and sent[0]["messages"], sent
    assert "Where is my parcel?" in json.dumps(sent[0]), "the caller's text is not in the request"


def test_the_block_parser_reads_fences_and_exemptions():
    text = (
        "intro\n\n<!-- no-test: needs network access -->\n```bash\ncurl x\n```\n\n"
        "```console\n$ promptops lint\nAll clean\n```\n```\nplain\n```\n"
    )
    blocks = readme_blocks(text)
    assert [(b.line, b.lang, b.exempt) for b in blocks] == [
        (4, "bash", "needs network access"),
        (8, "console", None),
        (12, "", None),
    ]
    assert console_steps(blocks[1].text) == [("promptops lint", ["All clean"])]
    assert shown_in_order(["a", "...", "c"], "a\nb\nc\n") == []
    assert shown_in_order(["c", "a"], "a\nb\nc\n") == ["a"]


def test_the_set_up_blocks_promptops_commands_run(sandbox: Sandbox):
    """The first block installs (exempt), but what it then runs on examples/ must work."""
    (setup,) = [block for block in BLOCKS if "pip install -e ." in block.text]
    commands = [
        part.strip()
        for line in setup.text.splitlines()
        for part in line.split("&&")
        if part.strip().startswith("promptops ")
    ]
    assert commands == ["promptops lint examples/", "promptops tokens examples/"]
    for command in commands:
        result = sandbox.shell(command, sandbox.root)
        assert result.returncode == 0, f"`{command}`:\n{result.stdout}{result.stderr}"


def test_lint_at_the_repository_root_is_clean(sandbox: Sandbox):
    """templates/ and examples/ are two complete repos with the same ids: the repository's own
    promptops.yaml lints examples/ only."""
    result = sandbox.shell("promptops lint && promptops validate", sandbox.root)
    assert result.returncode == 0, result.stdout + result.stderr
