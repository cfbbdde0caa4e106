"""Literal braces in prompts: `{{ '{{' }}`-style quoted literals and `template: false` segments.

Reproduction (issue "Gates that cannot be fooled", item 9): "Literal `{{ }}` cannot be written.
Real prompts contain `${{ secrets.X }}` (GitHub Actions), Vue `{{ x.color }}`, Go
`{{Model: …}}` and placeholders the model should fill (`{{skill-name}}`). They get blocking
PO101/PO004 errors, and `render` replaces them with ' x x x', so 'the exact request body' is
wrong and so are its counts."
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

from promptops.canary.bundle import runtime_from_repo
from promptops.runtime import Runtime
from promptops.tokens.tokenizers import count_tokens
from tests.support.cli import run_cli
from tests.support.docs import POLICY_TEXT

CONFIG = "tokenizer: cl100k_base\n"
CHARTER = """\
kind: charter
id: ci
owner: jane@example.com
agent: {max_steps: 4}
scenarios:
  expected: {calls_per_month: 1000000, cache_hit_rate: 0.8, output_tokens: 300}
"""
# What the model must receive, byte for byte.
CACHED_TEXT = (
    "Write GitHub workflows that read ${{ secrets.TOKEN }} and Vue templates such as "
    "<span>{{ x.color }}</span>.\n" + POLICY_TEXT + "\n"
)
RAW_TEXT = "Go: {{Model: .Name}}. Name new skills {{skill-name}}.\n"
PROMPT = """\
kind: prompt
id: ci/helper
version: 1.0.0
model: claude-haiku-4-5
workload: ci
max_output_tokens: 400
system:
  - text: |
      Write GitHub workflows that read ${{ '{{' }} secrets.TOKEN }} and Vue templates such as <span>{{ '{{ x.color }}' }}</span>.
      POLICY_TEXT
    cache: true
  - text: |
      Go: {{Model: .Name}}. Name new skills {{skill-name}}.
    template: false
messages:
  - role: user
    content: "Fill in {{ '{{skill-name}}' }} for: {{ request }}"
variables:
  request: {expected_tokens: 20}
""".replace("POLICY_TEXT", POLICY_TEXT)


def _repo(root: Path, prompt: str = PROMPT) -> Path:
    files = {
        "promptops.yaml": CONFIG,
        "charters/ci.yaml": CHARTER,
        "prompts/helper.yaml": prompt,
        "vars.yaml": "request: a release workflow\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_literals_raise_no_variable_findings(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = run_cli(["lint", "--format", "json"], cwd=root)
    findings = json.loads(result.stdout)
    findings = findings["findings"] if isinstance(findings, dict) else findings
    assert [(f["code"], f["line"], f["message"]) for f in findings] == []
    assert result.returncode == 0, result.stderr


def test_render_sends_literals_byte_for_byte(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    result = run_cli(["render", "ci/helper", "--vars", "vars.yaml"], cwd=root)
    assert result.returncode == 0, result.stderr
    request = json.loads(result.stdout)
    assert [block["text"] for block in request["system"]] == [CACHED_TEXT, RAW_TEXT]
    assert request["messages"][0]["content"][0]["text"] == (
        "Fill in {{skill-name}} for: a release workflow"
    )


def test_quoted_literals_alone_render_as_their_text(tmp_path: Path) -> None:
    prompt = (
        "kind: prompt\nid: ci/helper\nversion: 1.0.0\nmodel: claude-haiku-4-5\nworkload: ci\n"
        "max_output_tokens: 400\n"
        "system: \"Read ${{ '{{' }} secrets.TOKEN }}; Go: {{ '{{Model: .Name}}' }}{{ \\\"}}\\\" }}\"\n"
    )
    root = _repo(tmp_path, prompt)
    result = run_cli(["render", "ci/helper"], cwd=root)
    assert result.returncode == 0, result.stderr
    text = json.loads(result.stdout)["system"][0]["text"]
    assert text == "Read ${{ secrets.TOKEN }}; Go: {{Model: .Name}}}}"
    assert result.stderr == ""  # nothing stood in as a placeholder


def test_token_counts_are_those_of_the_literal_text_and_the_prefix_stays_cacheable(
    tmp_path: Path,
) -> None:
    root = _repo(tmp_path)
    result = run_cli(["tokens", "--format", "json"], cwd=root)
    assert result.returncode == 0, result.stderr
    (prompt,) = json.loads(result.stdout)["prompts"]
    tokens = prompt["tokens"]
    expected = count_tokens("cl100k_base", CACHED_TEXT) + count_tokens("cl100k_base", RAW_TEXT)
    assert tokens["parts"]["system"]["total"] == expected
    # A literal is not a per-call value: the prefix is read from the cache, not rewritten.
    (breakpoint,) = tokens["breakpoints"]
    assert breakpoint["prefix_tokens"] == count_tokens("cl100k_base", CACHED_TEXT)
    assert breakpoint["effective"] and breakpoint["readable"]


def test_a_real_variable_next_to_a_literal_is_still_reported_where_it_is(tmp_path: Path) -> None:
    prompt = PROMPT.replace("for: {{ request }}", "for: {{ request }} {{ '}}' }} {{ oops }}")
    root = _repo(tmp_path, prompt)
    result = run_cli(["lint", "--format", "json"], cwd=root)
    findings = json.loads(result.stdout)
    findings = findings["findings"] if isinstance(findings, dict) else findings
    (po004,) = [f for f in findings if f["code"] == "PO004"]
    line = prompt.splitlines()[po004["line"] - 1]
    assert line[po004["column"] - 1 :].startswith("{{ oops }}")
    assert "'oops'" in po004["message"]


def test_template_refs_skip_literals_and_raw_segments() -> None:
    from promptops.render import template_refs

    prompt = {
        "system": [
            {"text": "${{ '{{' }} secrets.X }} {{ a }} {{ \"}}\" }}"},
            {"text": "{{ b }}", "template": False},
        ],
        "messages": [{"role": "user", "content": "{{ '{{ c }}' }} {{ d }}"}],
    }
    refs = template_refs(prompt)
    assert [(r.expression, r.occurrence) for r in refs] == [("a", 1), ("d", 1)]


def test_skeleton_source_renders_back_to_the_same_text() -> None:
    """What the runtime bundle stores (`template_source`) renders to exactly what the
    prompt renders to, for any mix of braces, quotes and templates."""
    from promptops.template import substitute, template_source

    rng = random.Random(9)
    pieces = ["{", "}", "{{", "}}", "'", '"', " ", "a", "\n", "{{ x }}", "{{ 'q' }}"]
    pieces += ['{{ "}}" }}', "{{'", "{{ '{' }}", "{{ a.b }}", "{{ now() }}"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for templated in (True, False):
            wanted = substitute(text, lambda e: f"<{e}>") if templated else text
            assert substitute(template_source(text, templated), lambda e: f"<{e}>") == wanted


# ----- runtime: the same grammar, the same bytes -------------------------------------------------
RUNTIME_PROMPT = """\
kind: prompt
id: ci/helper
version: 1.0.0
model: claude-haiku-4-5
workload: ci
max_output_tokens: 400
system:
  - text: "Use ${{ '{{' }} secrets.TOKEN }} for {{ customer.name }}{"
  - text: "{{ raw }} stays"
    template: false
messages:
  - role: user
    content: "{{ '{{skill-name}}' }}: {{ request }} ({{ count }} of {{ items }})"
variables:
  customer: {}
  request: {}
  count: {}
  items: {}
"""
VALUES = {
    "customer": {"name": "José"},
    "request": "a workflow {{ not a template }}",
    "count": 3,
    "items": ["ä", 1.5, None, True],
}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=60)


def _release_repo(root: Path) -> Path:
    _repo(root, RUNTIME_PROMPT)
    (root / "vars.json").write_text(json.dumps(VALUES), encoding="utf-8")
    (root / "releases").mkdir()
    (root / "releases" / "helper.yaml").write_text(
        "kind: release\nid: helper-rollout\nprompt: ci/helper\nstable: 1.0.0\n"
    )
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "v1")
    return root


def _rendered_by_cli(root: Path) -> dict:
    result = run_cli(["render", "ci/helper", "--vars", "vars.json"], cwd=root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_runtime_renders_exactly_what_render_prints(tmp_path: Path) -> None:
    root = _release_repo(tmp_path)
    expected = _rendered_by_cli(root)
    assert expected["system"][0]["text"] == "Use ${{ secrets.TOKEN }} for José{"
    assert expected["system"][1]["text"] == "{{ raw }} stays"
    version = runtime_from_repo(root).resolve("ci/helper", key="user-1")
    assert version.variables == ("count", "customer.name", "items", "request")
    assert version.render(VALUES) == expected


def test_bundle_command_keeps_literals(tmp_path: Path) -> None:
    root = _release_repo(tmp_path)
    bundle = tmp_path / "bundle.json"
    result = run_cli(["bundle", "--repo", str(root), "-o", str(bundle)])
    assert result.returncode == 0, result.stderr
    version = Runtime.from_bundle(bundle).resolve("ci/helper")
    assert version.render(VALUES) == _rendered_by_cli(root)
