"""Faults are errors or warnings, never tracebacks (issue 14, "faults" and "other").

Through the real CLI (`python -m promptops`) and the Action's own script
(`python -m promptops.action.steps`, and action.yml's run step): `-o` files honour the umask,
an unwritable job summary is one warning, a report with wrong field types is one error naming
the field, PROMPTOPS_CACHE_DIR wins over the repository's `cache_dir`, and `tokens
--update-lock` ends at its deadline on a server that drips.
"""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import REPO_ROOT, run_cli
from tests.support.fake_anthropic import FakeAnthropic, Reply

PROMPT = """\
kind: prompt
id: hello
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 64
system: Greet the user in one sentence.
messages:
  - role: user
    content: "Hello {{ name }}"
variables:
  name: {description: who, expected_tokens: 3}
"""


def make_repo(root: Path, config: str = "tokenizer: cl100k_base\n") -> Path:
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    (root / "prompts" / "hello.yaml").write_text(PROMPT, encoding="utf-8")
    (root / "promptops.yaml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


@pytest.fixture
def umask() -> Iterator[callable]:
    """Set the umask the CLI subprocesses inherit; the test's own is put back afterwards."""
    original = os.umask(0o022)
    os.umask(original)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(original)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- 1. -o files honour the umask ---------------------------------------------------------------
OUTPUT_COMMANDS = {
    "tokens -o": ["tokens", "--format", "json", "-o", "{out}"],
    "lint --sarif-output": ["lint", "--sarif-output", "{out}"],
    "validate -o": ["validate", "-o", "{out}"],
    "mbom -o": ["mbom", "-o", "{out}"],
}


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002])
@pytest.mark.parametrize("command", list(OUTPUT_COMMANDS))
def test_output_files_get_the_mode_of_the_umask(repo, umask, mask, command):
    umask(mask)
    out = repo / "out" / "report.file"
    args = [a.format(out=out) for a in OUTPUT_COMMANDS[command]]
    result = run_cli(args, cwd=repo)
    assert result.returncode in (0, 1), result.stderr
    no_traceback(result)
    assert mode_of(out) == 0o666 & ~mask, oct(mode_of(out))
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temp file left


def test_an_existing_output_file_keeps_its_mode_and_is_replaced_whole(repo, umask):
    umask(0o022)
    out = repo / "private.json"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o600)
    result = run_cli(["tokens", "--format", "json", "-o", str(out)], cwd=repo)
    assert result.returncode == 0, result.stderr
    assert mode_of(out) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["prompts"]


def test_an_output_fifo_is_written_through_not_replaced(repo):
    fifo = repo / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run_cli(["tokens", "--format", "json", "-o", str(fifo)], cwd=repo)
    reader.join(30)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(received[0])["prompts"]


def test_an_output_file_under_a_file_is_exit_2(repo):
    result = run_cli(["tokens", "-o", str(repo / "promptops.yaml" / "out.txt")], cwd=repo)
    assert result.returncode == 2
    assert "promptops.yaml/out.txt" in result.stderr
    no_traceback(result)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_an_output_file_on_a_full_disk_is_exit_2(repo):
    result = run_cli(["tokens", "-o", "/dev/full"], cwd=repo)
    assert result.returncode == 2
    assert "/dev/full: cannot write: No space left on device" in result.stderr
    no_traceback(result)


# -- 2. an unwritable job summary is one warning --------------------------------------------
OVER_BUDGET = {
    "code": "budget-exceeded",
    "budget": "monthly_usd.expected",
    "workload": "support",
    "path": "charters/support.yaml",
    "line": 4,
    "limit": "100",
    "value": "112.5",
    "base_value": "90",
}


def report_file(tmp_path: Path, blocking: bool = True) -> Path:
    report = {
        "kind": "check",
        "blocking": blocking,
        "schema_version": 3,
        "blocking_reasons": [OVER_BUDGET] if blocking else [],
        "totals": {"monthly_delta_usd": "12.50"},
        "findings": [],
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report), encoding="utf-8")
    return path


def run_finish(tmp_path: Path, report: Path, env: dict[str, str], markdown_out: Path | None = None):
    import subprocess

    full_env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), **env}
    markdown_out = markdown_out or tmp_path / "report.md"
    args = ["finish", "--report", str(report), "--exit-status", "1"]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "promptops.action.steps",
            *args,
            "--markdown-out",
            str(markdown_out),
        ],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def unwritable_targets(tmp_path: Path) -> dict[str, Path]:
    """Paths a write fails on, whoever runs the test: a full device (ENOSPC), a path under a
    regular file (ENOTDIR), a folder (EISDIR), and a read-only folder when permission bits
    bind this user (not root)."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    targets = {"under a file": blocker / "summary.md", "a folder": tmp_path}
    if Path("/dev/full").exists():
        targets["full device"] = Path("/dev/full")
    locked = tmp_path / "read-only"
    locked.mkdir()
    locked.chmod(0o500)
    if not os.access(locked, os.W_OK):  # root writes through permission bits
        targets["read-only folder"] = locked / "summary.md"
    return targets


def test_an_unwritable_job_summary_is_one_warning_and_the_verdict_stands(tmp_path):
    report = report_file(tmp_path)
    targets = unwritable_targets(tmp_path)
    assert len(targets) >= 3
    for name, target in targets.items():
        outputs = tmp_path / f"outputs-{len(name)}"
        outputs.write_text("", encoding="utf-8")
        result = run_finish(
            tmp_path, report, {"GITHUB_STEP_SUMMARY": str(target), "GITHUB_OUTPUT": str(outputs)}
        )
        assert result.returncode == 1, (name, result.stdout, result.stderr)  # blocking: gate
        no_traceback(result)
        warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
        assert len(warnings) == 1, (name, result.stdout)
        assert "job summary" in warnings[0] and str(target) in warnings[0], warnings
        assert "blocking=true" in outputs.read_text(encoding="utf-8")  # the rest still done


def test_unwritable_step_outputs_and_markdown_are_warnings_too(tmp_path):
    report = report_file(tmp_path, blocking=False)
    summary = tmp_path / "summary.md"
    result = run_finish(
        tmp_path,
        report,
        {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": "/dev/full"},
        markdown_out=tmp_path / "report.json" / "report.md",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    no_traceback(result)
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 2, result.stdout
    assert any("step outputs" in w for w in warnings) and any("Markdown" in w for w in warnings)
    assert "within charter" in summary.read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_action_run_step_survives_a_full_job_summary(tmp_path):
    from tests.support.action_runner import run_step

    repo = make_repo(tmp_path / "repo")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    result = run_step(
        "run",
        workspace=repo,
        runner_temp=runner_temp,
        with_={"command": "lint", "comment": "off", "cache": "false"},
        step_outputs={
            "install": {"python": sys.executable},
            "cache-plan": {"dir": str(runner_temp / "cache")},
        },
        env={"GITHUB_STEP_SUMMARY": "/dev/full", "GITHUB_EVENT_NAME": "push"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    no_traceback(result)
    assert "::warning title=promptops::could not write the job summary" in result.stdout
    assert result.outputs["blocking"] == "false"


def run_with_file_size_limit(args: list[str], cwd: Path, limit_bytes: int, env: dict[str, str]):
    """Run `python ARGS` unable to write a file past `limit_bytes` (RLIMIT_FSIZE: EFBIG, which
    Python raises as OSError since it ignores SIGXFSZ): a full disk that binds root too."""
    import resource
    import subprocess

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **env},
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_job_summary_on_a_full_disk_is_one_warning(tmp_path):
    report = report_file(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("x" * 4000, encoding="utf-8")  # an earlier step filled it to the limit
    outputs = tmp_path / "outputs"
    outputs.write_text("", encoding="utf-8")
    args = ["-m", "promptops.action.steps", "finish", "--report", str(report)]
    args += ["--exit-status", "1", "--markdown-out", str(tmp_path / "report.md")]
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(outputs)}
    result = run_with_file_size_limit(args, tmp_path, 4096, env)
    assert result.returncode == 1, result.stdout + result.stderr
    no_traceback(result)
    warnings = [line for line in result.stdout.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1 and "could not write the job summary" in warnings[0], warnings
    assert "File too large" in warnings[0]
    assert "blocking=true" in outputs.read_text(encoding="utf-8")


def test_canary_promote_on_a_full_disk_is_exit_2_and_the_release_unchanged(tmp_path):
    from tests.support.canary_repo import make_repo as make_canary_repo

    repo = make_canary_repo(tmp_path)
    release = repo / "releases" / "triage.yaml"
    before = release.read_bytes()
    args = ["-m", "promptops", "canary", "promote", "releases/triage.yaml"]
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    result = run_with_file_size_limit(args, repo, 64, env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot write the release: File too large" in result.stderr
    no_traceback(result)
    assert release.read_bytes() == before
    assert not [p for p in release.parent.iterdir() if p.name.endswith(".tmp")]


# -- 4. a report with wrong field types -------------------------------------------------------
BAD_REPORTS = {
    "workloads a string": ({"kind": "check", "workloads": "x"}, "`workloads` must be array"),
    "totals a list": ({"kind": "diff", "totals": [1, 2]}, "`totals` must be object"),
    "scenarios null": (
        {"kind": "diff", "workloads": [{"id": "w", "scenarios": None}]},
        "`workloads[0].scenarios` must be object",
    ),
    "money not a number": (
        {"totals": {"monthly_delta_usd": "lots"}},
        "`totals.monthly_delta_usd` must be a decimal number",
    ),
    "reasons sentences": (
        {"kind": "check", "blocking_reasons": ["support: over budget"]},
        "`blocking_reasons[0]` must be object",
    ),
    "reason without a code": (
        {"kind": "check", "warnings": [{"x": 1}]},
        "`warnings[0]` must contain ['code'] properties",
    ),
    "an older check report": (
        {"kind": "check", "schema_version": 2, "blocking_reasons": ["support: over budget"]},
        "this check report has schema_version 2; this promptops reads schema_version 3",
    ),
    "an older diff report": (
        {"kind": "diff", "schema_version": "1", "provenance": {"sentence": "Prices: …"}},
        "this diff report has schema_version '1'; this promptops reads schema_version 3",
    ),
    "finding line a string": ([{"code": "PO001", "line": "3"}], "`[0].line` must be integer"),
    "findings array of numbers": ([1, 2], "`[0]` must be object"),
    "blocking a string": ({"blocking": "yes"}, "`blocking` must be boolean"),
    "eval pass rate a string": (
        {"kind": "eval-results", "suites": [{"comparison": {"head_pass_rate": "all"}}]},
        "`suites[0].comparison.head_pass_rate` must be number",
    ),
}
BAD_TEXTS = {
    "not JSON": ("{not json", "not valid JSON"),
    "NaN": ('{"totals": {"monthly_delta_usd": NaN}}', "NaN is not a JSON number"),
    "a scalar": ("42", "must be an object or an array"),
    "nested too deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
}


def bad_report_cases() -> list[tuple[str, str, str]]:
    cases = [(name, json.dumps(data), why) for name, (data, why) in BAD_REPORTS.items()]
    return cases + [(name, text, why) for name, (text, why) in BAD_TEXTS.items()]


@pytest.mark.parametrize(("name", "text", "why"), bad_report_cases(), ids=lambda v: str(v)[:30])
def test_a_bad_report_is_exit_2_naming_the_field(tmp_path, name, text, why):
    report = tmp_path / "report.json"
    report.write_text(text, encoding="utf-8")
    comment = run_cli(
        ["comment", "github", "--report", str(report), "--repo", "a/b", "--pr", "1", "--dry-run"],
        cwd=tmp_path,
    )
    assert comment.returncode == 2, (name, comment.stdout, comment.stderr)
    assert why in comment.stderr, comment.stderr
    no_traceback(comment)
    finish = run_finish(tmp_path, report, {"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")})
    assert finish.returncode == 2, (name, finish.stdout, finish.stderr)
    assert why in finish.stdout and finish.stdout.startswith("::error"), finish.stdout
    no_traceback(finish)


def test_a_50_mb_report_is_refused_before_it_is_parsed(tmp_path):
    report = tmp_path / "big.json"
    with report.open("w", encoding="utf-8") as handle:
        handle.write('{"notes": [')
        handle.write(",".join(['"' + "x" * 1000 + '"'] * 50_000))
        handle.write("]}")
    assert report.stat().st_size > 50_000_000
    started = time.monotonic()
    result = run_cli(
        ["comment", "github", "--report", str(report), "--repo", "a/b", "--pr", "1", "--dry-run"]
    )
    assert result.returncode == 2, result.stderr
    assert "larger than 32 MiB" in result.stderr
    assert time.monotonic() - started < 20
    no_traceback(result)


def test_a_well_formed_report_still_renders(tmp_path):
    report = report_file(tmp_path)
    result = run_cli(
        ["comment", "github", "--report", str(report), "--repo", "a/b", "--pr", "1", "--dry-run"]
    )
    assert result.returncode == 0, result.stderr
    assert (  # worded from the reason's figures; markdown escapes the [budget] that follows
        "support: expected monthly cost $112.50 is over its budget of $100.00 (was $90.00 on "
        "base) \\[monthly_usd.expected\\] — charters/support.yaml:4"
    ) in result.stdout


# -- 5. PROMPTOPS_CACHE_DIR wins over the repository's cache_dir -------------------------------
def test_the_environment_cache_folder_wins_over_the_config(tmp_path):
    repo = make_repo(tmp_path / "repo", "tokenizer: cl100k_base\ncache_dir: .repo-cache\n")
    runner_cache = tmp_path / "runner-cache"
    with_env = run_cli(["cache", "dir"], cwd=repo, env={"PROMPTOPS_CACHE_DIR": str(runner_cache)})
    assert with_env.returncode == 0, with_env.stderr
    assert Path(with_env.stdout.strip()) == runner_cache

    tokens = run_cli(["tokens"], cwd=repo, env={"PROMPTOPS_CACHE_DIR": str(runner_cache)})
    assert tokens.returncode == 0, tokens.stderr
    assert any(runner_cache.iterdir())  # counts went to the runner's folder
    assert not (repo / ".repo-cache").exists()  # never to the one the repository names

    env = {k: v for k, v in os.environ.items() if k != "PROMPTOPS_CACHE_DIR"}
    import subprocess

    without = subprocess.run(
        [sys.executable, "-m", "promptops", "cache", "dir"],
        cwd=repo,
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert without.returncode == 0, without.stderr
    assert Path(without.stdout.strip()) == (repo / ".repo-cache").resolve()


@pytest.mark.slow
def test_the_action_warns_that_the_configured_cache_dir_is_ignored(tmp_path):
    from tests.support.action_runner import run_step

    repo = make_repo(tmp_path / "repo", "tokenizer: cl100k_base\ncache_dir: .repo-cache\n")
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    restored = runner_temp / "promptops-cache"
    result = run_step(
        "run",
        workspace=repo,
        runner_temp=runner_temp,
        with_={"command": "lint", "comment": "off"},
        step_outputs={
            "install": {"python": sys.executable},
            "cache-plan": {"dir": str(restored), "enabled": "true"},
        },
        env={"GITHUB_EVENT_NAME": "push"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    warning = [line for line in result.stdout.splitlines() if "cache_dir" in line]
    assert len(warning) == 1 and "is ignored" in warning[0], result.stdout
    assert str(restored) in warning[0]
    assert not (repo / ".repo-cache").exists()


# -- 6. tokens --update-lock has a total deadline per call -------------------------------------
ANTHROPIC_REPO = "tokenizer: anthropic\n"


@pytest.mark.slow
@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "status-line"])
def test_update_lock_on_a_dripping_server_is_exit_3_at_the_deadline(tmp_path, drip_headers):
    repo = make_repo(tmp_path / "repo", ANTHROPIC_REPO)
    with FakeAnthropic() as fake:
        drip = Reply(200, {"input_tokens": 5}, drip_s=0.3, drip_headers=drip_headers)
        fake.enqueue(*[drip] * 8, path="/v1/messages/count_tokens")
        env = {"ANTHROPIC_API_KEY": "sk-ant-test-key-0123", "ANTHROPIC_BASE_URL": fake.base_url}
        result = run_cli(["tokens", "--update-lock", "--timeout", "2"], cwd=repo, env=env)
        finished = time.monotonic()
        requests = list(fake.requests)
    assert result.returncode == 3, result.stderr
    assert requests, "the server never received a request"
    assert 1.9 < finished - min(r.at for r in requests) < 6
    assert fake.base_url in result.stderr and "2s" in result.stderr
    assert "sk-ant-test-key" not in result.stderr
    no_traceback(result)
    assert not (repo / "promptops.lock").exists()


def test_update_lock_takes_the_endpoint_from_the_command_line(tmp_path):
    repo = make_repo(tmp_path / "repo", ANTHROPIC_REPO)
    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_API_KEY": "sk-ant-test-key-0123", "ANTHROPIC_BASE_URL": ""}
        result = run_cli(
            ["tokens", "--update-lock", "--anthropic-base-url", fake.base_url], cwd=repo, env=env
        )
        counted = fake.requests_to("/v1/messages/count_tokens")
    assert result.returncode == 0, result.stderr
    assert counted
    assert (repo / "promptops.lock").is_file()


def test_update_lock_with_a_bad_timeout_is_a_usage_error(repo):
    result = run_cli(["tokens", "--update-lock", "--timeout", "nan"], cwd=repo)
    assert result.returncode == 2
    no_traceback(result)


def test_the_lock_file_gets_the_mode_of_the_umask(tmp_path, umask):
    umask(0o022)
    repo = make_repo(tmp_path / "repo", ANTHROPIC_REPO)
    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_API_KEY": "sk-ant-test-key-0123", "ANTHROPIC_BASE_URL": fake.base_url}
        result = run_cli(["tokens", "--update-lock"], cwd=repo, env=env)
    assert result.returncode == 0, result.stderr
    assert mode_of(repo / "promptops.lock") == 0o644
