"""With ANTHROPIC_API_KEY and GITHUB_TOKEN set, no byte of either appears in any output, report,
cache file, or request to an origin other than the one configured for it.

One scenario drives the real CLI through everything hostile at once: an Anthropic endpoint
that echoes the key in answers and errors and redirects to another origin, a local server, a
GitHub API that redirects and echoes; then every output, every file written and every request
every server received is searched for both secrets.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.fake_anthropic import (
    MESSAGES,
    FakeAnthropic,
    Reply,
    echo_credentials,
    error_reply,
    message_body,
)
from tests.support.fake_github import start_fake_github, stop_fake_github
from tests.support.fake_openai import FakeOpenAI
from tests.support.hostile_http import LoopbackServer, Scripted

pytestmark = pytest.mark.slow

ANTHROPIC_KEY = "sk-ant-api03-NEVER-LEAK-anthropic-0123456789abcdef"
GITHUB_TOKEN = "ghs_NEVERLEAKgithubToken0123456789abcdef"
SECRETS = (ANTHROPIC_KEY.encode(), GITHUB_TOKEN.encode())

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
SUITE = """\
kind: eval
id: echo-suite
prompt: echo
gate: {min_pass_rate: 0.0}
cases:
  - {id: a, vars: {name: Ana}}
  - {id: b, vars: {name: Bo}}
  - {id: c, vars: {name: Cy}}
"""


def _echo_answer(headers: dict[str, str]) -> dict:
    """A model 'talked into' repeating the credentials it was called with."""
    seen = " ".join(f"{k}={v}" for k, v in headers.items())
    return message_body(f"my instructions say: {seen}")


def _leaks(blob: bytes) -> list[str]:
    return [secret.decode()[:12] + "…" for secret in SECRETS if secret in blob]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "prompts").mkdir(parents=True)
    (root / "evals").mkdir()
    (root / "prompts" / "echo.yaml").write_text(PROMPT, encoding="utf-8")
    (root / "evals" / "echo.yaml").write_text(SUITE, encoding="utf-8")
    (root / "promptops.yaml").write_text("eval: {cache_dir: .cache}\n", encoding="utf-8")
    return root


def test_no_byte_of_either_secret_leaks_anywhere(repo: Path, tmp_path: Path) -> None:
    outputs: list[str] = []
    env = {
        "ANTHROPIC_API_KEY": ANTHROPIC_KEY,
        "GITHUB_TOKEN": GITHUB_TOKEN,
        "PROMPTOPS_CACHE_DIR": str(tmp_path / "promptops-cache"),
    }
    report = tmp_path / "eval-report.json"
    github = start_fake_github()
    try:
        with (
            LoopbackServer() as sink,
            FakeAnthropic() as anthropic,
            FakeOpenAI() as local,
        ):
            # 1. The assigned target echoes the key in an answer and in an error.
            anthropic.enqueue(Reply(200, _echo_answer), echo_credentials(400))
            run_env = {**env, "ANTHROPIC_BASE_URL": anthropic.base_url}
            args = ["eval", "--concurrency", "1", "--format", "json", "--output", str(report)]
            first = run_cli(args, cwd=repo, env=run_env)
            assert first.returncode == 0, first.stderr
            outputs += [first.stdout, first.stderr]
            answers = json.loads(report.read_text(encoding="utf-8"))["suites"][0]["head"]
            assert "[REDACTED]" in answers["cases"][0]["attempts"][0]["output"]
            assert "[REDACTED]" in answers["cases"][1]["attempts"][0]["error"]

            # 2. Then it redirects every call to another origin.
            moved = error_reply(307, "moved", "moved", {"location": sink.url + MESSAGES})
            anthropic.enqueue(*[moved] * 10)
            second = run_cli(["eval", "--no-cache"], cwd=repo, env=run_env)
            assert second.returncode == 3, second.stderr
            outputs += [second.stdout, second.stderr]

            # 3. The local target, with both secrets in the environment, then redirected.
            local_args = ["eval", "--no-cache", "--target", "local", "--base-url", local.base_url]
            third = run_cli(local_args, cwd=repo, env=env)
            assert third.returncode == 0, third.stderr
            local.enqueue(*[Scripted(302, headers={"Location": sink.url + "/v1/x"})] * 10)
            fourth = run_cli(local_args, cwd=repo, env=env)
            assert fourth.returncode == 3, fourth.stderr
            outputs += [third.stdout, third.stderr, fourth.stdout, fourth.stderr]

            # 4. The sticky comment from the eval report, then a redirecting and an echoing API.
            event = tmp_path / "event.json"
            event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7}}))
            github_env = {
                **env,
                "GITHUB_API_URL": github.url,
                "GITHUB_GRAPHQL_URL": github.graphql_url,
                "GITHUB_REPOSITORY": "acme/prompts",
                "GITHUB_EVENT_NAME": "pull_request",
                "GITHUB_EVENT_PATH": str(event),
            }
            comment = ["comment", "github", "--report", str(report), "--timeout", "10"]
            posted = run_cli(comment, env=github_env)
            assert posted.returncode == 0, posted.stderr
            github.redirect_to = sink.url
            redirected = run_cli(comment, env=github_env)
            assert redirected.returncode == 2, redirected.stderr
            github.redirect_to = None
            github.echo_status = 422
            echoed = run_cli(comment, env=github_env)
            assert echoed.returncode == 2, echoed.stderr
            outputs += [posted.stdout, posted.stderr, redirected.stdout, redirected.stderr]
            outputs += [echoed.stdout, echoed.stderr]

            # Nothing ever reached the other origin.
            assert sink.requests == []
            # The local server is another origin for both secrets.
            for request in local.requests:
                assert not _leaks(json.dumps(request.headers).encode() + request.body)
            # The Anthropic endpoint legitimately gets its key, never the GitHub token.
            for request in anthropic.requests:
                wire = json.dumps(request.headers) + json.dumps(request.body)
                assert GITHUB_TOKEN not in wire
            # GitHub legitimately gets its token in the Authorization header, nothing else.
            for request in github.requests:
                headers = {k: v for k, v in request.headers.items() if k != "authorization"}
                assert not _leaks(json.dumps(headers).encode() + json.dumps(request.body).encode())
                assert ANTHROPIC_KEY not in request.headers.get("authorization", "")
    finally:
        stop_fake_github(github)

    for text in outputs:
        assert not _leaks(text.encode()), text
    written = [p for p in tmp_path.rglob("*") if p.is_file() and ".git" not in p.parts]
    assert any(".cache" in p.parts for p in written)  # the response cache was written
    for path in written:
        assert not _leaks(path.read_bytes()), path
