"""Hostile servers and bad input through the real CLI: no hang, no traceback, no leak.

Every test drives `python -m promptops` against loopback servers: a server that drips one byte
at a time, one that redirects to another origin (a recording "sink" that must never see a
credential), one that echoes credentials back, and ones that send malformed answers.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import git
from tests.support.cli import run_cli
from tests.support.fake_anthropic import (
    MESSAGES,
    FakeAnthropic,
    Reply,
    echo_credentials,
    error_reply,
    message_body,
)
from tests.support.fake_github import FakeGitHub, start_fake_github, stop_fake_github
from tests.support.fake_openai import CHAT, FakeOpenAI, completion, parts
from tests.support.hostile_http import LoopbackServer, Scripted

pytestmark = pytest.mark.slow

ANTHROPIC_KEY = "sk-ant-api03-hostile-network-test-key-0123456789"
LOCAL_KEY = "local-server-key-0123456789"
GITHUB_TOKEN = "ghs_hostileNetworkTestToken0123456789"

PROMPT = """\
kind: prompt
id: echo
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 64
system: Repeat the user.
messages:
  - role: user
    content: "Hello {{ name }}"
variables:
  name: {description: who}
"""


def suite(cases: list[str], gate: str = "{min_pass_rate: 1.0}") -> str:
    lines = [f"  - {{id: {case}, vars: {{name: {case}}}}}" for case in cases]
    return (
        "kind: eval\nid: echo-suite\nprompt: echo\ngate: " + gate + "\ncases:\n" + "\n".join(lines)
    )


def make_repo(root: Path, config: str = "eval: {cache_dir: .cache}\n", cases=("ana",)) -> Path:
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    (root / "evals").mkdir(exist_ok=True)
    (root / "prompts" / "echo.yaml").write_text(PROMPT, encoding="utf-8")
    (root / "evals" / "echo.yaml").write_text(suite(list(cases)), encoding="utf-8")
    (root / "promptops.yaml").write_text(config, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


LOCAL = ["eval", "--quiet", "--no-cache", "--target", "local"]


def anthropic_env(fake: FakeAnthropic) -> dict[str, str]:
    return {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": ANTHROPIC_KEY}


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout


def timed_cli(args: list[str], **kwargs):
    """The result and when the process ended (monotonic, comparable with `Recorded.at`)."""
    result = run_cli(args, timeout=90, **kwargs)
    return result, time.monotonic()


def seconds_after_first_request(finished: float, requests: list) -> float:
    """How long the CLI ran after the server first heard from it: the deadline's work, not
    the interpreter's start-up (importing the SDK takes seconds on a loaded runner)."""
    assert requests, "the server never received a request"
    return finished - min(r.at for r in requests)


# -- hangs: a total deadline per call ----------------------------------------------------------
@pytest.mark.parametrize("drip_headers", [False, True], ids=["body", "status-line"])
def test_anthropic_drip_is_exit_3_at_the_deadline(repo, drip_headers):
    with FakeAnthropic() as fake:
        fake.enqueue(*[Reply(200, message_body("hi"), drip_s=0.3, drip_headers=drip_headers)] * 6)
        result, finished = timed_cli(
            ["eval", "--quiet", "--no-cache", "--timeout", "2"], cwd=repo, env=anthropic_env(fake)
        )
    assert result.returncode == 3, result.stderr
    assert 1.9 < seconds_after_first_request(finished, fake.requests) < 5
    assert fake.base_url in result.stderr and "2s" in result.stderr
    no_traceback(result)


def test_local_drip_is_exit_3_at_the_deadline(repo):
    with FakeOpenAI() as fake:
        fake.enqueue(*[Scripted(200, completion("hi"), drip_s=0.3)] * 6)
        result, finished = timed_cli(
            [*LOCAL, "--base-url", fake.base_url, "--timeout", "2"], cwd=repo
        )
    assert result.returncode == 3, result.stderr
    assert 1.9 < seconds_after_first_request(finished, fake.requests) < 5
    assert fake.base_url in result.stderr and "2s" in result.stderr
    no_traceback(result)


def test_local_server_that_never_answers_is_exit_3(repo):
    with FakeOpenAI() as fake:
        fake.enqueue(*[Scripted(200, completion("hi"), drip_s=30, drip_headers=True)] * 4)
        result, finished = timed_cli(
            [*LOCAL, "--base-url", fake.base_url, "--timeout", "1.5"], cwd=repo
        )
    assert result.returncode == 3, result.stderr
    assert 1.4 < seconds_after_first_request(finished, fake.requests) < 4.5
    no_traceback(result)


# -- GitHub: deadline, redirect, echo ----------------------------------------------------------
@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = start_fake_github()
    yield fake
    stop_fake_github(fake)


def comment_env(github: FakeGitHub, tmp_path: Path) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"number": 7, "pull_request": {"number": 7}, "repository": {"full_name": "a/b"}})
    )
    return {
        "GITHUB_API_URL": github.url,
        "GITHUB_GRAPHQL_URL": github.graphql_url,
        "GITHUB_REPOSITORY": "a/b",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": GITHUB_TOKEN,
    }


def comment(tmp_path: Path, env: dict[str, str], *extra: str):
    report = tmp_path / "report.md"
    report.write_text("## promptops\n\nall good\n", encoding="utf-8")
    return timed_cli(["comment", "github", "--report", str(report), *extra], env=env)


def test_github_drip_ends_at_the_timeout(tmp_path, github):
    github.drip_s = 0.3
    result, finished = comment(tmp_path, comment_env(github, tmp_path), "--timeout", "2")
    assert result.returncode == 2, result.stderr
    assert 1.9 < seconds_after_first_request(finished, github.requests) < 5
    assert "2s" in result.stderr
    no_traceback(result)


def test_github_redirect_to_another_origin_never_carries_the_token(tmp_path, github):
    with LoopbackServer() as sink:
        github.redirect_to = sink.url
        result, _ = comment(tmp_path, comment_env(github, tmp_path), "--timeout", "5")
    assert result.returncode == 2, result.stderr
    assert "refused" in result.stderr
    assert sink.requests == []
    no_traceback(result)


def test_github_error_echoing_the_token_is_redacted(tmp_path, github):
    github.echo_status = 422
    result, _ = comment(tmp_path, comment_env(github, tmp_path))
    assert result.returncode == 2, result.stderr
    assert "[REDACTED]" in result.stderr
    assert GITHUB_TOKEN not in result.stderr + result.stdout
    no_traceback(result)


# -- credentials go only where the environment says ---------------------------------------------
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_anthropic_redirect_to_another_origin_is_refused(repo, status):
    with LoopbackServer() as sink, FakeAnthropic() as fake:
        location = {"location": sink.url + MESSAGES}
        fake.enqueue(*[error_reply(status, "moved", "moved", location)] * 10)
        result, _ = timed_cli(["eval", "--quiet", "--no-cache"], cwd=repo, env=anthropic_env(fake))
    assert result.returncode == 3, result.stderr
    assert "refused" in result.stderr and sink.url in result.stderr
    assert sink.requests == []
    no_traceback(result)


def test_batch_results_on_another_origin_are_refused(repo):
    with LoopbackServer() as sink, FakeAnthropic(results_base=sink.url) as fake:
        result, _ = timed_cli(
            ["eval", "--quiet", "--no-cache", "--batch"], cwd=repo, env=anthropic_env(fake)
        )
    assert result.returncode == 3, result.stderr
    assert sink.requests == []
    no_traceback(result)


def test_local_redirect_to_another_origin_is_refused_and_same_origin_is_followed(tmp_path):
    config = f"eval: {{cache_dir: .cache, api_key: {LOCAL_KEY}}}\n"
    root = make_repo(tmp_path / "repo", config)
    args = LOCAL
    with LoopbackServer() as sink, FakeOpenAI() as fake:
        fake.enqueue(Scripted(307, headers={"Location": fake.url + "/v1/moved"}))
        fake.enqueue(Scripted(200, completion("Hello ana")))
        followed, _ = timed_cli([*args, "--base-url", fake.base_url], cwd=root)
        fake.enqueue(*[Scripted(302, headers={"Location": sink.url + CHAT})] * 10)
        refused, _ = timed_cli([*args, "--base-url", fake.base_url], cwd=root)
    assert followed.returncode == 0, followed.stderr
    assert [r.path for r in fake.requests[:2]] == [CHAT, "/v1/moved"]
    assert refused.returncode == 3, refused.stderr
    assert "refused" in refused.stderr
    assert sink.requests == []


def test_repo_config_cannot_choose_the_anthropic_endpoint(tmp_path):
    with LoopbackServer() as sink:
        config = f"eval: {{anthropic_base_url: '{sink.url}'}}\n"
        root = make_repo(tmp_path / "repo", config)
        result, _ = timed_cli(
            ["eval", "--quiet", "--no-cache"], cwd=root, env={"ANTHROPIC_API_KEY": ANTHROPIC_KEY}
        )
    assert result.returncode == 2, result.stderr
    assert "ANTHROPIC_BASE_URL" in result.stderr and "--anthropic-base-url" in result.stderr
    assert sink.requests == []
    no_traceback(result)


def test_anthropic_base_url_flag_points_the_assigned_target(repo):
    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_API_KEY": ANTHROPIC_KEY}
        result, _ = timed_cli(
            ["eval", "--quiet", "--no-cache", "--anthropic-base-url", fake.base_url],
            cwd=repo,
            env=env,
        )
    assert result.returncode == 0, result.stderr
    assert len(fake.requests_to(MESSAGES)) == 1


def test_the_local_target_never_receives_the_anthropic_key(tmp_path):
    config = f"eval: {{cache_dir: .cache, api_key: {LOCAL_KEY}}}\n"
    root = make_repo(tmp_path / "repo", config)
    with FakeOpenAI() as fake:
        result, _ = timed_cli(
            [*LOCAL, "--base-url", fake.base_url],
            cwd=root,
            env={"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "GITHUB_TOKEN": GITHUB_TOKEN},
        )
    assert result.returncode == 0, result.stderr
    sent = fake.chat_requests()
    assert sent and all(r.headers.get("authorization") == f"Bearer {LOCAL_KEY}" for r in sent)
    for request in fake.requests:
        wire = json.dumps(request.headers) + request.body.decode("utf-8", "replace")
        assert ANTHROPIC_KEY not in wire and GITHUB_TOKEN not in wire


def test_an_echoing_server_is_redacted_in_output_report_and_cache(repo):
    report = repo / "report.json"
    with FakeAnthropic() as fake:
        fake.enqueue(echo_credentials(400))
        result, _ = timed_cli(
            ["eval", "--quiet", "--format", "json", "--output", str(report)],
            cwd=repo,
            env=anthropic_env(fake),
        )
    assert result.returncode == 1, result.stderr
    text = report.read_text(encoding="utf-8")
    error = json.loads(text)["suites"][0]["head"]["cases"][0]["attempts"][0]["error"]
    assert "[REDACTED]" in error
    assert ANTHROPIC_KEY not in text + result.stdout + result.stderr


# -- provider answers validated at the boundary ---------------------------------------------------
LOCAL_SHAPES: dict[str, tuple[Scripted, str]] = {
    "not-json": (Scripted(200, raw=b"<html>gateway</html>"), "not JSON"),
    "empty-body": (Scripted(200, raw=b""), "not JSON"),
    "bad-utf8": (Scripted(200, raw=b'{"choices": "\xff\xfe"}'), "not UTF-8"),
    "truncated": (Scripted(200, raw=b'{"choices": [{"message": {"content": "hi'), "not JSON"),
    "json-list": (Scripted(200, []), "must be a JSON object"),
    "empty-choices": (Scripted(200, {**completion(), "choices": []}), "non-empty list"),
    "choices-null": (Scripted(200, {**completion(), "choices": None}), "non-empty list"),
    "choice-not-object": (Scripted(200, {**completion(), "choices": ["hi"]}), "choices[0]"),
    "no-message": (Scripted(200, {**completion(), "choices": [{"index": 0}]}), "message"),
    "content-number": (Scripted(200, completion(42)), "message.content"),
    "part-not-object": (Scripted(200, completion([7])), "content part"),
    "no-usage": (Scripted(200, {**completion(), "usage": None}), "no `usage`"),
    "negative-usage": (
        Scripted(200, completion("hi", {"prompt_tokens": -1_000_000_000, "completion_tokens": 1})),
        "non-negative",
    ),
    "float-usage": (
        Scripted(200, completion("hi", {"prompt_tokens": 1.5, "completion_tokens": 1})),
        "non-negative integer",
    ),
    "string-usage": (
        Scripted(200, completion("hi", {"prompt_tokens": "12", "completion_tokens": 1})),
        "non-negative integer",
    ),
    "cached-over-prompt": (
        Scripted(
            200,
            completion(
                "hi",
                {
                    "prompt_tokens": 1,
                    "completion_tokens": 1,
                    "prompt_tokens_details": {"cached_tokens": 5},
                },
            ),
        ),
        "cached tokens",
    ),
    "bad-tool-calls": (Scripted(200, completion(None, tool_calls={"x": 1})), "tool_calls"),
    "error-in-200": (Scripted(200, {"error": {"message": "model not loaded"}}), "model not loaded"),
    "server-error-text": (Scripted(400, raw=b"bad request: context too long"), "HTTP 400"),
}


SHAPES_FLAGS = ["--model", "tiny", "--concurrency", "1", "--max-retries", "0", "--format", "json"]


@pytest.fixture(scope="module")
def local_shapes_report(tmp_path_factory) -> dict:
    """One CLI run, one case per malformed shape, answered in case order (concurrency 1)."""
    root = make_repo(
        tmp_path_factory.mktemp("shapes") / "repo",
        "eval: {cache_dir: .cache}\nprices: {tiny: {input: 1, output: 5, cache_read: 0.1}}\n",
        cases=list(LOCAL_SHAPES),
    )
    (root / "evals" / "echo.yaml").write_text(
        suite(list(LOCAL_SHAPES), "{min_pass_rate: 1.0, max_cost_per_case_usd: 0.01}")
    )
    with FakeOpenAI() as fake:
        fake.enqueue(*(reply for reply, _ in LOCAL_SHAPES.values()))
        result = run_cli(
            [*LOCAL, "--base-url", fake.base_url, *SHAPES_FLAGS],
            cwd=root,
            env={"ANTHROPIC_API_KEY": ANTHROPIC_KEY},
            timeout=120,
        )
    return {"result": result, "report": json.loads(result.stdout or "{}")}


@pytest.mark.parametrize("shape", list(LOCAL_SHAPES))
def test_a_malformed_local_answer_is_one_clear_case_error(local_shapes_report, shape):
    result = local_shapes_report["result"]
    no_traceback(result)
    assert result.returncode == 1, result.stderr  # the gate fails on errored cases, no crash
    cases = {c["id"]: c for c in local_shapes_report["report"]["suites"][0]["head"]["cases"]}
    attempt = cases[shape]["attempts"][0]
    assert attempt["passed"] is False
    assert LOCAL_SHAPES[shape][1] in (attempt["error"] or ""), attempt
    assert not str(attempt["cost_usd"] or "0").startswith("-")


def _negative_figures(value, path="") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _negative_figures(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _negative_figures(v, f"{path}[{i}]")]
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return [path]
    if isinstance(value, str) and value[:1] == "-" and value[1:2].isdigit():
        return [path]
    return []


def test_negative_usage_never_passes_the_cost_gate(local_shapes_report):
    suite_report = local_shapes_report["report"]["suites"][0]
    assert _negative_figures(suite_report) == []
    gates = {g["gate"]: g for g in suite_report["gates"]} if "gates" in suite_report else {}
    assert not gates or gates["min_pass_rate"]["passed"] is False


@pytest.mark.parametrize(
    "content, expected",
    [
        (parts("Hello ", "ana"), "Hello ana"),
        (
            [{"type": "text", "text": "Hello ana"}, {"type": "image_url", "image_url": {}}],
            "Hello ana",
        ),
        (None, ""),
    ],
    ids=["text-parts", "mixed-parts", "null-content"],
)
def test_content_parts_real_servers_send_are_answers(repo, content, expected):
    with FakeOpenAI() as fake:
        fake.enqueue(Scripted(200, completion(content)))
        result = run_cli(
            [*LOCAL, "--base-url", fake.base_url, "--format", "json"],
            cwd=repo,
        )
    no_traceback(result)
    attempt = json.loads(result.stdout)["suites"][0]["head"]["cases"][0]["attempts"][0]
    assert attempt["error"] is None
    assert attempt["output"] == expected


ANTHROPIC_SHAPES: dict[str, tuple[Reply, str]] = {
    "not-json": (Reply(200, raw=b"<html>gateway</html>"), "not JSON"),
    "bad-utf8": (Reply(200, raw=b'{"content": "\xff"}'), "not UTF-8"),
    "json-list": (Reply(200, []), "must be a JSON object"),
    "content-string": (Reply(200, {**message_body("x"), "content": "hi"}), "list of blocks"),
    "block-not-object": (Reply(200, message_body("x", content=["hi"])), "content block"),
    "text-not-string": (Reply(200, message_body("x", content=[{"type": "text"}])), "text block"),
    "no-usage": (Reply(200, {**message_body("x"), "usage": None}), "no `usage`"),
    "negative-usage": (
        Reply(200, message_body("x", usage={"input_tokens": -(10**9), "output_tokens": 1})),
        "non-negative",
    ),
    "float-usage": (
        Reply(200, message_body("x", usage={"input_tokens": 0.5, "output_tokens": 1})),
        "non-negative integer",
    ),
    "error-in-200": (Reply(200, {"type": "error", "error": {"message": "boom"}}), "boom"),
}


@pytest.fixture(scope="module")
def anthropic_shapes_report(tmp_path_factory) -> dict:
    root = make_repo(tmp_path_factory.mktemp("a-shapes") / "repo", cases=list(ANTHROPIC_SHAPES))
    with FakeAnthropic() as fake:
        fake.enqueue(*(reply for reply, _ in ANTHROPIC_SHAPES.values()))
        result = run_cli(
            ["eval", "--quiet", "--no-cache", "--concurrency", "1", "--format", "json"],
            cwd=root,
            env=anthropic_env(fake),
            timeout=120,
        )
    return {"result": result, "report": json.loads(result.stdout or "{}")}


@pytest.mark.parametrize("shape", list(ANTHROPIC_SHAPES))
def test_a_malformed_anthropic_answer_is_one_clear_case_error(anthropic_shapes_report, shape):
    result = anthropic_shapes_report["result"]
    no_traceback(result)
    assert result.returncode == 1, result.stderr
    cases = {c["id"]: c for c in anthropic_shapes_report["report"]["suites"][0]["head"]["cases"]}
    attempt = cases[shape]["attempts"][0]
    assert attempt["passed"] is False
    assert ANTHROPIC_SHAPES[shape][1] in (attempt["error"] or ""), attempt


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_exit_2_on_every_provider(repo, status):
    with FakeOpenAI() as fake:
        fake.enqueue(Scripted(status, {"error": {"message": "invalid api key"}}))
        local = run_cli(
            [*LOCAL, "--base-url", fake.base_url],
            cwd=repo,
        )
    with FakeAnthropic() as fake:
        fake.enqueue(error_reply(status, "authentication_error", "invalid x-api-key"))
        assigned = run_cli(["eval", "--quiet", "--no-cache"], cwd=repo, env=anthropic_env(fake))
    for result in (local, assigned):
        assert result.returncode == 2, result.stderr
        assert "credentials" in result.stderr
        no_traceback(result)


# -- faults ---------------------------------------------------------------------------------
def test_eval_base_skips_symlinks_that_point_outside_the_tree(tmp_path):
    root = make_repo(tmp_path / "repo")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n", encoding="utf-8")
    (root / "abs-link").symlink_to("/etc/passwd")
    (root / "rel-link").symlink_to("../outside.txt")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base with symlinks")
    with FakeAnthropic() as fake:
        result, _ = timed_cli(
            ["eval", "--quiet", "--no-cache", "--base", "HEAD", "--format", "json"],
            cwd=root,
            env=anthropic_env(fake),
        )
    no_traceback(result)
    assert result.returncode == 0, result.stderr
    suite_report = json.loads(result.stdout)["suites"][0]
    assert suite_report["base"] is not None
    assert os.readlink(root / "rel-link") == "../outside.txt"  # the worktree is untouched


BAD_FLAGS = [
    ["--timeout", "-1"],
    ["--timeout", "0"],
    ["--timeout", "nan"],
    ["--timeout", "inf"],
    ["--timeout", "soon"],
    ["--max-retries", "-5"],
    ["--max-retries", "1000"],
    ["--concurrency", "0"],
    ["--repeat", "0"],
    ["--min-passes", "0"],
    ["--base-url", "ftp://example.com/v1"],
    ["--base-url", "not a url"],
    ["--anthropic-base-url", "file:///etc/passwd"],
]


@pytest.mark.parametrize("flags", BAD_FLAGS, ids=[" ".join(f) for f in BAD_FLAGS])
def test_bad_option_values_are_usage_errors(repo, flags):
    result = run_cli(["eval", "--quiet", "--no-cache", *flags], cwd=repo)
    assert result.returncode == 2, result.stderr
    assert "Invalid value" in result.stderr
    no_traceback(result)


@pytest.mark.parametrize("value", ["-1", "nan", "0"])
def test_comment_timeout_is_validated_too(tmp_path, value):
    report = tmp_path / "r.md"
    report.write_text("x", encoding="utf-8")
    result = run_cli(["comment", "github", "--report", str(report), "--timeout", value])
    assert result.returncode == 2, result.stderr
    no_traceback(result)


@pytest.mark.parametrize("value", [".nan", "-3", "'soon'"])
def test_a_bad_eval_timeout_in_config_is_a_usage_error(tmp_path, value):
    root = make_repo(tmp_path / "repo", f"eval: {{timeout_s: {value}}}\n")
    result = run_cli(["eval", "--quiet", "--no-cache"], cwd=root)
    assert result.returncode == 2, result.stderr
    no_traceback(result)
