"""The PR comment body: headline first, every blocking reason kept, under GitHub's limit."""

from __future__ import annotations

from pathlib import Path

from promptops.report.markdown import GITHUB_LIMIT, render_markdown
from promptops.report.reasons import reason_text
from tests.diff_fixtures import base_repo, run_json

N_PROMPTS = 100


def _big_prompt(i: int, variant: str) -> str:
    lines = "\n".join(
        f"      Rule {n} of prompt {i}: {variant} handle case {n} with care and cite policy {n}."
        for n in range(40)
    )
    return f"""kind: prompt
id: bulk-{i:03d}
version: 1.0.0
model: claude-sonnet-4-6
workload: support
max_output_tokens: 400
system: |
{lines}
"""


def test_large_change_stays_under_limit_and_keeps_blocking_reasons(tmp_path: Path) -> None:
    repo = base_repo(tmp_path / "repo")
    for i in range(N_PROMPTS):
        repo.write(f"prompts/bulk/p{i:03d}.yaml", _big_prompt(i, "always"))
    repo.commit("bulk prompts")
    repo.branch("feature")
    for i in range(N_PROMPTS):  # content changes without version bumps: 100 PO307 blocks
        repo.write(f"prompts/bulk/p{i:03d}.yaml", _big_prompt(i, "never ever"))
    repo.commit("reword everything")

    code, report = run_json(["check", "--base", "main", "--head", "feature"], repo.root, tmp_path)
    assert code == 1
    assert len(report["prompts"]) == N_PROMPTS
    reasons = report["blocking_reasons"]
    assert len(reasons) == N_PROMPTS
    assert {(r["code"], r["rule"]) for r in reasons} == {("finding", "PO307")}

    body = render_markdown(report)
    assert len(body) < GITHUB_LIMIT
    assert report["headline"] in body
    assert body.index(report["headline"]) < 300
    for reason in reasons:
        assert reason_text(reason).replace("|", "\\|") in body
    assert "left out to keep this comment under GitHub's size limit" in body

    unlimited = render_markdown(report, limit=10_000_000)
    assert len(unlimited) > GITHUB_LIMIT  # the cut was needed


def test_small_report_has_table_details_and_provenance(tmp_path: Path) -> None:
    from tests.diff_fixtures import triage

    repo = base_repo(tmp_path / "repo")
    repo.branch("feature")
    repo.write("prompts/triage.yaml", triage(version="1.1.0", system_tokens=1300))
    repo.commit("grow")
    _, report = run_json(["diff", "main", "feature"], repo.root, tmp_path)
    body = render_markdown(report)
    assert body.startswith("### 🧾 promptops: prompt cost diff")
    assert "| Workload | Expected /mo | Stretch /mo | Runaway /mo |" in body
    assert "$5,841.00 → **$5,940.00** (+$99.00, +1.7%)" in body
    assert "<details><summary>Why did it change?" in body
    assert "`system[0]`: +100 tokens" in body
    assert "Prices: Anthropic list prices (genai-prices " in body
    assert "<!--" not in body  # the comment command adds its own marker
