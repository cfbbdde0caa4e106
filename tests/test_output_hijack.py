"""Output that cannot be hijacked (issue 14): a pull request's file names, model names, owners
and prompt text reach the PR comment, the job summary and `--markdown-output` inert (no live
mention, link, image, HTML or broken code span), the terminal without raw control sequences;
the sticky comment is found by our marker *and* the token's identity; every Markdown output
fits GitHub's 65,536 characters with the verdict and the totals kept.

Driven through the Action's run step and the CLI against the loopback fake GitHub and real git
repositories.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from promptops.github.comments import parse_marker
from promptops.report.markdown import render_markdown
from tests.diff_fixtures import base_repo
from tests.support.cli import run_cli
from tests.support.fake_github import BOT, FakeGitHub, start_fake_github, stop_fake_github
from tests.test_github_action_run import PR, REPO, run_action, write_event

LIMIT = 65_536
N_LARGE = 600
CHECK_JSON = ("check", "--base", "main", "--head", "feature", "--format", "json")
ESC = "\x1b"
ZWJ = "\u200d"
# The file name and the model name a hostile pull request uses: a team mention, a link, an
# image with a handler, backticks and an ANSI colour sequence.
PATH = "prompts/@org-team [x](y) <img src=x onerror=alert(1)> a`b \x1b[31mred.yaml"
MODEL = "@org/team [x](https://evil) <img src=x onerror=alert(1)> a`b``c \x1b[31mred\x1b[0m"
OWNER = "@org/owners <details open> \x1b]0;pwned\x07"
PROMPT_LINE = "Ask @org/team about [x](https://evil) <details><img src=x onerror=alert(1)>"

# What they must become in Markdown text, exactly.
PATH_ESCAPED = (
    f"prompts/@{ZWJ}org-team \\[x\\](y) &lt;img src=x onerror=alert(1)> a\\`b \\\\x1b\\[31mred.yaml"
)
MODEL_ESCAPED = (
    f"@{ZWJ}org/team \\[x\\](https{ZWJ}://evil) &lt;img src=x onerror=alert(1)> "
    "a\\`b\\`\\`c \\\\x1b\\[31mred\\\\x1b\\[0m"
)
PATH_CODE = "``prompts/@org-team [x](y) <img src=x onerror=alert(1)> a`b \\x1b[31mred.yaml``"


def _prompt(model: str, system: str) -> str:
    return (
        "kind: prompt\nid: hostile\nversion: 1.0.0\n"
        f'model: "{model}"\nworkload: support\nmax_output_tokens: 400\nsystem: |\n{system}\n'
    )


def _yaml_model(text: str) -> str:
    """TEXT inside a YAML double-quoted scalar (ESC written as YAML's `\\e`)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace(ESC, "\\e").replace("\x07", "\\a")


def hostile_repo(root: Path) -> tuple[Path, str, str]:
    """main has a benign prompt at PATH; feature gives it MODEL, hostile prompt lines and a
    charter owner with a terminal title sequence. Returns (root, base sha, head sha)."""
    repo = base_repo(root)
    (root / PATH).parent.mkdir(parents=True, exist_ok=True)
    (root / PATH).write_text(_prompt("claude-sonnet-4-6", "  Be brief."), encoding="utf-8")
    base = repo.commit("benign")
    repo.branch("feature")
    system = f"  {PROMPT_LINE}\n  ```\n  </details> @org/team done"
    (root / PATH).write_text(_prompt(_yaml_model(MODEL), system), encoding="utf-8")
    charter = (root / "charters/support.yaml").read_text(encoding="utf-8")
    owner = f'owner: "{_yaml_model(OWNER)}"'
    (root / "charters/support.yaml").write_text(
        charter.replace("owner: alice", owner), encoding="utf-8"
    )
    head = repo.commit("hostile")
    return root, base, head


def live_markdown(markdown: str) -> str:
    """What GitHub would interpret in MARKDOWN: fenced blocks, code spans and backslash
    escapes removed (their content is shown literally, never as a mention, link or HTML)."""
    kept, fence = [], ""
    for line in markdown.splitlines():
        opening = re.match(r"^(`{3,})", line)
        if fence:
            if opening and len(opening.group(1)) >= len(fence) and not line.strip("`"):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        kept.append(line)
    text = re.sub(r"\\[\\`\[\]|*~_]", "", "\n".join(kept))
    return re.sub(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", "", text)


OUR_RULE_LINK = re.compile(
    r"\[PO[0-9]{3}\]\(https://github\.com/promptops/promptops/blob/main/docs/rules/PO[0-9]{3}\.md\)"
)


def assert_inert(markdown: str) -> None:
    """No live mention, link (but ours to a rule's docs), autolink, HTML or broken row."""
    live = OUR_RULE_LINK.sub("", live_markdown(markdown))
    assert ESC not in markdown and "\x07" not in markdown
    assert not re.search(r"(?<![0-9A-Za-z_])@[0-9A-Za-z]", live), "a live @mention"
    assert "](" not in live, "a live link"
    assert not re.search(r"(?i)<(img|a |script|iframe)", live), "live HTML"
    assert "https://" not in live and "www." not in live, "a live autolink"
    assert live.count("<details") == live.count("</details>"), "unbalanced <details>"
    for line in live.splitlines():  # every table row keeps its columns
        if line.startswith("|"):
            assert line.rstrip().endswith("|"), line


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = start_fake_github()
    yield fake
    stop_fake_github(fake)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    return hostile_repo(tmp_path_factory.mktemp("hostile") / "repo")


# -- 1. escaping ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_action_comment_and_job_summary_leave_nothing_live(hostile, github, tmp_path):
    root, base, head = hostile
    runner = tmp_path / "runner"
    runner.mkdir()
    ws = {
        "repo": root,
        "base": base,
        "head": head,
        "temp": runner,
        "event": write_event(tmp_path / "event.json", base, head),
    }
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    result = run_action(ws, github, env=env)
    assert result.returncode == 1, result.stdout + result.stderr  # unknown model: blocked
    (comment,) = github.issue_comments(REPO, PR)
    body, summary = comment["body"], result.summary
    for markdown in (body, summary):
        assert_inert(markdown)
        assert PATH_ESCAPED in markdown
        assert MODEL_ESCAPED in markdown
        assert f"**hostile** — {PATH_CODE}" not in markdown  # ids are code spans
        assert f"**`hostile`** — {PATH_CODE}" in markdown
        # the prompt lines sit in a fence longer than the ``` inside them
        assert f"````diff\n ## system[0]\n-Be brief.\n+{PROMPT_LINE}\n+```\n" in markdown
        assert "+</details> @org/team done\n````" in markdown
        assert "### 🧾 promptops: ❌ 2 blocking issues" in markdown
    assert parse_marker(body) is not None


def test_markdown_output_and_format_markdown_are_escaped_too(hostile, tmp_path):
    root, _, _ = hostile
    out = tmp_path / "comment.md"
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    check = run_cli(
        [*CHECK_JSON, "--markdown-output", str(out)],
        cwd=root,
        env=env,
    )
    assert check.returncode == 1, check.stderr
    diff = run_cli(["diff", "main", "feature", "--format", "markdown"], cwd=root, env=env)
    assert diff.returncode == 1, diff.stderr
    for markdown in (out.read_text(encoding="utf-8"), diff.stdout):
        assert_inert(markdown)
        assert MODEL_ESCAPED in markdown and PATH_ESCAPED in markdown


def test_mbom_markdown_escapes_owners_models_and_paths(hostile, tmp_path):
    root, _, _ = hostile
    result = run_cli(["mbom", "--as-of", "2026-08-21"], cwd=root)
    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout)
    assert f"@{ZWJ}org/owners &lt;details open> \\\\x1b\\]0;pwned\\\\x07" in result.stdout
    assert MODEL_ESCAPED in result.stdout


def test_lint_findings_markdown_links_only_to_our_rule_docs(github, tmp_path):
    report = tmp_path / "lint.json"
    finding = {
        "code": "[PO999](https://evil)",
        "severity": "error",
        "message": MODEL,
        "path": PATH,
        "line": 1,
        "url": "javascript:alert(1)",
    }
    ours = {**finding, "code": "PO306", "url": "https://evil.example/PO306"}
    report.write_text(json.dumps({"findings": [finding, ours]}), encoding="utf-8")
    event = write_event(tmp_path / "event.json", "a" * 40, "b" * 40)
    env = {
        "GITHUB_API_URL": github.url,
        "GITHUB_GRAPHQL_URL": github.graphql_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": "ghs_installation",
    }
    result = run_cli(["comment", "github", "--report", str(report)], env=env)
    assert result.returncode == 0, result.stderr
    (comment,) = github.issue_comments(REPO, PR)
    assert_inert(comment["body"])
    assert "javascript:" not in comment["body"] and "evil.example" not in comment["body"]
    assert "| ❌ | \\[PO999\\](https\u200d://evil) |" in comment["body"]
    assert (
        "[PO306](https://github.com/promptops/promptops/blob/main/docs/rules/PO306.md)"
        in (comment["body"])
    )


# -- 2. the sticky comment is ours by marker and identity -----------------------------------


def _comment_env(github: FakeGitHub, tmp_path: Path, token: str, updated_at: str) -> dict:
    event = tmp_path / f"event-{updated_at[:13]}.json"
    event.write_text(
        json.dumps(
            {
                "number": PR,
                "pull_request": {"number": PR, "updated_at": updated_at},
                "repository": {"full_name": REPO},
            }
        ),
        encoding="utf-8",
    )
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": github.url,
        "GITHUB_GRAPHQL_URL": github.graphql_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_TOKEN": token,
    }


def _publish(github, tmp_path, text, token="ghs_installation", at="2026-05-01T09:00:00Z"):
    report = tmp_path / "report.md"
    report.write_text(text, encoding="utf-8")
    env = _comment_env(github, tmp_path, token, at)
    result = run_cli(["comment", "github", "--report", str(report)], env=env)
    assert result.returncode == 0, result.stderr
    return result


FUTURE = "<!-- promptops:comment id=default valid-at=2099-01-01T00:00:00Z -->\nfrozen?\n"
OTHER_APP = {"login": "evil-app[bot]", "id": 66, "type": "Bot"}
MALLORY = {"login": "mallory", "id": 67, "type": "User"}


@pytest.mark.parametrize("viewer_forbidden", [False, True], ids=["viewer", "fallback"])
def test_another_apps_or_users_marker_comment_neither_freezes_nor_is_edited(
    github, tmp_path, viewer_forbidden
):
    github.viewer_forbidden = viewer_forbidden  # GraphQL refuses: github-actions[bot] assumed
    theirs = [
        github.add_comment(REPO, PR, FUTURE, user=OTHER_APP),
        github.add_comment(REPO, PR, FUTURE, user=MALLORY),
    ]
    first = _publish(github, tmp_path, "### promptops\n\nfirst\n")
    assert "created" in first.stderr
    second = _publish(github, tmp_path, "### promptops\n\nsecond\n", at="2026-05-01T10:00:00Z")
    assert "updated" in second.stderr
    comments = github.issue_comments(REPO, PR)
    assert [c["body"] for c in comments[:2]] == [FUTURE, FUTURE]  # untouched
    (ours,) = comments[2:]
    assert ours["user"]["login"] == BOT["login"] and "second" in ours["body"]
    patched = {r.path for r in github.writes() if r.method == "PATCH"}
    assert patched == {f"/repos/{REPO}/issues/comments/{ours['id']}"}
    assert not any(f"/comments/{t['id']}" in r.path for r in github.writes() for t in theirs)


def test_delete_and_new_never_deletes_another_apps_comment(github, tmp_path):
    theirs = github.add_comment(REPO, PR, FUTURE, user=OTHER_APP)
    _publish(github, tmp_path, "one\n")
    report = tmp_path / "two.md"
    report.write_text("two\n", encoding="utf-8")
    env = _comment_env(github, tmp_path, "ghs_installation", "2026-05-01T10:00:00Z")
    result = run_cli(
        ["comment", "github", "--report", str(report), "--behavior", "delete-and-new"], env=env
    )
    assert result.returncode == 0, result.stderr
    bodies = [c["body"] for c in github.issue_comments(REPO, PR)]
    assert bodies[0] == FUTURE and theirs["id"] == github.issue_comments(REPO, PR)[0]["id"]
    assert len(bodies) == 2 and "two" in bodies[1]


def test_an_app_token_owns_only_its_own_bots_comments(github, tmp_path):
    github.users["ghs_promptops_app"] = {"login": "promptops-app[bot]", "id": 70, "type": "Bot"}
    actions = github.add_comment(
        REPO, PR, "<!-- promptops:comment id=default valid-at=2026-01-01T00:00:00Z -->\nold\n"
    )  # written by github-actions[bot]: another identity than this token's
    _publish(github, tmp_path, "mine\n", token="ghs_promptops_app")
    _publish(github, tmp_path, "mine again\n", token="ghs_promptops_app", at="2026-05-02T00:00:00Z")
    comments = github.issue_comments(REPO, PR)
    assert comments[0]["body"] == actions["body"]
    (mine,) = comments[1:]
    assert mine["user"]["login"] == "promptops-app[bot]" and "mine again" in mine["body"]
    assert mine["performed_via_github_app"]["slug"] == "promptops-app"


def test_a_personal_token_leaves_the_actions_bots_marker_comment_alone(github, tmp_path):
    github.users["ghp_octocat"] = {"login": "octocat", "id": 3, "type": "User"}
    bot_comment = github.add_comment(REPO, PR, FUTURE)  # github-actions[bot], future stamp
    _publish(github, tmp_path, "by octocat\n", token="ghp_octocat")
    comments = github.issue_comments(REPO, PR)
    assert comments[0]["body"] == bot_comment["body"]
    assert comments[1]["user"]["login"] == "octocat" and "by octocat" in comments[1]["body"]


# -- 3. terminal output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--base", "main", "--head", "feature", "--format", "text"],
        ["diff", "main", "feature"],
        ["lint", "--format", "text"],
        ["tokens"],
    ],
    ids=["check", "diff", "lint", "tokens"],
)
def test_terminal_output_has_no_control_sequence_from_the_repository(hostile, tmp_path, args):
    root, _, _ = hostile
    env = {"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")}
    plain = run_cli(args, cwd=root, env=env)
    assert plain.returncode in (0, 1), plain.stderr
    assert "red.yaml" in plain.stdout or "red\\x1b" in plain.stdout
    assert ESC not in plain.stdout and "\x07" not in plain.stdout
    assert "\\x1b[31mred" in plain.stdout  # shown as a visible escape
    colored = run_cli(args, cwd=root, env={**env, "NO_COLOR": "", "FORCE_COLOR": "1"})
    assert "\x1b[31mred" not in colored.stdout and "\x1b]0;" not in colored.stdout
    if args[0] in ("check", "diff", "lint"):  # our own colours stay
        assert re.search(r"\x1b\[(1|31|33|36)m", colored.stdout), colored.stdout[:500]


def test_printable_keeps_newlines_and_tabs_and_shows_bidi_overrides():
    from promptops.text.formatting import printable

    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("x\x1b[2Jy\x9bz\u202egnp.exe\r") == "x\\x1b[2Jy\\x9bz\\u202egnp.exe\\x0d"


# -- 4. the 65,536-character limit ----------------------------------------------------------


def _ten_thousand_row_report(root: Path, tmp_path: Path) -> dict:
    """A real check report of the hostile change, grown to 10,000 prompts, workloads, blocking
    reasons and warnings (what a generated change of that size reports)."""
    result = run_cli(
        ["check", "--base", "main", "--head", "feature", "--format", "json"],
        cwd=root,
        env={"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")},
    )
    report = json.loads(result.stdout)
    prompt = report["prompts"][0]  # the hostile prompt: its path, model and hunks
    for side in (prompt.get("base"), prompt.get("head")):
        if side:
            side.pop("parts", None)  # not rendered: keeps 10,000 copies under 32 MiB
    workload = report["workloads"][0]
    report["prompts"] = [{**copy.deepcopy(prompt), "id": f"bulk-{i:05d}"} for i in range(10_000)]
    report["workloads"] = [{**copy.deepcopy(workload), "id": f"w{i:05d}"} for i in range(10_000)]
    report["blocking_reasons"] = [
        {
            "code": "finding",
            "rule": "PO307",
            "message": f"prompt 'bulk-{i:05d}' changed against the base ref but its version is "
            "still 1.0.0: bump it",
            "path": f"prompts/bulk/p{i:05d}.yaml",
            "line": 3,
            "severity": "error",
            "expired_waiver": None,
        }
        for i in range(10_000)
    ]
    report["warnings"] = [
        {"code": "finding", "rule": "PO308", "message": f"warning {i}", "path": PATH, "line": 1}
        for i in range(10_000)
    ]
    report["blocking"] = True
    return report


@pytest.mark.slow
def test_a_ten_thousand_row_change_fits_every_markdown_output(hostile, github, tmp_path):
    root, base, head = hostile
    report = _ten_thousand_row_report(root, tmp_path)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(report, separators=(",", ":")), encoding="utf-8")
    runner = tmp_path / "runner"
    runner.mkdir()
    ws = {
        "repo": root,
        "base": base,
        "head": head,
        "temp": runner,
        "event": write_event(tmp_path / "event.json", base, head),
    }
    result = run_action(ws, github, env={"PROMPTOPS_REPORT_FILE": str(path)})
    assert result.returncode == 1, result.stdout + result.stderr
    (comment,) = github.issue_comments(REPO, PR)
    for markdown in (comment["body"], result.summary):
        assert len(markdown) <= LIMIT
        assert "### 🧾 promptops: ❌ 10000 blocking issues" in markdown  # the verdict
        assert f"**{report['headline'][:40]}" in markdown.replace("\\", "")  # headline
        assert "**Totals per month:** expected $10,350.00 → _unpriced_" in markdown
        assert "more blocking reasons not shown (GitHub's comment limit); see the JSON report." in (
            markdown
        )
        assert_inert(markdown)
        table_rows = [line for line in markdown.splitlines() if line.startswith("| ")]
        assert all(line.endswith(" |") for line in table_rows)  # no row cut in half


@pytest.mark.slow
def test_check_markdown_output_of_a_large_real_change_fits(tmp_path):
    """600 prompts in 600 workloads, each a blocking PO307: the reasons and the workload table,
    never cut before, made a body of about twice the limit."""
    repo = base_repo(tmp_path / "repo")

    def prompt(i: int, word: str) -> str:
        return (
            f"kind: prompt\nid: bulk-{i:03d}\nversion: 1.0.0\nmodel: claude-sonnet-4-6\n"
            f"workload: w{i:03d}\nmax_output_tokens: 400\nsystem: {word} answer {i} politely.\n"
        )

    for i in range(N_LARGE):
        repo.write(
            f"charters/w{i:03d}.yaml",
            f"kind: charter\nid: w{i:03d}\nowner: team-{i}\nscenarios:\n  expected:\n"
            "    calls_per_month: 1000\n    cache_hit_rate: 0.5\n    output_tokens: 100\n",
        )
        repo.write(f"prompts/bulk/p{i:03d}.yaml", prompt(i, "Always"))
    repo.commit("bulk")
    repo.branch("feature")
    for i in range(N_LARGE):
        repo.write(f"prompts/bulk/p{i:03d}.yaml", prompt(i, "Never"))
    repo.commit("reword without version bumps")
    out = tmp_path / "comment.md"
    result = run_cli(
        [*CHECK_JSON, "--markdown-output", str(out)],
        cwd=repo.root,
        env={"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")},
        timeout=600,
    )
    assert result.returncode == 1, result.stderr
    markdown = out.read_text(encoding="utf-8")
    report = json.loads(result.stdout)
    assert len(markdown) <= LIMIT
    assert markdown.startswith(f"### 🧾 promptops: ❌ {N_LARGE} blocking issues")
    assert report["headline"] in markdown
    assert "**Totals per month:** expected" in markdown
    assert "not shown (GitHub's comment limit); see the JSON report." in markdown
    assert len(render_markdown(report, limit=10**9)) > 2 * LIMIT  # the cut was needed
    unlimited = run_cli(
        ["check", "--base", "main", "--head", "feature", "--format", "markdown"],
        cwd=repo.root,
        env={"PROMPTOPS_CACHE_DIR": str(tmp_path / "cache")},
    ).stdout
    assert unlimited == markdown  # every Markdown output is the same fitted body


EVAL_PROMPT = """kind: prompt
id: greeter
version: 1.0.0
model: claude-haiku-4-5
max_output_tokens: 8
system: You greet.
messages:
  - role: user
    content: "Say hello to {{ name }}"
variables:
  name: {max_tokens: 10}
"""
EVAL_SUITE = """kind: eval
id: greeter-basics
prompt: greeter
target: local
cases:
  - id: ana
    vars: {name: Ana}
    assert:
      - {type: is-json}
"""


def test_eval_text_shows_a_hostile_shard_and_model_answer_without_control_sequences(tmp_path):
    """`eval merge` reads shard reports another job wrote; their messages reach the terminal."""
    from tests.support.fake_openai import FakeOpenAI, completion
    from tests.support.hostile_http import Scripted

    repo = tmp_path / "repo"
    (repo / "prompts").mkdir(parents=True)
    (repo / "evals").mkdir()
    (repo / "prompts" / "p.yaml").write_text(EVAL_PROMPT, encoding="utf-8")
    (repo / "evals" / "e.yaml").write_text(EVAL_SUITE, encoding="utf-8")
    (repo / "promptops.yaml").write_text("tokenizer: cl100k_base\neval: {cache_dir: .c}\n")
    shard = repo / "shard.json"
    with FakeOpenAI() as fake:
        fake.enqueue(Scripted(200, completion(f"{ESC}[31m@org/team{ESC}]0;pwned\x07")))
        args = ["eval", "--base-url", fake.base_url, "--model", "tiny", "--quiet"]
        run = run_cli([*args, "--shard", "1/1", "--format", "json", "-o", str(shard)], cwd=repo)
    assert run.returncode == 0, run.stderr
    data = json.loads(shard.read_text(encoding="utf-8"))
    head = data["suites"][0]["head"]
    head["model"] = f"tiny{ESC}[2J"
    head["cases"][0]["attempts"][0]["assertions"][0]["message"] = f"bad {ESC}[31mred{ESC}[0m"
    shard.write_text(json.dumps(data), encoding="utf-8")
    merged = run_cli(["eval", "merge", str(shard)], cwd=repo)
    assert merged.returncode in (0, 1), merged.stderr
    assert ESC not in merged.stdout
    assert "tiny\\x1b[2J" in merged.stdout and "bad \\x1b[31mred\\x1b[0m" in merged.stdout
